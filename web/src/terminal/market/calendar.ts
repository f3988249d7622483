/**
 * Whether an instrument's trading calendar is open at an instant, for the session badge: the
 * local weekday and wall time in the calendar's zone via `Intl` (the server's own rules are in
 * shared/instruments/calendar.ts; this light copy skips its daylight-saving-gap corner cases,
 * which only matter for an hour a year, and the status badge shows what the server enforces).
 */
import type { Instrument } from "@platform3/client";

type Calendar = Instrument["calendar"];

const WEEK_MINUTES = 7 * 24 * 60;
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const formatters = new Map<string, Intl.DateTimeFormat>();

interface LocalTime {
  date: string; // YYYY-MM-DD
  weekday: number; // 0 = Sunday
  minute: number; // minutes after midnight
}

function localTime(tz: string, atMs: number): LocalTime | undefined {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: tz,
        hourCycle: "h23",
        weekday: "short",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
      });
    } catch {
      return undefined;
    }
    formatters.set(tz, f);
  }
  const parts = Object.fromEntries(f.formatToParts(atMs).map((p) => [p.type, p.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ""),
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

function minutes(hhmm: string): number {
  const [h = "0", m = "0"] = hhmm.split(":");
  return Number(h) * 60 + Number(m);
}

/** True when open, false when closed, undefined when it cannot be told (an unknown zone). */
export function calendarOpen(calendar: Calendar, atMs: number): boolean | undefined {
  if (calendar.kind === "24x7") return true;
  const local = localTime(calendar.tz, atMs);
  if (!local || local.weekday < 0) return undefined;
  if (calendar.kind === "24x5") {
    const now = local.weekday * 1440 + local.minute;
    const open = calendar.open.day * 1440 + minutes(calendar.open.time);
    const close = calendar.close.day * 1440 + minutes(calendar.close.time);
    const span = (((close - open) % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES || WEEK_MINUTES;
    const since = (((now - open) % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
    return since < span;
  }
  if (!calendar.days.includes(local.weekday) || calendar.holidays.includes(local.date)) return false;
  const early = calendar.early_closes?.[local.date];
  const cutoff = early === undefined ? Number.POSITIVE_INFINITY : minutes(early);
  return calendar.sessions.some((s) => {
    const close = Math.min(minutes(s.close), cutoff);
    return minutes(s.open) <= local.minute && local.minute < close;
  });
}
