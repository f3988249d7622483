import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Calendar, CalendarSchema, currentSession, isOpen, nextClose, nextOpen } from "./calendar.ts";

const t = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const ALWAYS = CalendarSchema.parse({ kind: "24x7" });

/** FX: Sunday 17:00 to Friday 17:00, New York. */
const FX = CalendarSchema.parse({
  kind: "24x5",
  tz: "America/New_York",
  open: { day: 0, time: "17:00" },
  close: { day: 5, time: "17:00" },
});

/** NYSE regular hours with some 2026 holidays and early closes. */
const NYSE = CalendarSchema.parse({
  kind: "exchange",
  tz: "America/New_York",
  sessions: [{ open: "09:30", close: "16:00" }],
  days: [1, 2, 3, 4, 5],
  holidays: ["2026-01-19", "2026-04-03", "2026-11-26", "2026-12-25"],
  early_closes: { "2026-11-27": "13:00", "2026-12-24": "13:00" },
});

/** LSE regular hours. */
const LSE = CalendarSchema.parse({
  kind: "exchange",
  tz: "Europe/London",
  sessions: [{ open: "08:00", close: "16:30" }],
  days: [1, 2, 3, 4, 5],
  holidays: [],
});

/** ASX regular hours with Easter 2026. */
const ASX = CalendarSchema.parse({
  kind: "exchange",
  tz: "Australia/Sydney",
  sessions: [{ open: "10:00", close: "16:00" }],
  days: [1, 2, 3, 4, 5],
  holidays: ["2026-04-03", "2026-04-06"],
});

/** TSE: morning and afternoon sessions with a lunch break; an early close drops the afternoon. */
const TSE = CalendarSchema.parse({
  kind: "exchange",
  tz: "Asia/Tokyo",
  sessions: [
    { open: "09:00", close: "11:30" },
    { open: "12:30", close: "15:30" },
  ],
  days: [1, 2, 3, 4, 5],
  holidays: [],
  early_closes: { "2026-12-30": "11:00" },
});

describe("24x7", () => {
  it("is always open and never opens or closes", () => {
    for (const at of [0, t("2026-03-08T07:00:00Z"), t("2026-12-25T12:00:00Z")]) {
      expect(isOpen(ALWAYS, at)).toBe(true);
      expect(nextOpen(ALWAYS, at)).toBeNull();
      expect(nextClose(ALWAYS, at)).toBeNull();
      expect(currentSession(ALWAYS, at)).toEqual({ open: null, close: null });
    }
  });
});

