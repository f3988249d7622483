/** The FX trading sessions open now (with their close) and the next ones (with their open). */
import { z } from "zod";
import { type FxSession, openSessions, upcomingSessions } from "../../../shared/sessions/index.ts";
import { defineOperation } from "./define.ts";

const iso = (ms: number) => new Date(ms).toISOString();

function describe(s: FxSession) {
  return { name: s.name, city: s.city, time_zone: s.tz, local_open: s.open, local_close: s.close };
}

export const getSessions = defineOperation({
  name: "sessions.list",
  scope: "public",
  routeClass: "system",
  idempotency: "read",
  input: z.object({}).strict(),
  async run() {
    const now = Date.now();
    const open = openSessions(now).map((s) => ({
      ...describe(s.session),
      opened_at: iso(s.openedAt),
      opened_at_ms: s.openedAt,
      closes_at: iso(s.closesAt),
      closes_at_ms: s.closesAt,
    }));
    const next = upcomingSessions(now).map((s) => ({
      ...describe(s.session),
      opens_at: iso(s.opensAt),
      opens_at_ms: s.opensAt,
      closes_at: iso(s.closesAt),
      closes_at_ms: s.closesAt,
    }));
    return { time: iso(now), epoch_ms: now, open, next };
  },
});
