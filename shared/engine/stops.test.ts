import { describe, expect, it } from "vitest";
import {
  amend,
  book,
  cancel,
  dones,
  levels,
  limit,
  market,
  ofType,
  stop,
  stopLimit,
  T0,
  tick,
  trades,
  types,
} from "./test-helpers.ts";
import type { Command } from "./types.ts";

/** Two commands that print one lot at `price`, so the last trade price is `price`. */
function printAt(price: number, tag = String(price)): Command[] {
  return [limit(`px-s-${tag}`, "printer", "sell", price, 1), limit(`px-b-${tag}`, "printer2", "buy", price, 1)];
}

describe("stop orders", () => {
  it("a buy stop triggers when a trade prints at or above its stop price, then buys at market", () => {
    const h = book(
      ...printAt(100),
      limit("s1", "m1", "sell", 101, 1),
      limit("s2", "m2", "sell", 102, 1),
      limit("s3", "m3", "sell", 103, 5),
      stop("st", "xavier", "buy", 102, 3),
    );
    expect(h.engine.stops().map((o) => o.id)).toEqual(["st"]);

    const events = h.run(market("t1", "taker", "buy", 2));
    expect(events).toEqual([
      expect.objectContaining({ type: "accepted", id: "t1" }),
      expect.objectContaining({ type: "trade", makerId: "s1", price: 101 }),
      expect.objectContaining({ type: "done", id: "s1", reason: "filled" }),
      expect.objectContaining({ type: "trade", makerId: "s2", price: 102 }),
      // The print at 102 triggers the stop at once; it executes after the order that triggered it.
      { type: "stop_triggered", id: "st", account: "xavier", stopPrice: 102, lastPrice: 102 },
      expect.objectContaining({ type: "done", id: "s2", reason: "filled" }),
      expect.objectContaining({ type: "done", id: "t1", reason: "filled" }),
      expect.objectContaining({ type: "trade", makerId: "s3", takerId: "st", price: 103, qty: 3, makerRemaining: 2 }),
      expect.objectContaining({ type: "done", id: "st", account: "xavier", reason: "filled", cause: "filled" }),
      { type: "level", side: "sell", price: 101, qty: 0 },
      { type: "level", side: "sell", price: 102, qty: 0 },
      { type: "level", side: "sell", price: 103, qty: 2 },
    ]);
    expect(h.engine.stops()).toEqual([]);
    expect(h.engine.order("st")).toBeUndefined();
    expect(h.engine.lastTradePrice).toBe(103);
  });

  it("triggers on any print of the command, even when the last print is back beyond the stop", () => {
    const h = book(
      ...printAt(97),
      limit("b1", "m1", "buy", 100, 1),
      limit("b2", "m2", "buy", 99, 1),
      limit("b3", "m3", "buy", 98, 1),
      limit("b4", "m4", "buy", 90, 5),
      stop("st", "xavier", "buy", 99, 1),
      limit("s9", "m5", "sell", 120, 5),
    );
    const events = h.run(market("t1", "taker", "sell", 3));
    expect(ofType(events, "trade").map((t) => t.price)).toEqual([100, 99, 98, 120]);
    expect(ofType(events, "stop_triggered")).toEqual([
      { type: "stop_triggered", id: "st", account: "xavier", stopPrice: 99, lastPrice: 100 },
    ]);
    expect(h.engine.lastTradePrice).toBe(120);
  });

  it("a buy stop does not trigger below its stop price", () => {
    const h = book(...printAt(100), limit("s1", "m1", "sell", 101, 1), stop("st", "xavier", "buy", 102, 3));
    expect(types(h.run(market("t1", "taker", "buy", 1)))).not.toContain("stop_triggered");
    expect(h.engine.order("st")).toMatchObject({ state: "stop", stopPrice: 102, remaining: 3 });
  });

  it("a sell stop triggers when a trade prints at or below its stop price", () => {
    const h = book(
      ...printAt(100),
      limit("b1", "m1", "buy", 98, 1),
      limit("b2", "m2", "buy", 95, 10),
      stop("st", "xavier", "sell", 98, 4),
    );
    const events = h.run(market("t1", "taker", "sell", 1));
    expect(ofType(events, "stop_triggered")).toEqual([
      { type: "stop_triggered", id: "st", account: "xavier", stopPrice: 98, lastPrice: 98 },
    ]);
    expect(trades(events).map((t) => [t.takerId, t.price, t.qty, t.aggressor])).toEqual([
      ["t1", 98, 1, "sell"],
      ["st", 95, 4, "sell"],
    ]);
    expect(h.engine.bbo()).toEqual({ bid: { price: 95, qty: 6 } });
  });

  it("a triggered stop-market with nothing to take is cancelled for no liquidity", () => {
    const h = book(...printAt(100), limit("b1", "m1", "buy", 98, 1), stop("st", "xavier", "sell", 99, 4));
    const events = h.run(market("t1", "taker", "sell", 1));
    expect(dones(events).at(-1)).toMatchObject({ id: "st", reason: "cancelled", cause: "no_liquidity", remaining: 4 });
  });

  it("a buy stop-limit trades up to its limit and rests the rest", () => {
    const h = book(
      ...printAt(100),
      limit("s1", "m1", "sell", 101, 1),
      limit("s2", "m2", "sell", 102, 2),
      limit("s3", "m3", "sell", 104, 5),
      stopLimit("st", "xavier", "buy", 101, 103, 5),
    );
    const events = h.run(market("t1", "taker", "buy", 1));
    expect(ofType(events, "stop_triggered")).toEqual([expect.objectContaining({ id: "st", lastPrice: 101 })]);
    expect(trades(events).map((t) => [t.takerId, t.price, t.qty])).toEqual([
      ["t1", 101, 1],
      ["st", 102, 2],
    ]);
    expect(h.engine.order("st")).toMatchObject({
      kind: "stop_limit",
      state: "resting",
      price: 103,
      stopPrice: 101,
      filled: 2,
      remaining: 3,
    });
    expect(h.engine.bbo()).toEqual({ bid: { price: 103, qty: 3 }, ask: { price: 104, qty: 5 } });
  });

  it("a sell stop-limit whose limit does not cross rests at its limit", () => {
    const h = book(
      ...printAt(100),
      limit("b1", "m1", "buy", 99, 1),
      limit("b2", "m2", "buy", 96, 10),
      stopLimit("st", "xavier", "sell", 99, 97, 5),
    );
    const events = h.run(market("t1", "taker", "sell", 1));
    expect(ofType(events, "stop_triggered")).toHaveLength(1);
    expect(trades(events)).toHaveLength(1);
    expect(levels(events)).toContainEqual({ type: "level", side: "sell", price: 97, qty: 5 });
    expect(h.engine.l3().asks).toEqual([expect.objectContaining({ id: "st", state: "resting", remaining: 5 })]);
  });

  it("a trade the stop's own account made triggers it", () => {
    const h = book(...printAt(100), limit("s1", "m1", "sell", 105, 1), stop("st", "xavier", "buy", 105, 1));
    const events = h.run(limit("b1", "xavier", "buy", 105, 1));
    expect(ofType(events, "stop_triggered")).toEqual([expect.objectContaining({ id: "st", account: "xavier" })]);
    expect(dones(events).at(-1)).toMatchObject({ id: "st", cause: "no_liquidity" });
  });

  it("triggers cascade: one stop's trades can trigger the next, lowest buy stop first", () => {
    const h = book(
      ...printAt(100),
      limit("s1", "m1", "sell", 101, 1),
      limit("s2", "m2", "sell", 102, 1),
      limit("s3", "m3", "sell", 103, 1),
      stop("stB", "y", "buy", 102, 1),
      stop("stA", "x", "buy", 101, 1),
      stop("stC", "z", "buy", 104, 1),
    );
    expect(h.engine.stops().map((o) => o.id)).toEqual(["stA", "stB", "stC"]);
    const events = h.run(market("t1", "taker", "buy", 1));
    expect(
      events
        .filter((e) => e.type === "stop_triggered" || e.type === "trade")
        .map((e) => (e.type === "trade" ? `trade ${e.takerId}@${e.price}` : `trigger ${e.id}@${e.lastPrice}`)),
    ).toEqual(["trade t1@101", "trigger stA@101", "trade stA@102", "trigger stB@102", "trade stB@103"]);
    expect(h.engine.stops().map((o) => o.id)).toEqual(["stC"]);
  });

  it("stops at the same price trigger in time order", () => {
    const h = book(
      ...printAt(100),
      limit("s1", "m1", "sell", 101, 1),
      limit("s2", "m2", "sell", 101, 1),
      limit("s3", "m3", "sell", 101, 1),
      stop("first", "x", "buy", 101, 1),
      stop("second", "y", "buy", 101, 1),
    );
    const events = h.run(market("t1", "taker", "buy", 1));
    expect(ofType(events, "stop_triggered").map((e) => e.id)).toEqual(["first", "second"]);
    expect(trades(events).map((t) => [t.takerId, t.makerId])).toEqual([
      ["t1", "s1"],
      ["first", "s2"],
      ["second", "s3"],
    ]);
  });

  it("a cascade reports each price level once, with its final quantity", () => {
    // No trade yet, so both stops are accepted; the first print triggers them both.
    const h = book(
      limit("b1", "m1", "buy", 100, 1),
      limit("s1", "m2", "sell", 110, 5),
      stopLimit("bs", "x", "buy", 100, 100, 1), // triggers at 100, rests as a bid at 100
      stop("ss", "y", "sell", 100, 1), // triggers at 100, sells into that bid
    );
    const events = h.run(market("t1", "taker", "sell", 1));
    expect(trades(events).map((t) => [t.takerId, t.makerId, t.price])).toEqual([
      ["t1", "b1", 100],
      ["ss", "bs", 100],
    ]);
    expect(levels(events)).toEqual([{ type: "level", side: "buy", price: 100, qty: 0 }]);
  });

  it("a price emptied and refilled in one command reports once, where it was refilled", () => {
    const h = book(
      ...printAt(99),
      limit("b1", "m1", "buy", 100, 1),
      stopLimit("bs", "x", "buy", 100, 100, 2), // triggers at 100, rests as a bid at 100 after buying 1
    );
    // s1 empties bid 100, rests its remainder at ask 100; the triggered stop takes it and refills bid 100.
    const events = h.run(limit("s1", "taker", "sell", 100, 2));
    expect(trades(events).map((t) => [t.takerId, t.makerId, t.price])).toEqual([
      ["s1", "b1", 100],
      ["bs", "s1", 100],
    ]);
    expect(levels(events)).toEqual([
      { type: "level", side: "sell", price: 100, qty: 0 },
      { type: "level", side: "buy", price: 100, qty: 1 },
    ]);
    expect(h.engine.depth()).toEqual({ bids: [{ price: 100, qty: 1, orders: 1 }], asks: [] });
  });

  it("with no trade yet are accepted at any stop price", () => {
    const h = book();
    expect(h.run(stop("a", "x", "buy", 1, 1))[0]).toMatchObject({ type: "accepted", kind: "stop", stopPrice: 1 });
    expect(h.run(stop("b", "x", "sell", 1_000, 1))[0]).toMatchObject({ type: "accepted", kind: "stop" });
  });

  it("that would trigger at once are rejected as stop_would_trigger", () => {
    const h = book(...printAt(100));
    const before = h.engine.snapshot();
    const cases: [string, "buy" | "sell", number][] = [
      ["b100", "buy", 100],
      ["b99", "buy", 99],
      ["s100", "sell", 100],
      ["s101", "sell", 101],
    ];
    for (const [id, side, stopPrice] of cases) {
      expect(h.run(stop(id, "x", side, stopPrice, 1))).toEqual([
        { type: "rejected", id, command: "place", reason: "stop_would_trigger" },
      ]);
      expect(h.run(stopLimit(`${id}L`, "x", side, stopPrice, 100, 1))[0]).toMatchObject({
        type: "rejected",
        reason: "stop_would_trigger",
      });
    }
    expect(h.engine.snapshot()).toEqual(before);
    expect(h.run(stop("b101", "x", "buy", 101, 1))[0]).toMatchObject({ type: "accepted" });
    expect(h.run(stop("s99", "x", "sell", 99, 1))[0]).toMatchObject({ type: "accepted" });
  });

  it("a triggered post-only stop-limit that would take is cancelled", () => {
    const h = book(
      ...printAt(100),
      limit("s1", "m1", "sell", 101, 1),
      limit("s2", "m2", "sell", 102, 5),
      stopLimit("st", "x", "buy", 101, 102, 2, { postOnly: true }),
    );
    const events = h.run(market("t1", "taker", "buy", 1));
    expect(dones(events).at(-1)).toMatchObject({ id: "st", reason: "cancelled", cause: "post_only", remaining: 2 });
    expect(h.engine.order("s2")).toMatchObject({ remaining: 5 });
  });

  it("a triggered FOK stop-limit that cannot fill in full is cancelled without trading", () => {
    const h = book(
      ...printAt(100),
      limit("s1", "m1", "sell", 101, 1),
      limit("s2", "m2", "sell", 102, 2),
      stopLimit("st", "x", "buy", 101, 102, 3, { tif: "fok" }),
    );
    const events = h.run(market("t1", "taker", "buy", 1));
    expect(trades(events)).toHaveLength(1);
    expect(dones(events).at(-1)).toMatchObject({
      id: "st",
      reason: "cancelled",
      cause: "fok_not_fillable",
      remaining: 3,
    });
  });

  it("a GTD stop-limit expires while waiting", () => {
    const h = book(stopLimit("st", "x", "buy", 105, 106, 2, { tif: "gtd", expireAt: T0 + 100 }));
    expect(h.engine.nextExpiry()).toBe(T0 + 100);
    expect(h.run(tick(), T0 + 100)).toEqual([
      expect.objectContaining({ type: "done", id: "st", reason: "expired", cause: "gtd", remaining: 2 }),
    ]);
    expect(h.engine.stops()).toEqual([]);
  });

  it("a stop-market cannot be GTC or GTD", () => {
    const h = book();
    expect(h.run(stop("a", "x", "buy", 105, 1, { tif: "gtc" }))[0]).toMatchObject({ reason: "invalid_tif" });
    expect(h.run(stop("b", "x", "buy", 105, 1, { tif: "gtd", expireAt: T0 + 5 }))[0]).toMatchObject({
      reason: "invalid_tif",
    });
  });

  describe("cancel and amend", () => {
    const setup = () => book(...printAt(100), limit("s1", "m1", "sell", 103, 5), stop("st", "x", "buy", 102, 3));

    it("a cancelled stop reports its quantity, changes no level and no longer triggers", () => {
      const h = setup();
      expect(h.run(cancel("st", "x"))).toEqual([
        {
          type: "done",
          id: "st",
          account: "x",
          side: "buy",
          reason: "cancelled",
          cause: "user",
          remaining: 3,
          remainingFunds: 0,
        },
      ]);
      expect(types(h.run(market("t1", "taker", "buy", 1)))).not.toContain("stop_triggered");
    });

    it("amending the stop price loses priority and moves the trigger", () => {
      const h = setup();
      expect(h.run(amend("st", { stopPrice: 104 }))).toEqual([
        { type: "amended", id: "st", account: "x", qty: 3, remaining: 3, stopPrice: 104, priorityKept: false },
      ]);
      // A print at 103 no longer triggers it.
      expect(types(h.run(market("t1", "taker", "buy", 1)))).not.toContain("stop_triggered");
      expect(h.engine.order("st")).toMatchObject({ state: "stop", stopPrice: 104 });
    });

    it("amending a stop's quantity down keeps priority", () => {
      const h = setup();
      h.seed(stop("st2", "y", "buy", 102, 1));
      expect(h.run(amend("st", { qty: 2 }))).toEqual([
        { type: "amended", id: "st", account: "x", qty: 2, remaining: 2, stopPrice: 102, priorityKept: true },
      ]);
      expect(h.engine.stops().map((o) => o.id)).toEqual(["st", "st2"]);
      h.run(amend("st", { qty: 4 }));
      expect(h.engine.stops().map((o) => o.id)).toEqual(["st2", "st"]);
    });

    it("amending a stop to a price that would trigger is rejected", () => {
      const h = setup();
      const before = h.engine.snapshot();
      expect(h.run(amend("st", { stopPrice: 100 }))).toEqual([
        { type: "rejected", id: "st", command: "amend", reason: "stop_would_trigger" },
      ]);
      expect(h.engine.snapshot()).toEqual(before);
    });

    it("a stop-market has no limit price to amend; a stop-limit does", () => {
      const h = setup();
      expect(h.run(amend("st", { price: 105 }))).toEqual([
        { type: "rejected", id: "st", command: "amend", reason: "not_amendable" },
      ]);
      h.seed(stopLimit("sl", "x", "buy", 102, 104, 1));
      expect(h.run(amend("sl", { price: 103 }))[0]).toMatchObject({ type: "amended", price: 103, stopPrice: 102 });
    });
  });
});