describe("24x5 (FX)", () => {
  it("closes Friday 17:00 New York and reopens Sunday 17:00, across spring forward (Mar 8 2026)", () => {
    expect(isOpen(FX, t("2026-03-06T21:59:59.999Z"))).toBe(true); // Fri 16:59:59 EST
    expect(isOpen(FX, t("2026-03-06T22:00:00Z"))).toBe(false); // Fri 17:00 EST
    expect(isOpen(FX, t("2026-03-07T12:00:00Z"))).toBe(false); // Saturday
    expect(isOpen(FX, t("2026-03-08T20:59:59.999Z"))).toBe(false); // Sun 16:59 EDT
    expect(isOpen(FX, t("2026-03-08T21:00:00Z"))).toBe(true); // Sun 17:00 EDT
    expect(iso(nextOpen(FX, t("2026-03-06T22:00:00Z")))).toBe("2026-03-08T21:00:00.000Z");
    expect(iso(nextClose(FX, t("2026-03-07T12:00:00Z")))).toBe("2026-03-13T21:00:00.000Z");
  });

  it("follows fall back (Nov 1 2026): closes 21:00Z Friday, reopens 22:00Z Sunday", () => {
    expect(iso(nextClose(FX, t("2026-10-28T12:00:00Z")))).toBe("2026-10-30T21:00:00.000Z");
    expect(isOpen(FX, t("2026-10-30T21:00:00Z"))).toBe(false);
    expect(iso(nextOpen(FX, t("2026-10-30T21:00:00Z")))).toBe("2026-11-01T22:00:00.000Z");
    expect(isOpen(FX, t("2026-11-01T21:30:00Z"))).toBe(false); // 16:30 EST
    expect(isOpen(FX, t("2026-11-01T22:00:00Z"))).toBe(true);
  });

  it("reports the current weekly session and, while open, next week's open", () => {
    const at = t("2026-03-10T15:00:00Z");
    expect(currentSession(FX, at)).toEqual({ open: t("2026-03-08T21:00:00Z"), close: t("2026-03-13T21:00:00Z") });
    expect(iso(nextOpen(FX, at))).toBe("2026-03-15T21:00:00.000Z");
    expect(iso(nextClose(FX, at))).toBe("2026-03-13T21:00:00.000Z");
    expect(currentSession(FX, t("2026-03-14T12:00:00Z"))).toBeNull();
  });

  it("supports a window that wraps past Saturday", () => {
    // Open Friday 20:00 to Monday 04:00 UTC (a weekend-only market).
    const weekend = CalendarSchema.parse({
      kind: "24x5",
      tz: "UTC",
      open: { day: 5, time: "20:00" },
      close: { day: 1, time: "04:00" },
    });
    expect(isOpen(weekend, t("2026-03-07T12:00:00Z"))).toBe(true);
    expect(isOpen(weekend, t("2026-03-10T12:00:00Z"))).toBe(false);
    expect(currentSession(weekend, t("2026-03-08T12:00:00Z"))).toEqual({
      open: t("2026-03-06T20:00:00Z"),
      close: t("2026-03-09T04:00:00Z"),
    });
  });
});

describe("exchange: New York", () => {
  it("opens at 14:30Z in winter and 13:30Z after spring forward (Mar 8 2026)", () => {
    expect(currentSession(NYSE, t("2026-03-06T15:00:00Z"))).toEqual({
      open: t("2026-03-06T14:30:00Z"),
      close: t("2026-03-06T21:00:00Z"),
    });
    expect(isOpen(NYSE, t("2026-03-06T21:00:00Z"))).toBe(false);
    expect(iso(nextOpen(NYSE, t("2026-03-06T21:00:00Z")))).toBe("2026-03-09T13:30:00.000Z");
    expect(iso(nextClose(NYSE, t("2026-03-09T13:30:00Z")))).toBe("2026-03-09T20:00:00.000Z");
    expect(isOpen(NYSE, t("2026-03-09T13:30:00Z"))).toBe(true);
    expect(isOpen(NYSE, t("2026-03-09T13:29:59.999Z"))).toBe(false);
  });

  it("moves back to 14:30Z after fall back (Nov 1 2026)", () => {
    expect(iso(nextClose(NYSE, t("2026-10-30T14:00:00Z")))).toBe("2026-10-30T20:00:00.000Z");
    expect(iso(nextOpen(NYSE, t("2026-10-30T20:00:00Z")))).toBe("2026-11-02T14:30:00.000Z");
    expect(isOpen(NYSE, t("2026-11-02T14:00:00Z"))).toBe(false);
  });

  it("stays closed on a holiday (MLK day, Jan 19 2026)", () => {
    expect(isOpen(NYSE, t("2026-01-19T16:00:00Z"))).toBe(false);
    expect(currentSession(NYSE, t("2026-01-19T16:00:00Z"))).toBeNull();
    expect(iso(nextOpen(NYSE, t("2026-01-16T21:00:00Z")))).toBe("2026-01-20T14:30:00.000Z");
    expect(iso(nextClose(NYSE, t("2026-01-17T00:00:00Z")))).toBe("2026-01-20T21:00:00.000Z");
  });

  it("closes early on the day after Thanksgiving (13:00 = 18:00Z)", () => {
    expect(iso(nextOpen(NYSE, t("2026-11-25T21:00:00Z")))).toBe("2026-11-27T14:30:00.000Z"); // skips Thanksgiving
    expect(currentSession(NYSE, t("2026-11-27T15:00:00Z"))).toEqual({
      open: t("2026-11-27T14:30:00Z"),
      close: t("2026-11-27T18:00:00Z"),
    });
    expect(isOpen(NYSE, t("2026-11-27T17:59:59.999Z"))).toBe(true);
    expect(isOpen(NYSE, t("2026-11-27T18:00:00Z"))).toBe(false);
    expect(isOpen(NYSE, t("2026-11-27T20:00:00Z"))).toBe(false);
    expect(iso(nextOpen(NYSE, t("2026-11-27T18:00:00Z")))).toBe("2026-11-30T14:30:00.000Z");
  });

  it("finds the next open over long weekends (Good Friday; Christmas Eve early close + Christmas)", () => {
    expect(iso(nextOpen(NYSE, t("2026-04-02T20:00:00Z")))).toBe("2026-04-06T13:30:00.000Z");
    expect(iso(nextClose(NYSE, t("2026-12-24T15:00:00Z")))).toBe("2026-12-24T18:00:00.000Z");
    expect(iso(nextOpen(NYSE, t("2026-12-24T18:00:00Z")))).toBe("2026-12-28T14:30:00.000Z");
  });

  it("returns null when nothing opens within the search horizon", () => {
    // Every Monday for 70 weeks is a holiday on a Monday-only exchange.
    const holidays = Array.from({ length: 70 }, (_, i) =>
      new Date(t("2026-01-05T00:00:00Z") + i * 7 * 86_400_000).toISOString().slice(0, 10),
    );
    const cal = CalendarSchema.parse({ ...NYSE, days: [1], holidays, early_closes: {} });
    expect(nextOpen(cal, t("2026-01-01T00:00:00Z"))).toBeNull();
    expect(nextClose(cal, t("2026-01-01T00:00:00Z"))).toBeNull();
    expect(isOpen(cal, t("2026-01-05T15:00:00Z"))).toBe(false);
  });
});

