/**
 * An instrument's home by trading session: a list of `{ from: "HH:MM" (UTC), region }`, sorted by
 * time of day, each meaning "from this time of day on, the book's home is `region`". The last
 * entry runs past midnight until the first one (a schedule wraps around the day), so
 * `[{from: "00:00", region: "apac"}, {from: "08:00", region: "weur"}, {from: "13:00", region: "enam"}]`
 * is Tokyo, then London, then New York every day. Pure: times are epoch ms, days are UTC days.
 */

export interface ScheduleEntry<R extends string = string> {
  /** Time of day, UTC, `HH:MM` (00:00 to 23:59). */
  from: string;
  region: R;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of `HH:MM`, or null when it is not a time of day. */
export function minuteOfDay(hhmm: string): number | null {
  const m = HHMM.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** What is wrong with a schedule (empty: nothing): times of day, strictly increasing. */
export function scheduleIssues(entries: readonly ScheduleEntry[]): Array<{ index: number; message: string }> {
  const issues: Array<{ index: number; message: string }> = [];
  if (entries.length === 0) issues.push({ index: 0, message: "a schedule needs at least one entry" });
  let previous = -1;
  entries.forEach((entry, index) => {
    const minute = minuteOfDay(entry.from);
    if (minute === null) {
      issues.push({ index, message: `from must be a UTC time of day HH:MM, not ${JSON.stringify(entry.from)}` });
      return;
    }
    if (minute <= previous) {
      issues.push({ index, message: `entries must be sorted by time with distinct times (${entry.from})` });
    }
    previous = Math.max(previous, minute);
  });
  return issues;
}

/** The entry in force at `at`: the last one whose time of day has come, else the last of the list (from yesterday). */
function indexAt(entries: readonly ScheduleEntry[], at: number): number {
  const minute = Math.floor((((at % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS);
  let found = entries.length - 1;
  for (let i = 0; i < entries.length; i++) {
    if ((minuteOfDay((entries[i] as ScheduleEntry).from) ?? 0) <= minute) found = i;
  }
  return found;
}

/** The region the schedule names at instant `at` (epoch ms). */
export function scheduledRegion<R extends string>(entries: readonly ScheduleEntry<R>[], at: number): R {
  if (entries.length === 0) throw new Error("empty home schedule");
  return (entries[indexAt(entries, at)] as ScheduleEntry<R>).region;
}

/** The next instant strictly after `at` at which an entry starts (epoch ms), with that entry's region. */
export function nextBoundary<R extends string>(
  entries: readonly ScheduleEntry<R>[],
  at: number,
): { at: number; region: R } {
  if (entries.length === 0) throw new Error("empty home schedule");
  const day = Math.floor(at / DAY_MS) * DAY_MS;
  let best: { at: number; region: R } | undefined;
  for (const entry of entries) {
    const offset = (minuteOfDay(entry.from) ?? 0) * MINUTE_MS;
    let t = day + offset;
    if (t <= at) t += DAY_MS;
    if (!best || t < best.at) best = { at: t, region: entry.region };
  }
  return best as { at: number; region: R };
}

/** When the entry in force at `at` began: the last boundary at or before `at` (epoch ms). */
export function currentSince(entries: readonly ScheduleEntry[], at: number): number {
  if (entries.length === 0) throw new Error("empty home schedule");
  const day = Math.floor(at / DAY_MS) * DAY_MS;
  let best = Number.NEGATIVE_INFINITY;
  for (const entry of entries) {
    let t = day + (minuteOfDay(entry.from) ?? 0) * MINUTE_MS;
    if (t > at) t -= DAY_MS;
    best = Math.max(best, t);
  }
  return best;
}

/** The next boundary after `at` where the region changes, or null when the schedule names one region only. */
export function nextChange<R extends string>(
  entries: readonly ScheduleEntry<R>[],
  at: number,
): { at: number; region: R } | null {
  const now = scheduledRegion(entries, at);
  let t = at;
  // A boundary per entry per day: one day ahead covers every change.
  for (let i = 0; i < entries.length; i++) {
    const next = nextBoundary(entries, t);
    if (next.region !== now) return next;
    t = next.at;
  }
  return null;
}
