/**
 * The global FX trading sessions: Sydney, Tokyo, London and New York, each open
 * on its own weekdays at local business hours. Computed from a UTC instant with
 * each city's daylight-saving rules through the instrument calendars
 * (`shared/instruments/calendar.ts`), so the London–New York overlap grows and
 * shrinks as Europe and the United States change their clocks on different dates.
 *
 * Pure TypeScript: no runtime imports, runs in Workers and in plain Node.
 */
import { currentSession, type ExchangeCalendar, nextClose, nextOpen } from "../instruments/calendar.ts";

export const FX_SESSION_NAMES = ["sydney", "tokyo", "london", "new_york"] as const;
export type FxSessionName = (typeof FX_SESSION_NAMES)[number];

/** One trading session: a city's business hours on its weekdays. */
export interface FxSession {
  name: FxSessionName;
  city: string;
  /** IANA time zone of the city. */
  tz: string;
  /** Local opening and closing times, `HH:MM`. */
  open: string;
  close: string;
  /** The same hours as an exchange calendar (Monday to Friday, local). */
  calendar: ExchangeCalendar;
}

function fxSession(name: FxSessionName, city: string, tz: string, open: string, close: string): FxSession {
  const calendar: ExchangeCalendar = {
    kind: "exchange",
    tz,
    sessions: [{ open, close }],
    days: [1, 2, 3, 4, 5],
    holidays: [],
  };
  return { name, city, tz, open, close, calendar };
}

/** The four sessions in the order the trading day passes through them. */
export const FX_SESSIONS: readonly FxSession[] = [
  fxSession("sydney", "Sydney", "Australia/Sydney", "07:00", "16:00"),
  fxSession("tokyo", "Tokyo", "Asia/Tokyo", "09:00", "18:00"),
  fxSession("london", "London", "Europe/London", "08:00", "17:00"),
  fxSession("new_york", "New York", "America/New_York", "08:00", "17:00"),
];

/** A session open at the instant asked about, in UTC epoch ms. */
export interface OpenSession {
  session: FxSession;
  openedAt: number;
  closesAt: number;
}

/** A session closed at the instant asked about, with its next opening and that session's close. */
export interface UpcomingSession {
  session: FxSession;
  opensAt: number;
  closesAt: number;
}

/** The sessions open at `atMs` (UTC epoch ms), in trading-day order. */
export function openSessions(atMs: number): OpenSession[] {
  const open: OpenSession[] = [];
  for (const session of FX_SESSIONS) {
    const bounds = currentSession(session.calendar, atMs);
    if (bounds?.open != null && bounds.close != null) {
      open.push({ session, openedAt: bounds.open, closesAt: bounds.close });
    }
  }
  return open;
}

/** The sessions closed at `atMs` with their next opening, soonest first. */
export function upcomingSessions(atMs: number): UpcomingSession[] {
  const upcoming: UpcomingSession[] = [];
  for (const session of FX_SESSIONS) {
    if (currentSession(session.calendar, atMs) !== null) continue;
    const opensAt = nextOpen(session.calendar, atMs);
    const closesAt = opensAt === null ? null : nextClose(session.calendar, opensAt);
    if (opensAt !== null && closesAt !== null) upcoming.push({ session, opensAt, closesAt });
  }
  return upcoming.sort((a, b) => a.opensAt - b.opensAt);
}

/** The names of the sessions open at `atMs`, comma-separated (`"london,new_york"`), or `"none"`. */
export function sessionLabel(atMs: number): string {
  const names = openSessions(atMs).map((s) => s.session.name);
  return names.length > 0 ? names.join(",") : "none";
}