describe("exchange: London", () => {
  it("opens at 08:00Z before and 07:00Z after the clocks go forward (Mar 29 2026)", () => {
    expect(currentSession(LSE, t("2026-03-27T12:00:00Z"))).toEqual({
      open: t("2026-03-27T08:00:00Z"),
      close: t("2026-03-27T16:30:00Z"),
    });
    expect(iso(nextOpen(LSE, t("2026-03-27T16:30:00Z")))).toBe("2026-03-30T07:00:00.000Z");
    expect(iso(nextClose(LSE, t("2026-03-30T07:00:00Z")))).toBe("2026-03-30T15:30:00.000Z");
  });

  it("opens at 07:00Z before and 08:00Z after the clocks go back (Oct 25 2026)", () => {
    expect(iso(nextClose(LSE, t("2026-10-23T07:00:00Z")))).toBe("2026-10-23T15:30:00.000Z");
    expect(iso(nextOpen(LSE, t("2026-10-23T15:30:00Z")))).toBe("2026-10-26T08:00:00.000Z");
    expect(isOpen(LSE, t("2026-10-26T07:30:00Z"))).toBe(false);
  });

  it("measures sessions spanning a transition in real time", () => {
    const sunday = (open: string, close: string): Calendar =>
      CalendarSchema.parse({
        kind: "exchange",
        tz: "Europe/London",
        sessions: [{ open, close }],
        days: [0],
        holidays: [],
      });
    // 00:30 GMT → 02:30 BST on Mar 29 lasts one hour.
    expect(currentSession(sunday("00:30", "02:30"), t("2026-03-29T01:00:00Z"))).toEqual({
      open: t("2026-03-29T00:30:00Z"),
      close: t("2026-03-29T01:30:00Z"),
    });
    // 00:30 BST → 02:30 GMT on Oct 25 lasts three hours.
    expect(currentSession(sunday("00:30", "02:30"), t("2026-10-25T01:00:00Z"))).toEqual({
      open: t("2026-10-24T23:30:00Z"),
      close: t("2026-10-25T02:30:00Z"),
    });
    // A session opening inside the gap opens when the gap ends (01:15 → 02:15 BST = 01:15Z).
    expect(iso(nextOpen(sunday("01:15", "03:00"), t("2026-03-28T12:00:00Z")))).toBe("2026-03-29T01:15:00.000Z");
    // 01:30 (in the gap, read as 02:30 BST) → 02:30 BST is empty that day and skipped.
    const empty = sunday("01:30", "02:30");
    expect(isOpen(empty, t("2026-03-29T01:30:00Z"))).toBe(false);
    expect(iso(nextOpen(empty, t("2026-03-28T12:00:00Z")))).toBe("2026-04-05T00:30:00.000Z");
  });
});

