/**
 * Each instrument's trading calendar decides whether its book takes orders:
 * places and amends outside it are refused with `market_closed` and the next
 * opening (RFC 3339); cancels always go through.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Calendar } from "../../shared/instruments/calendar.ts";
import { DAY_MS } from "../../shared/instruments/zone.ts";
import { freshBook, place, testInstrument } from "./book-helpers.ts";

const OPERATOR = { authorization: `Bearer ${env.OPERATOR_TOKEN}`, "content-type": "application/json" };

/** Exchange hours (UTC) open all day on tomorrow's weekday only: closed now, opening at the next UTC midnight. */
function closedUntilTomorrow(): { calendar: Calendar; opensAt: string } {
  const tomorrow = Math.floor(Date.now() / DAY_MS) + 1;
  const weekday = new Date(tomorrow * DAY_MS).getUTCDay();
  return {
    calendar: {
      kind: "exchange",
      tz: "UTC",
      sessions: [{ open: "00:00", close: "23:59" }],
      days: [weekday],
      holidays: [],
    },
    opensAt: new Date(tomorrow * DAY_MS).toISOString(),
  };
}

describe("market_closed", () => {
  it("refuses orders on an instrument listed with exchange hours while it is closed, naming the next open", async () => {
    const { calendar, opensAt } = closedUntilTomorrow();
    const listed = await exports.default.fetch("http://platform3.test/v1/admin/instruments", {
      method: "POST",
      headers: OPERATOR,
      body: JSON.stringify(testInstrument("XCH-USD", { calendar, status: "open" })),
    });
    expect(listed.status).toBe(201);
    const res = await exports.default.fetch("http://platform3.test/v1/admin/books/XCH-USD/commands", {
      method: "POST",
      headers: OPERATOR,
      body: JSON.stringify({
        commands: [place("c1", "alice", "buy", "99.00", "1"), { type: "amend", order_id: "c1", size: "0.5" }],
      }),
    });
    expect(res.status).toBe(200);
    const { results, first_seq } = await res.json<{
      results: Array<{ ok: boolean; error?: { code: string; message: string } }>;
      first_seq: number | null;
    }>();
    for (const result of results) {
      expect(result).toEqual({
        ok: false,
        events: [],
        error: {
          code: "market_closed",
          message: `the market is closed by the instrument's trading calendar; it next opens at ${opensAt}`,
        },
      });
    }
    expect(first_seq).toBeNull(); // nothing logged
  });

  it("still cancels resting orders when the calendar closes", async () => {
    const book = await freshBook(testInstrument("XCC-USD"));
    expect((await book.execute([place("r1", "bob", "sell", "101.00", "1")])).results[0]?.ok).toBe(true);
    const { calendar, opensAt } = closedUntilTomorrow();
    await book.configure(testInstrument("XCC-USD", { calendar }));
    const { results } = await book.execute([
      place("r2", "bob", "sell", "102.00", "1"),
      { type: "amend", order_id: "r1", size: "0.5" },
      { type: "cancel", order_id: "r1" },
    ]);
    expect(results.map((r) => r.error?.code ?? "ok")).toEqual(["market_closed", "market_closed", "ok"]);
    expect(results[0]?.error?.message).toContain(opensAt);
    expect(results[2]?.events.find((e) => e.type === "done")).toMatchObject({ order_id: "r1", reason: "cancelled" });
  });
});
