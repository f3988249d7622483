import { describe, expect, it } from "vitest";
import type { BookCommand } from "../../shared/book/commands.ts";
import { type Calendar, CalendarSchema } from "../../shared/instruments/calendar.ts";
import { InstrumentUnits } from "../../shared/instruments/units.ts";
import { testInstrument } from "../../test/workers/book-helpers.ts";
import { type BookContext, toEngineCommand } from "./wire.ts";

/** NYSE-like hours: 09:30–16:00 New York, Monday to Friday. */
const NYSE: Calendar = CalendarSchema.parse({
  kind: "exchange",
  tz: "America/New_York",
  sessions: [{ open: "09:30", close: "16:00" }],
  days: [1, 2, 3, 4, 5],
  holidays: ["2026-04-03"],
});

const units = new InstrumentUnits(testInstrument("CAL-USD", { calendar: NYSE }));
const ctx = (iso: string, calendar: Calendar | undefined = NYSE): BookContext => ({
  status: "open",
  referencePrice: undefined,
  now: Date.parse(iso),
  calendar,
});

const place: BookCommand = {
  type: "place",
  order_id: "o1",
  account: "a",
  side: "buy",
  order_type: "limit",
  price: "100.00",
  size: "1",
};
const amend: BookCommand = { type: "amend", order_id: "o1", size: "0.5" };
const cancel: BookCommand = { type: "cancel", order_id: "o1" };
const cancelAll: BookCommand = { type: "cancel_all", account: "a" };

describe("toEngineCommand and the trading calendar", () => {
  it("accepts places and amends while the calendar is open", () => {
    // Monday 2026-03-09 10:00 EDT = 14:00Z (the US changed clocks the day before).
    expect(toEngineCommand(place, units, ctx("2026-03-09T14:00:00Z"))).toMatchObject({ type: "place", price: 10_000 });
    expect(toEngineCommand(amend, units, ctx("2026-03-09T14:00:00Z"))).toMatchObject({ type: "amend", qty: 500 });
  });

  it("refuses places and amends outside it with market_closed and the next open (RFC 3339)", () => {
    // Monday 2026-03-09 09:00 EDT: opens 13:30Z the same day.
    for (const cmd of [place, amend]) {
      expect(toEngineCommand(cmd, units, ctx("2026-03-09T13:00:00Z"))).toEqual({
        code: "market_closed",
        message: "the market is closed by the instrument's trading calendar; it next opens at 2026-03-09T13:30:00.000Z",
      });
    }
    // Friday 2026-03-06 after the close (16:00 EST = 21:00Z): Monday 09:30 EDT = 13:30Z.
    expect(toEngineCommand(place, units, ctx("2026-03-06T21:00:00Z"))).toMatchObject({
      code: "market_closed",
      message: expect.stringContaining("2026-03-09T13:30:00.000Z"),
    });
    // Good Friday 2026-04-03 is a holiday: next open Monday 2026-04-06 13:30Z.
    expect(toEngineCommand(place, units, ctx("2026-04-03T15:00:00Z"))).toMatchObject({
      code: "market_closed",
      message: expect.stringContaining("2026-04-06T13:30:00.000Z"),
    });
  });

  it("always lets cancels through", () => {
    const closed = ctx("2026-03-07T12:00:00Z");
    expect(toEngineCommand(cancel, units, closed)).toEqual({ type: "cancel", id: "o1", account: undefined });
    expect(toEngineCommand(cancelAll, units, closed)).toMatchObject({ type: "cancel_all", account: "a" });
  });

  it("reports the instrument status before the calendar, and ignores 24x7 or missing calendars", () => {
    const halted = { ...ctx("2026-03-07T12:00:00Z"), status: "halted" as const };
    expect(toEngineCommand(place, units, halted)).toMatchObject({ code: "instrument_halted" });
    expect(toEngineCommand(place, units, ctx("2026-03-07T12:00:00Z", { kind: "24x7" }))).toMatchObject({
      type: "place",
    });
    const noCalendar = { ...ctx("2026-03-07T12:00:00Z"), calendar: undefined };
    expect(toEngineCommand(place, units, noCalendar)).toMatchObject({ type: "place" });
  });
});
