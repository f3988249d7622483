import { describe, expect, it } from "vitest";
import { MatchingEngine } from "./engine.ts";
import {
  amend,
  book,
  cancel,
  cancelAll,
  dones,
  type Harness,
  limit,
  market,
  ofType,
  stop,
  stopLimit,
  T0,
  tick,
  trades,
} from "./test-helpers.ts";
import type { Command, EngineEvent, EngineSnapshot } from "./types.ts";

/** A book with partial fills, amended and STP-reduced orders, GTD orders and stops of every kind. */
function richBook(): Harness {
  return book(
    limit("p-s", "printer", "sell", 100, 1),
    market("p-b", "printer2", "buy", 1), // prints 100
    limit("b1", "alice", "buy", 99, 5),
    limit("b2", "bob", "buy", 99, 4),
    limit("b3", "carol", "buy", 98, 6, { tif: "gtd", expireAt: T0 + 5_000 }),
    limit("a1", "dave", "sell", 101, 3),
    limit("a2", "erin", "sell", 101, 7),
    limit("a3", "alice", "sell", 102, 8, { tif: "gtd", expireAt: T0 + 9_000, postOnly: true }),
    amend("a2", { qty: 6 }), // keeps priority
    amend("a1", { qty: 4 }), // loses priority: now behind a2
    market("m1", "frank", "sell", 2), // b1 partially filled; last trade 99
    limit("x1", "bob", "sell", 101, 2, { stp: "decrement_and_cancel" }), // rests behind a1 at 101
    stop("st1", "gina", "buy", 103, 2),
    stopLimit("st2", "hank", "sell", 97, 96, 3),
    stopLimit("st3", "ivan", "buy", 104, 105, 1, { tif: "gtd", expireAt: T0 + 3_000 }),
    stop("st4", "judy", "sell", 95, 0, { qty: undefined, funds: 500 }),
  );
}

function roundTrip(engine: MatchingEngine): MatchingEngine {
  return MatchingEngine.restore(JSON.parse(JSON.stringify(engine.snapshot())) as EngineSnapshot);
}

/** Runs the same timed commands on both engines, returning both event lists. */
function both(a: MatchingEngine, b: MatchingEngine, steps: [Command, number][]): [EngineEvent[][], EngineEvent[][]] {
  return [steps.map(([cmd, now]) => a.execute(cmd, now)), steps.map(([cmd, now]) => b.execute(cmd, now))];
}

describe("snapshot and restore", () => {
  it("restores a book that snapshots identically and answers every query the same", () => {
    const original = richBook().engine;
    const restored = roundTrip(original);
    expect(restored.snapshot()).toEqual(original.snapshot());
    expect(restored.l3()).toEqual(original.l3());
    expect(restored.depth()).toEqual(original.depth());
    expect(restored.bbo()).toEqual(original.bbo());
    expect(restored.stops()).toEqual(original.stops());
    expect(restored.lastTradePrice).toBe(99);
    expect(restored.nextExpiry()).toBe(T0 + 3_000);
    expect(restored.now).toBe(original.now);
    expect(restored.order("b1")).toEqual(original.order("b1"));
  });

  it("continues with identical events: priority, GTD expiry, stop triggers, trade ids", () => {
    const original = richBook().engine;
    const restored = roundTrip(original);
    const [a, b] = both(original, restored, [
      [tick(), T0 + 3_000], // st3 (GTD stop) expires
      [market("t1", "kate", "buy", 10), T0 + 3_001], // a2 then a1 at 101: a1 lost its priority when amended up
      [limit("a4", "leo", "sell", 103, 5), T0 + 3_002],
      [market("t2", "kate", "buy", 10), T0 + 3_003], // x1 at 101, a3 at 102: prints 102, st1 (103) waits
      [market("t3", "kate", "buy", 1), T0 + 3_004], // prints 103: st1 triggers and buys 2 more from a4
      [tick(), T0 + 5_000], // b3 expires
      [amend("b2", { qty: 2 }), T0 + 5_001],
      [limit("n1", "nina", "buy", 96, 10), T0 + 5_002],
      [market("t4", "mia", "sell", 6), T0 + 5_003], // b1, b2 at 99, n1 at 96: st2 (97) triggers, sells 3 at 96
      [limit("o1", "olga", "buy", 95, 20), T0 + 5_004],
      [market("t5", "pat", "sell", 7), T0 + 5_005], // n1's 6 at 96, o1 at 95: st4 (95, funds 500) triggers
      [cancel("o1"), T0 + 5_006],
    ]);
    expect(b).toEqual(a);
    // The continuation did what the comments say, so the comparison is not vacuous.
    const flat = a.flat();
    expect(ofType(flat, "stop_triggered").map((e) => e.id)).toEqual(["st1", "st2", "st4"]);
    expect(
      dones(flat)
        .filter((e) => e.reason === "expired")
        .map((e) => e.id),
    ).toEqual(["st3", "b3"]);
    const tradeIds = trades(flat).map((e) => e.tradeId);
    expect(tradeIds).toEqual(tradeIds.map((_, i) => 3 + i));
    expect(trades(flat).map((e) => `${e.takerId}>${e.makerId}@${e.price}x${e.qty}`)).toEqual([
      "t1>a2@101x6",
      "t1>a1@101x4",
      "t2>x1@101x2",
      "t2>a3@102x8",
      "t3>a4@103x1",
      "st1>a4@103x2",
      "t4>b1@99x3",
      "t4>b2@99x2",
      "t4>n1@96x1",
      "st2>n1@96x3",
      "t5>n1@96x6",
      "t5>o1@95x1",
      "st4>o1@95x5",
    ]);
    expect(flat.at(-2)).toMatchObject({ type: "done", id: "o1", remaining: 14 });
    expect(restored.snapshot()).toEqual(original.snapshot());
  });

  it("continues cancel_all with the same events as the original", () => {
    const original = book(
      limit("a-far", "alice", "buy", 97, 1),
      limit("a-near", "alice", "buy", 99, 2),
      limit("a-ask", "alice", "sell", 105, 3),
      stop("a-stop", "alice", "sell", 90, 4),
      limit("a-ask2", "alice", "sell", 104, 5),
    ).engine;
    const restored = roundTrip(original);
    const [a, b] = both(original, restored, [[cancelAll("alice"), T0 + 1]]);
    expect(a[0]?.filter((e) => e.type === "done").map((e) => e.id)).toEqual([
      "a-far",
      "a-near",
      "a-ask",
      "a-stop",
      "a-ask2",
    ]);
    expect(b).toEqual(a);
  });

  it("is a detached, JSON-safe value", () => {
    const h = richBook();
    const snap = h.engine.snapshot();
    const json = JSON.stringify(snap);
    h.run(cancelAll("alice"));
    h.run(market("t1", "kate", "buy", 5));
    expect(JSON.stringify(snap)).toBe(json);
    expect(JSON.parse(json)).toEqual(snap);
  });

  it("restore refuses an unknown version", () => {
    const snap = { ...book().engine.snapshot(), version: 2 } as unknown as EngineSnapshot;
    expect(() => MatchingEngine.restore(snap)).toThrow(TypeError);
  });
});
