/**
 * Trading calendars: when an instrument's market is open, computed from a UTC instant
 * with the zone's daylight-saving rules (via `Intl`, see `zone.ts`).
 *
 * Three kinds:
 * - `24x7`: always open (crypto).
 * - `24x5`: one weekly window in a zone, e.g. FX: opens Sunday 17:00, closes Friday 17:00 New York.
 * - `exchange`: daily sessions on given weekdays in a zone, minus holidays, with early closes.
 *
 * Every time is a local wall-clock time, so sessions follow the zone through daylight-saving
 * changes (the New York open is 14:30Z in winter and 13:30Z in summer). Wall times that fall
 * in a daylight-saving gap move forward by the gap's length; wall times that happen twice take
 * the earlier instant (Temporal's `"compatible"` rule, see `zone.ts`). A session that becomes
 * empty under this rule (only possible for sessions inside a gap) is skipped. Sessions are
 * half-open: open at `open`, closed again at `close`. Sessions that touch or overlap once in
 * UTC are merged into one.
 *
 * Calendars are treated as immutable: derived lookup tables are cached per calendar object.
 */

import { z } from "zod";
import { DAY_MS, dayOf, isValidTimeZone, MINUTE_MS, parseDate, parseTime, wallToUtc, weekdayOf } from "./zone.ts";

/** How many days ahead `nextOpen`/`nextClose` search before giving up (returning `null`). */
export const SEARCH_HORIZON_DAYS = 400;

const MINUTES_PER_WEEK = 7 * 24 * 60;

/** A local wall-clock time `"HH:MM"`, 00:00–23:59. */
export const TimeOfDaySchema = z.string().refine((s) => parseTime(s) !== null, "expected a time HH:MM (00:00–23:59)");

/** A local date `"YYYY-MM-DD"` that exists in the calendar. */
export const LocalDateSchema = z.string().refine((s) => parseDate(s) !== null, "expected a real date YYYY-MM-DD");

/** An IANA time zone known to the runtime's `Intl` (e.g. `"America/New_York"`). */
export const TimeZoneSchema = z.string().refine(isValidTimeZone, "unknown IANA time zone");

/** Day of the week: 0 = Sunday … 6 = Saturday. */
export const WeekdaySchema = z.number().int().min(0).max(6);

/** A day of the week and a local time. */
export const WeeklyTimeSchema = z.object({ day: WeekdaySchema, time: TimeOfDaySchema });

/** Always open. */
export const Calendar24x7Schema = z.object({ kind: z.literal("24x7") });

/** One weekly window from `open` to `close` (local times in `tz`); the window may wrap past Saturday. */
export const Calendar24x5Schema = z
  .object({
    kind: z.literal("24x5"),
    tz: TimeZoneSchema,
    open: WeeklyTimeSchema,
    close: WeeklyTimeSchema,
  })
  .refine((c) => c.open.day !== c.close.day || c.open.time !== c.close.time, {
    message: "open and close must differ",
    path: ["close"],
  });

/** One daily session, `open` < `close`, both on the same local day. */
export const SessionSchema = z
  .object({ open: TimeOfDaySchema, close: TimeOfDaySchema })
  .refine((s) => s.open < s.close, { message: "a session must open before it closes", path: ["close"] });

/**
 * Daily sessions on `days` (0 = Sun … 6 = Sat) in `tz`, closed on `holidays` (local dates),
 * with `early_closes` (local date → time) cutting every session of that day at that time
 * (sessions opening at or after it do not open).
 */
export const ExchangeCalendarSchema = z
  .object({
    kind: z.literal("exchange"),
    tz: TimeZoneSchema,
    sessions: z.array(SessionSchema).min(1),
    days: z.array(WeekdaySchema).min(1),
    holidays: z.array(LocalDateSchema),
    early_closes: z.record(LocalDateSchema, TimeOfDaySchema).optional(),
  })
  .superRefine((c, ctx) => {
    for (let i = 1; i < c.sessions.length; i++) {
      const prev = c.sessions[i - 1];
      const cur = c.sessions[i];
      if (prev !== undefined && cur !== undefined && cur.open < prev.close) {
        ctx.addIssue({ code: "custom", message: "sessions must be in order and not overlap", path: ["sessions", i] });
      }
    }
    if (new Set(c.days).size !== c.days.length) {
      ctx.addIssue({ code: "custom", message: "days must not repeat", path: ["days"] });
    }
    const holidays = new Set(c.holidays);
    for (const date of Object.keys(c.early_closes ?? {})) {
      if (holidays.has(date)) {
        ctx.addIssue({
          code: "custom",
          message: `${date} is both a holiday and an early close`,
          path: ["early_closes", date],
        });
      }
    }
  });

