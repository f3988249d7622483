/**
 * The replay folds (`shared/replay`), in plain Node.
 *
 * Book: random command streams (every order type, time in force, self-trade
 * prevention mode, amends, cancels, expiries, stops) run through the real matching
 * engine; its events, converted to their journal (wire) form exactly as the
 * OrderBook streams them, fold back into the very book the engine holds: same
 * resting orders in the same queue order with the same remaining sizes, the same
 * untriggered stops, and the journal's own level events agree.
 *
 * Ledger: running balances replay exactly, and gaps or sums that do not add up
 * are reported. (The same folds on real data, read back from Postgres after
 * trading through the objects, are checked in test/workers/history.test.ts.)
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toWireEvent } from "../../durable-objects/order-book/wire.ts";
import { MatchingEngine } from "../../shared/engine/engine.ts";
import { commandStream } from "../../shared/engine/test-arbitraries.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";
import { InstrumentUnits } from "../../shared/instruments/units.ts";
import { type BookJournalEvent, diffBalances, diffBook, foldBook, foldLedger } from "../../shared/replay/index.ts";
import { restoreEngine } from "../../shared/replay/restore.ts";
import { testInstrument } from "../instrument-spec.ts";

const SPEC: Instrument = testInstrument("RPL-USD");
const units = new InstrumentUnits(SPEC);

/** Runs `steps` and returns the engine with its journal, as the OrderBook would stream it. */
function run(steps: Array<{ dt: number; cmd: Parameters<MatchingEngine["execute"]>[0] }>) {
  const engine = new MatchingEngine();
  const journal: BookJournalEvent[] = [];
  let now = 1_000_000;
  for (const { dt, cmd } of steps) {
    now += dt;
    for (const e of engine.execute(cmd, now)) {
      const body = JSON.parse(JSON.stringify(toWireEvent(e, units))) as Record<string, unknown>;
      journal.push({ seq: journal.length + 1, type: e.type, body });
    }
  }
  return { engine, journal };
}

function liveL3(engine: MatchingEngine) {
  const { bids, asks } = engine.l3();
  const view = (o: (typeof bids)[number]) => ({
    order_id: o.id,
    price: units.price(o.price as number),
    size: units.size(o.remaining),
  });
  return { bids: bids.map(view), asks: asks.map(view) };
}

describe("foldBook", () => {
  it("rebuilds exactly the engine's book from its journal, for any command stream", () => {
    fc.assert(
      fc.property(commandStream(200), (steps) => {
        const { engine, journal } = run(steps);
        const rebuilt = foldBook(journal);
        expect(rebuilt.problems).toEqual([]);
        expect(diffBook(rebuilt, liveL3(engine))).toEqual([]);
        expect({ bids: rebuilt.bids, asks: rebuilt.asks }).toEqual(liveL3(engine));
        expect(rebuilt.stops.map((s) => s.order_id).sort()).toEqual(
          engine
            .stops()
            .map((s) => s.id)
            .sort(),
        );
        expect(rebuilt.seq).toBe(journal.length);
        // A fresh engine seeded with the rebuilt orders holds the same book.
        const restored = restoreEngine(rebuilt, units, engine.now);
        expect(restored.l3).toEqual(liveL3(engine));
        const funded = rebuilt.stops.filter((s) => s.remaining === "").length;
        expect(restored.rejected).toHaveLength(funded);
      }),
      { numRuns: 300 },
    );
  });

  it("reports gaps, a late start and a book that differs", () => {
    const { engine, journal } = run([
      {
        dt: 0,
        cmd: { type: "place", id: "a", account: "A", side: "sell", kind: "limit", tif: "gtc", price: 100, qty: 5 },
      },
      {
        dt: 1,
        cmd: { type: "place", id: "b", account: "B", side: "buy", kind: "limit", tif: "gtc", price: 100, qty: 2 },
      },
    ]);
    expect(foldBook(journal).asks).toEqual([{ order_id: "a", price: "1.00", size: "0.003" }]);
    expect(foldBook(journal.filter((e) => e.seq !== 2)).problems[0]).toMatch(/gap: seq 1 then 3/);
    expect(foldBook(journal.slice(1)).problems[0]).toMatch(/starts at seq 2/);
    const live = liveL3(engine);
    live.asks[0] = { order_id: "a", price: "1.00", size: "0.004" };
    expect(diffBook(foldBook(journal), live)).toEqual(["asks[0]: journal a 0.003 @ 1.00, live a 0.004 @ 1.00"]);
  });
});

describe("foldLedger", () => {
  const entry = (entry_id: number, type: string, asset: string, amount: string, balance: string, hold: string) => ({
    entry_id,
    type,
    asset,
    amount,
    balance,
    hold,
  });

  it("rebuilds balances from the last entry per asset and checks every running sum", () => {
    const entries = [
      entry(1, "deposit", "USD", "100.00000000", "100.00000000", "0.00000000"),
      entry(2, "hold", "USD", "-10.00000000", "90.00000000", "0.00000000"),
      entry(3, "hold", "USD", "10.00000000", "100.00000000", "10.00000000"),
      entry(4, "deposit", "AAPL", "3", "3", "0"),
      entry(5, "trade", "USD", "-5.00000000", "95.00000000", "5.00000000"),
      entry(6, "release", "USD", "-5.00000000", "90.00000000", "0.00000000"),
      entry(7, "release", "USD", "5.00000000", "95.00000000", "0.00000000"),
    ];
    const rebuilt = foldLedger(entries);
    expect(rebuilt.problems).toEqual([]);
    expect(rebuilt.balances).toEqual([
      { asset: "AAPL", total: "3", available: "3", hold: "0" },
      { asset: "USD", total: "95.00000000", available: "95.00000000", hold: "0.00000000" },
    ]);
    expect(
      diffBalances(rebuilt.balances, [
        { asset: "USD", total: "95.00000000", available: "95.00000000", hold: "0.00000000" },
        { asset: "AAPL", total: "3", available: "3", hold: "0" },
      ]),
    ).toEqual([]);
    expect(
      diffBalances(rebuilt.balances, [
        { asset: "USD", total: "95.00000000", available: "94.00000000", hold: "1.00000000" },
      ]),
    ).toEqual([
      "AAPL total: journal 3, live 0",
      "AAPL available: journal 3, live 0",
      "USD hold: journal 0.00000000, live 1.00000000",
      "USD available: journal 95.00000000, live 94.00000000",
    ]);
  });

  it("reports gaps, sums that do not add up and impossible holds", () => {
    const problems = foldLedger([
      entry(1, "deposit", "USD", "100", "100", "0"),
      entry(3, "deposit", "USD", "1", "102", "0"),
      entry(4, "hold", "USD", "5", "107", "7"),
      entry(5, "hold", "USD", "5", "112", "200"),
    ]).problems;
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/gap: entry 1 then 3/);
    expect(problems[1]).toMatch(/entry 3 .*balance 102 is not 100.00000000 \+ 1/);
    expect(problems[2]).toMatch(/entry 4 .*hold 7 is neither/);
  });
});