describe("exchange: Sydney", () => {
  it("finds the next open over the Easter long weekend as daylight saving ends (Apr 5 2026)", () => {
    // Thu Apr 2 closes 16:00 AEDT (05:00Z); Good Friday and Easter Monday are holidays;
    // Tue Apr 7 opens 10:00 AEST (00:00Z).
    expect(iso(nextClose(ASX, t("2026-04-01T23:00:00Z")))).toBe("2026-04-02T05:00:00.000Z");
    expect(iso(nextOpen(ASX, t("2026-04-02T05:00:00Z")))).toBe("2026-04-07T00:00:00.000Z");
    expect(isOpen(ASX, t("2026-04-06T00:30:00Z"))).toBe(false);
  });

  it("opens an hour earlier in UTC once daylight saving starts (Oct 4 2026)", () => {
    expect(currentSession(ASX, t("2026-10-02T03:00:00Z"))).toEqual({
      open: t("2026-10-02T00:00:00Z"),
      close: t("2026-10-02T06:00:00Z"),
    });
    expect(iso(nextOpen(ASX, t("2026-10-02T06:00:00Z")))).toBe("2026-10-04T23:00:00.000Z"); // Mon 10:00 AEDT
  });
});

describe("exchange: several sessions a day", () => {
  it("closes over lunch", () => {
    expect(isOpen(TSE, t("2026-03-10T01:00:00Z"))).toBe(true); // 10:00 JST
    expect(isOpen(TSE, t("2026-03-10T03:00:00Z"))).toBe(false); // 12:00 JST
    expect(iso(nextOpen(TSE, t("2026-03-10T03:00:00Z")))).toBe("2026-03-10T03:30:00.000Z");
    expect(iso(nextClose(TSE, t("2026-03-10T01:00:00Z")))).toBe("2026-03-10T02:30:00.000Z");
    expect(iso(nextOpen(TSE, t("2026-03-10T01:00:00Z")))).toBe("2026-03-10T03:30:00.000Z");
  });

  it("drops sessions after an early close", () => {
    expect(iso(nextClose(TSE, t("2026-12-30T00:30:00Z")))).toBe("2026-12-30T02:00:00.000Z");
    expect(iso(nextOpen(TSE, t("2026-12-30T02:00:00Z")))).toBe("2026-12-31T00:00:00.000Z");
  });

  it("merges sessions that touch", () => {
    const cal = CalendarSchema.parse({
      ...TSE,
      sessions: [
        { open: "09:00", close: "11:30" },
        { open: "11:30", close: "15:00" },
      ],
      early_closes: {},
    });
    expect(currentSession(cal, t("2026-03-10T01:00:00Z"))).toEqual({
      open: t("2026-03-10T00:00:00Z"),
      close: t("2026-03-10T06:00:00Z"),
    });
    expect(iso(nextOpen(cal, t("2026-03-10T01:00:00Z")))).toBe("2026-03-11T00:00:00.000Z");
  });
});