/** A trading calendar, discriminated by `kind`. */
export const CalendarSchema = z.discriminatedUnion("kind", [
  Calendar24x7Schema,
  Calendar24x5Schema,
  ExchangeCalendarSchema,
]);

export type Calendar = z.infer<typeof CalendarSchema>;
export type Calendar24x7 = z.infer<typeof Calendar24x7Schema>;
export type Calendar24x5 = z.infer<typeof Calendar24x5Schema>;
export type ExchangeCalendar = z.infer<typeof ExchangeCalendarSchema>;
export type WeeklyTime = z.infer<typeof WeeklyTimeSchema>;
export type Session = z.infer<typeof SessionSchema>;

/**
 * A session as UTC epoch ms: open from `open` (inclusive) to `close` (exclusive).
 * `null` means unbounded, which only a `24x7` calendar has.
 */
export interface SessionBounds {
  open: number | null;
  close: number | null;
}

/** A finite session in UTC epoch ms, `[open, close)`. */
interface Interval {
  open: number;
  close: number;
}

/** Lookup tables derived from a calendar. */
type Compiled =
  | { kind: "24x7" }
  | { kind: "weekly"; tz: string; openDay: number; openMinute: number; spanMinutes: number }
  | {
      kind: "exchange";
      tz: string;
      sessions: Array<[open: number, close: number]>;
      days: boolean[];
      holidays: Set<number>;
      earlyCloses: Map<number, number>;
    };

const compiledCache = new WeakMap<Calendar, Compiled>();

/** Minutes after midnight; callers pass schema-validated times. */
function minutes(time: string): number {
  const m = parseTime(time);
  if (m === null) throw new RangeError(`invalid time: ${JSON.stringify(time)}`);
  return m;
}

/** Day number of a local date; callers pass schema-validated dates. */
function day(date: string): number {
  const d = parseDate(date);
  if (d === null) throw new RangeError(`invalid date: ${JSON.stringify(date)}`);
  return d;
}

