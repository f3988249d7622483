import { describe, expect, it } from "vitest";
import { FX_SESSIONS, openSessions, sessionLabel, upcomingSessions } from "./index.ts";

const t = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const label = (at: string): string => sessionLabel(t(at));

describe("FX sessions", () => {
  it("are Sydney, Tokyo, London and New York at local business hours on weekdays", () => {
    expect(FX_SESSIONS.map((s) => [s.name, s.tz, s.open, s.close])).toEqual([
      ["sydney", "Australia/Sydney", "07:00", "16:00"],
      ["tokyo", "Asia/Tokyo", "09:00", "18:00"],
      ["london", "Europe/London", "08:00", "17:00"],
      ["new_york", "America/New_York", "08:00", "17:00"],
    ]);
  });

  it("walk through a winter day (all on standard time except Sydney's summer)", () => {
    // Wed 2026-02-04. Sydney AEDT (+11): 20:00Z–05:00Z. Tokyo: 00:00Z–09:00Z.
    // London GMT: 08:00Z–17:00Z. New York EST: 13:00Z–22:00Z.
    expect(label("2026-02-04T00:30:00Z")).toBe("sydney,tokyo");
    expect(label("2026-02-04T05:00:00Z")).toBe("tokyo");
    expect(label("2026-02-04T08:00:00Z")).toBe("tokyo,london");
    expect(label("2026-02-04T09:00:00Z")).toBe("london");
    expect(label("2026-02-04T12:59:59.999Z")).toBe("london");
    expect(label("2026-02-04T13:00:00Z")).toBe("london,new_york");
    expect(label("2026-02-04T17:00:00Z")).toBe("new_york");
    expect(label("2026-02-04T20:00:00Z")).toBe("sydney,new_york");
    expect(label("2026-02-04T22:00:00Z")).toBe("sydney");
  });

  it("widen the London–New York overlap to five hours between the US (Mar 8) and EU (Mar 29) changes", () => {
    // Before: Wed 2026-03-04, overlap 13:00Z–17:00Z.
    expect(label("2026-03-04T12:30:00Z")).toBe("london");
    expect(label("2026-03-04T16:59:59.999Z")).toBe("london,new_york");
    // Between: Wed 2026-03-11, New York on EDT (12:00Z–21:00Z), London still GMT: 12:00Z–17:00Z.
    expect(label("2026-03-11T11:59:59.999Z")).toBe("london");
    expect(label("2026-03-11T12:00:00Z")).toBe("london,new_york");
    expect(label("2026-03-11T16:59:59.999Z")).toBe("london,new_york");
    expect(label("2026-03-11T17:00:00Z")).toBe("new_york");
    expect(label("2026-03-11T21:00:00Z")).toBe("sydney");
    // After: Wed 2026-04-01, London on BST (07:00Z–16:00Z): back to four hours, 12:00Z–16:00Z.
    expect(label("2026-04-01T06:59:59.999Z")).toBe("tokyo");
    expect(label("2026-04-01T07:00:00Z")).toBe("tokyo,london");
    expect(label("2026-04-01T15:59:59.999Z")).toBe("london,new_york");
    expect(label("2026-04-01T16:00:00Z")).toBe("new_york");
  });

  it("reports the week's first New York session across the US spring-forward weekend", () => {
    // Friday 2026-03-06 closes 22:00Z (EST); Monday 2026-03-09 opens 12:00Z (EDT).
    expect(label("2026-03-06T21:59:59.999Z")).toBe("new_york");
    expect(label("2026-03-06T22:00:00Z")).toBe("none");
    const next = upcomingSessions(t("2026-03-07T12:00:00Z"));
    expect(next.map((s) => [s.session.name, iso(s.opensAt), iso(s.closesAt)])).toEqual([
      ["sydney", "2026-03-08T20:00:00.000Z", "2026-03-09T05:00:00.000Z"],
      ["tokyo", "2026-03-09T00:00:00.000Z", "2026-03-09T09:00:00.000Z"],
      ["london", "2026-03-09T08:00:00.000Z", "2026-03-09T17:00:00.000Z"],
      ["new_york", "2026-03-09T12:00:00.000Z", "2026-03-09T21:00:00.000Z"],
    ]);
    expect(openSessions(t("2026-03-07T12:00:00Z"))).toEqual([]);
  });

  it("opens Sydney an hour later in UTC once Sydney leaves daylight saving (Apr 5)", () => {
    // Monday 2026-03-30 07:00 AEDT = Sunday 20:00Z; Monday 2026-04-06 07:00 AEST = Sunday 21:00Z.
    expect(label("2026-03-29T19:59:59.999Z")).toBe("none");
    expect(label("2026-03-29T20:00:00Z")).toBe("sydney");
    expect(label("2026-04-05T20:30:00Z")).toBe("none");
    expect(label("2026-04-05T21:00:00Z")).toBe("sydney");
    expect(iso(upcomingSessions(t("2026-04-04T12:00:00Z"))[0]?.opensAt ?? 0)).toBe("2026-04-05T21:00:00.000Z");
    // Sydney closes 16:00 local: 05:00Z on Friday Apr 3 (AEDT), 06:00Z on Tuesday Apr 7 (AEST).
    expect(label("2026-04-03T05:00:00Z")).toBe("tokyo");
    expect(label("2026-04-07T05:30:00Z")).toBe("sydney,tokyo");
  });

  it("opens Sydney an hour earlier in UTC once Sydney enters daylight saving (Oct 4)", () => {
    // Monday 2026-09-28 07:00 AEST = Sunday 21:00Z; Monday 2026-10-05 07:00 AEDT = Sunday 20:00Z.
    expect(label("2026-09-27T20:30:00Z")).toBe("none");
    expect(label("2026-09-27T21:00:00Z")).toBe("sydney");
    expect(label("2026-10-04T20:00:00Z")).toBe("sydney");
    const open = openSessions(t("2026-10-04T20:00:00Z"));
    expect(open.map((s) => [s.session.name, iso(s.openedAt), iso(s.closesAt)])).toEqual([
      ["sydney", "2026-10-04T20:00:00.000Z", "2026-10-05T05:00:00.000Z"],
    ]);
  });

  it("widens the overlap again between the EU (Oct 25) and US (Nov 1) autumn changes", () => {
    // Wed 2026-10-21: London BST 07–16Z, New York EDT 12–21Z.
    expect(label("2026-10-21T15:30:00Z")).toBe("london,new_york");
    expect(label("2026-10-21T16:30:00Z")).toBe("new_york");
    // Wed 2026-10-28: London GMT 08–17Z, New York still EDT 12–21Z: 12:00Z–17:00Z.
    expect(label("2026-10-28T12:00:00Z")).toBe("london,new_york");
    expect(label("2026-10-28T16:30:00Z")).toBe("london,new_york");
    // Wed 2026-11-04: both on standard time, 13:00Z–17:00Z.
    expect(label("2026-11-04T12:30:00Z")).toBe("london");
    expect(label("2026-11-04T13:00:00Z")).toBe("london,new_york");
  });

  it("lists only closed sessions as upcoming, soonest first, each with its own close", () => {
    const at = t("2026-02-04T13:30:00Z");
    expect(openSessions(at).map((s) => s.session.name)).toEqual(["london", "new_york"]);
    expect(upcomingSessions(at).map((s) => [s.session.name, iso(s.opensAt), iso(s.closesAt)])).toEqual([
      ["sydney", "2026-02-04T20:00:00.000Z", "2026-02-05T05:00:00.000Z"],
      ["tokyo", "2026-02-05T00:00:00.000Z", "2026-02-05T09:00:00.000Z"],
    ]);
  });
});
