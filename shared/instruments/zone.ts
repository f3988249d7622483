/**
 * Time-zone arithmetic on IANA zones via `Intl.DateTimeFormat` (no Temporal, no
 * tz database of our own): UTC offsets, wall clock → UTC and back, and civil-date helpers.
 *
 * A "wall time" is a local date and time written as milliseconds as if the zone were
 * UTC: `Date.UTC(2026, 2, 8, 2, 30)` is 2026-03-08 02:30 on the wall clock, whatever the zone.
 *
 * Wall clock → UTC is ambiguous twice a year where daylight saving applies. The rule
 * here is the one of Temporal's `disambiguation: "compatible"` (and RFC 5545, java.time):
 * - In a gap (spring forward: the wall time never happens), the wall time is read with
 *   the offset in force before the transition, i.e. moved forward by the gap's length:
 *   02:30 on 2026-03-08 in New York is 03:30 EDT (07:30Z).
 * - In an overlap (fall back: the wall time happens twice), the earlier instant wins:
 *   01:30 on 2026-11-01 in New York is 01:30 EDT (05:30Z), not 01:30 EST.
 */

/** Milliseconds in a minute. */
export const MINUTE_MS = 60_000;
/** Milliseconds in a (civil, 24-hour) day. */
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A cached formatter printing a zone's wall clock as numeric parts (construction is slow, formatting is not). */
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(tz, f);
  }
  return f;
}

/** True when the runtime's `Intl` knows the IANA time zone `tz` (e.g. `"America/New_York"`, `"UTC"`). */
export function isValidTimeZone(tz: string): boolean {
  if (tz === "") return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/**
 * The UTC offset of zone `tz` at instant `atMs`, in milliseconds (local − UTC; New York in winter: −5 h).
 *
 * @throws RangeError for an unknown zone.
 */
export function zoneOffsetMs(tz: string, atMs: number): number {
  const whole = Math.floor(atMs / 1000) * 1000;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of formatter(tz).formatToParts(whole)) {
    switch (part.type) {
      case "year":
        year = Number(part.value);
        break;
      case "month":
        month = Number(part.value);
        break;
      case "day":
        day = Number(part.value);
        break;
      case "hour":
        hour = Number(part.value) % 24;
        break;
      case "minute":
        minute = Number(part.value);
        break;
      case "second":
        second = Number(part.value);
        break;
    }
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) - whole;
}

/** The wall time (see the module comment) in zone `tz` at instant `atMs`. */
export function utcToWall(tz: string, atMs: number): number {
  return atMs + zoneOffsetMs(tz, atMs);
}

/** Memoized `wallToUtc` results per zone: calendars ask for the same few wall times again and again. */
const wallCache = new Map<string, Map<number, number>>();
const WALL_CACHE_LIMIT = 8192;

/**
 * The instant at which the wall clock in zone `tz` shows `wallMs`. Gaps move forward
 * by the gap's length; overlaps take the earlier instant (see the module comment).
 * Assumes at most one offset change within a day either side, which holds for every
 * zone in current use. Results are memoized (a pure function of its arguments).
 *
 * @throws RangeError for an unknown zone.
 */
export function wallToUtc(tz: string, wallMs: number): number {
  let cache = wallCache.get(tz);
  const hit = cache?.get(wallMs);
  if (hit !== undefined) return hit;
  const utc = computeWallToUtc(tz, wallMs);
  if (cache === undefined) {
    cache = new Map();
    wallCache.set(tz, cache);
  } else if (cache.size >= WALL_CACHE_LIMIT) {
    cache.clear();
  }
  cache.set(wallMs, utc);
  return utc;
}

function computeWallToUtc(tz: string, wallMs: number): number {
  const before = zoneOffsetMs(tz, wallMs - DAY_MS);
  const after = zoneOffsetMs(tz, wallMs + DAY_MS);
  const early = wallMs - before;
  if (before === after) return early;
  const earlyValid = zoneOffsetMs(tz, early) === before;
  const late = wallMs - after;
  const lateValid = zoneOffsetMs(tz, late) === after;
  if (earlyValid && lateValid) return Math.min(early, late);
  if (earlyValid) return early;
  if (lateValid) return late;
  // In the gap: read with the offset before the transition, i.e. shifted forward.
  return early;
}

/** Days since 1970-01-01 of the civil date of a wall time. */
export function dayOf(wallMs: number): number {
  return Math.floor(wallMs / DAY_MS);
}

/** Day of the week of a day number: 0 = Sunday … 6 = Saturday. */
export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day number of a `"YYYY-MM-DD"` date, or `null` if it is malformed or not a real date (`2026-02-30`). */
export function parseDate(date: string): number | null {
  const m = DATE_RE.exec(date);
  if (m === null) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, d);
  const check = new Date(ms);
  if (y < 1000 || check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    return null;
  }
  return ms / DAY_MS;
}

/** The `"YYYY-MM-DD"` date of a day number. */
export function formatDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of a `"HH:MM"` time (00:00–23:59), or `null` if malformed. */
export function parseTime(time: string): number | null {
  const m = TIME_RE.exec(time);
  return m === null ? null : Number(m[1]) * 60 + Number(m[2]);
}