function compile(cal: Calendar): Compiled {
  const cached = compiledCache.get(cal);
  if (cached !== undefined) return cached;
  let compiled: Compiled;
  if (cal.kind === "24x7") {
    compiled = { kind: "24x7" };
  } else if (cal.kind === "24x5") {
    const openMinute = minutes(cal.open.time);
    const fromOpen = (cal.close.day - cal.open.day) * 1440 + minutes(cal.close.time) - openMinute;
    const span = ((fromOpen % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
    compiled = {
      kind: "weekly",
      tz: cal.tz,
      openDay: cal.open.day,
      openMinute,
      spanMinutes: span === 0 ? MINUTES_PER_WEEK : span,
    };
  } else {
    const days = [false, false, false, false, false, false, false];
    for (const d of cal.days) days[d] = true;
    compiled = {
      kind: "exchange",
      tz: cal.tz,
      sessions: cal.sessions.map((s) => [minutes(s.open), minutes(s.close)]),
      days,
      holidays: new Set(cal.holidays.map(day)),
      earlyCloses: new Map(Object.entries(cal.early_closes ?? {}).map(([date, time]) => [day(date), minutes(time)])),
    };
  }
  compiledCache.set(cal, compiled);
  return compiled;
}

/** Weekly windows, in order, starting with any that may contain `atMs`. */
function* weeklyIntervals(c: Extract<Compiled, { kind: "weekly" }>, atMs: number): Generator<Interval> {
  // A window lasts at most a week, so one containing atMs opened at most 7 local days earlier;
  // the local date is within a day of the UTC date (offsets are under ±24 h).
  const first = dayOf(atMs) - 9;
  for (let d = first; d <= first + 9 + SEARCH_HORIZON_DAYS; d++) {
    if (weekdayOf(d) !== c.openDay) continue;
    const openWall = d * DAY_MS + c.openMinute * MINUTE_MS;
    const open = wallToUtc(c.tz, openWall);
    const close = wallToUtc(c.tz, openWall + c.spanMinutes * MINUTE_MS);
    if (close > open) yield { open, close };
  }
}

/** Exchange sessions, in order, starting with any that may contain `atMs`. */
function* exchangeIntervals(c: Extract<Compiled, { kind: "exchange" }>, atMs: number): Generator<Interval> {
  // Sessions stay within their local day, which is within a day of the UTC date (offsets are
  // under ±24 h); start one more day early in case of offset changes around midnight.
  const first = dayOf(atMs) - 2;
  for (let d = first; d <= first + 2 + SEARCH_HORIZON_DAYS; d++) {
    if (!c.days[weekdayOf(d)] || c.holidays.has(d)) continue;
    const cutoff = c.earlyCloses.get(d) ?? Number.POSITIVE_INFINITY;
    const batch: Interval[] = [];
    for (const [openMinute, closeMinute] of c.sessions) {
      const closeAt = Math.min(closeMinute, cutoff);
      if (closeAt <= openMinute) continue;
      const open = wallToUtc(c.tz, d * DAY_MS + openMinute * MINUTE_MS);
      const close = wallToUtc(c.tz, d * DAY_MS + closeAt * MINUTE_MS);
      if (close > open) batch.push({ open, close });
    }
    // Only gap-shifted sessions can come out of order; keep the stream sorted by open.
    batch.sort((a, b) => a.open - b.open);
    yield* batch;
  }
}

/** Merges touching or overlapping intervals of a stream sorted by `open`. */
function* merged(intervals: Iterable<Interval>): Generator<Interval> {
  let current: Interval | undefined;
  for (const next of intervals) {
    if (current === undefined) {
      current = { ...next };
    } else if (next.open <= current.close) {
      current.close = Math.max(current.close, next.close);
    } else {
      yield current;
      current = { ...next };
    }
  }
  if (current !== undefined) yield current;
}

/** The calendar's sessions in UTC, merged and in order, starting with any that may contain `atMs`. */
function sessionsAround(c: Exclude<Compiled, { kind: "24x7" }>, atMs: number): Generator<Interval> {
  return merged(c.kind === "weekly" ? weeklyIntervals(c, atMs) : exchangeIntervals(c, atMs));
}

function checkInstant(atMs: number): void {
  if (!Number.isFinite(atMs)) throw new RangeError(`not an instant: ${atMs}`);
}

/** The first session ending strictly after `atMs` (the current one if open, else the next). */
function sessionEndingAfter(c: Exclude<Compiled, { kind: "24x7" }>, atMs: number): Interval | undefined {
  for (const s of sessionsAround(c, atMs)) if (s.close > atMs) return s;
  return undefined;
}

/**
 * The session containing `atMs` (UTC epoch ms), or `null` when the market is closed.
 * A `24x7` calendar returns `{ open: null, close: null }` (unbounded).
 */
export function currentSession(cal: Calendar, atMs: number): SessionBounds | null {
  checkInstant(atMs);
  const c = compile(cal);
  if (c.kind === "24x7") return { open: null, close: null };
  const s = sessionEndingAfter(c, atMs);
  return s !== undefined && s.open <= atMs ? { open: s.open, close: s.close } : null;
}

/** True when the market is open at `atMs` (UTC epoch ms): `open <= atMs < close` for some session. */
export function isOpen(cal: Calendar, atMs: number): boolean {
  return currentSession(cal, atMs) !== null;
}

/**
 * The next opening strictly after `atMs` (UTC epoch ms): when closed, the start of the next
 * session; when open, the start of the session after the current one.
 * `null` for `24x7` (never opens, never closes) or when nothing opens within {@link SEARCH_HORIZON_DAYS}.
 */
export function nextOpen(cal: Calendar, atMs: number): number | null {
  checkInstant(atMs);
  const c = compile(cal);
  if (c.kind === "24x7") return null;
  for (const s of sessionsAround(c, atMs)) if (s.open > atMs) return s.open;
  return null;
}

/**
 * The next closing strictly after `atMs` (UTC epoch ms): when open, the end of the current
 * session; when closed, the end of the next session.
 * `null` for `24x7` or when nothing closes within {@link SEARCH_HORIZON_DAYS}.
 */
export function nextClose(cal: Calendar, atMs: number): number | null {
  checkInstant(atMs);
  const c = compile(cal);
  if (c.kind === "24x7") return null;
  return sessionEndingAfter(c, atMs)?.close ?? null;
}