describe("consistency", () => {
  it("isOpen, currentSession, nextOpen and nextClose agree at random instants", () => {
    const cals = [FX, NYSE, LSE, ASX, TSE];
    fc.assert(
      fc.property(
        fc.constantFrom(...cals),
        fc.integer({ min: t("2026-01-01T00:00:00Z"), max: t("2026-12-31T00:00:00Z") }),
        (cal, at) => {
          const open = isOpen(cal, at);
          const session = currentSession(cal, at);
          const o = nextOpen(cal, at);
          const c = nextClose(cal, at);
          expect(o).not.toBeNull();
          expect(c).not.toBeNull();
          if (o === null || c === null) return;
          expect(o).toBeGreaterThan(at);
          expect(c).toBeGreaterThan(at);
          expect(isOpen(cal, o)).toBe(true);
          expect(isOpen(cal, o - 1)).toBe(false);
          expect(isOpen(cal, c)).toBe(false);
          expect(isOpen(cal, c - 1)).toBe(true);
          if (open) {
            expect(session?.close).toBe(c);
            expect(session?.open ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(at);
            expect(o).toBeGreaterThan(c);
          } else {
            expect(session).toBeNull();
            expect(c).toBeGreaterThan(o);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects non-finite instants", () => {
    expect(() => isOpen(NYSE, Number.NaN)).toThrow(RangeError);
    expect(() => nextOpen(FX, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe("CalendarSchema", () => {
  const ok = (v: unknown) => CalendarSchema.safeParse(v).success;

  it("accepts the three kinds", () => {
    expect(ok({ kind: "24x7" })).toBe(true);
    expect(
      ok({ kind: "24x5", tz: "America/New_York", open: { day: 0, time: "17:00" }, close: { day: 5, time: "17:00" } }),
    ).toBe(true);
    expect(ok({ ...NYSE })).toBe(true);
    expect(
      ok({ kind: "exchange", tz: "UTC", sessions: [{ open: "00:00", close: "23:59" }], days: [0], holidays: [] }),
    ).toBe(true);
  });

  it("rejects unknown time zones", () => {
    expect(ok({ ...FX, tz: "America/Gotham" })).toBe(false);
    expect(ok({ ...NYSE, tz: "" })).toBe(false);
    expect(ok({ ...NYSE, tz: "EST " })).toBe(false);
  });

  it.each([
    ["an unknown kind", { kind: "24x6" }],
    ["a 24x5 that opens when it closes", { ...FX, close: { day: 0, time: "17:00" } }],
    ["a bad weekday", { ...FX, open: { day: 7, time: "17:00" } }],
    ["a non-integer weekday", { ...FX, open: { day: 1.5, time: "17:00" } }],
    ["a bad time", { ...FX, open: { day: 0, time: "5pm" } }],
    ["24:00", { ...NYSE, sessions: [{ open: "09:30", close: "24:00" }] }],
    ["a session closing before it opens", { ...NYSE, sessions: [{ open: "16:00", close: "09:30" }] }],
    ["an empty session", { ...NYSE, sessions: [{ open: "09:30", close: "09:30" }] }],
    [
      "overlapping sessions",
      {
        ...NYSE,
        sessions: [
          { open: "09:00", close: "12:00" },
          { open: "11:00", close: "13:00" },
        ],
      },
    ],
    [
      "sessions out of order",
      {
        ...NYSE,
        sessions: [
          { open: "13:00", close: "14:00" },
          { open: "09:00", close: "12:00" },
        ],
      },
    ],
    ["no sessions", { ...NYSE, sessions: [] }],
    ["no days", { ...NYSE, days: [] }],
    ["repeated days", { ...NYSE, days: [1, 1, 2] }],
    ["an impossible holiday", { ...NYSE, holidays: ["2026-02-30"] }],
    ["a badly written holiday", { ...NYSE, holidays: ["2026/12/25"] }],
    ["an impossible early-close date", { ...NYSE, early_closes: { "2026-13-01": "13:00" } }],
    ["a bad early-close time", { ...NYSE, early_closes: { "2026-11-27": "1pm" } }],
    ["an early close on a holiday", { ...NYSE, early_closes: { "2026-12-25": "13:00" } }],
  ])("rejects %s", (_name, value) => {
    expect(ok(value)).toBe(false);
  });
});
