import { describe, expect, it } from "vitest";
import { book, dones, levels, limit, trades } from "./test-helpers.ts";

describe("limit orders", () => {
  it("rest when they do not cross and report the level", () => {
    const h = book();
    expect(h.run(limit("b1", "alice", "buy", 99, 5))).toEqual([
      {
        type: "accepted",
        id: "b1",
        account: "alice",
        side: "buy",
        kind: "limit",
        tif: "gtc",
        price: 99,
        qty: 5,
        postOnly: false,
        stp: "cancel_newest",
      },
      { type: "level", side: "buy", price: 99, qty: 5 },
    ]);
    // Fields that do not apply to a limit order are absent, not undefined.
    expect(Object.keys(h.run(limit("b0", "alice", "buy", 98, 1))[0] as object)).toEqual([
      "type",
      "id",
      "account",
      "side",
      "kind",
      "tif",
      "price",
      "qty",
      "postOnly",
      "stp",
    ]);
    expect(h.run(limit("s1", "bob", "sell", 101, 2))).toEqual([
      expect.objectContaining({ type: "accepted", id: "s1" }),
      { type: "level", side: "sell", price: 101, qty: 2 },
    ]);
    expect(h.engine.bbo()).toEqual({ bid: { price: 99, qty: 5 }, ask: { price: 101, qty: 2 } });
  });

  it("aggregate several orders at one price into one level", () => {
    const h = book(limit("b1", "alice", "buy", 100, 3));
    expect(levels(h.run(limit("b2", "carol", "buy", 100, 5)))).toEqual([
      { type: "level", side: "buy", price: 100, qty: 8 },
    ]);
    expect(h.engine.depth()).toEqual({ bids: [{ price: 100, qty: 8, orders: 2 }], asks: [] });
  });

  it("sweep ask levels best price first and time first within a level, at the maker's price", () => {
    const h = book(
      limit("s1", "m1", "sell", 101, 2), // worse price, earliest
      limit("s2", "m2", "sell", 100, 3), // best price, first in queue
      limit("s3", "m3", "sell", 100, 4), // best price, second in queue
      limit("s4", "m4", "sell", 102, 5), // beyond the taker's limit
    );
    const events = h.run(limit("t1", "taker", "buy", 101, 8));
    expect(events).toEqual([
      expect.objectContaining({ type: "accepted", id: "t1" }),
      {
        type: "trade",
        tradeId: 1,
        price: 100,
        qty: 3,
        aggressor: "buy",
        makerId: "s2",
        makerAccount: "m2",
        takerId: "t1",
        takerAccount: "taker",
        makerRemaining: 0,
      },
      {
        type: "done",
        id: "s2",
        account: "m2",
        side: "sell",
        reason: "filled",
        cause: "filled",
        remaining: 0,
        remainingFunds: 0,
      },
      {
        type: "trade",
        tradeId: 2,
        price: 100,
        qty: 4,
        aggressor: "buy",
        makerId: "s3",
        makerAccount: "m3",
        takerId: "t1",
        takerAccount: "taker",
        makerRemaining: 0,
      },
      {
        type: "done",
        id: "s3",
        account: "m3",
        side: "sell",
        reason: "filled",
        cause: "filled",
        remaining: 0,
        remainingFunds: 0,
      },
      {
        type: "trade",
        tradeId: 3,
        price: 101,
        qty: 1,
        aggressor: "buy",
        makerId: "s1",
        makerAccount: "m1",
        takerId: "t1",
        takerAccount: "taker",
        makerRemaining: 1,
      },
      {
        type: "done",
        id: "t1",
        account: "taker",
        side: "buy",
        reason: "filled",
        cause: "filled",
        remaining: 0,
        remainingFunds: 0,
      },
      { type: "level", side: "sell", price: 100, qty: 0 },
      { type: "level", side: "sell", price: 101, qty: 1 },
    ]);
    expect(h.engine.depth().asks).toEqual([
      { price: 101, qty: 1, orders: 1 },
      { price: 102, qty: 5, orders: 1 },
    ]);
    expect(h.engine.lastTradePrice).toBe(101);
  });

  it("sweep bid levels highest first for a sell taker and never trade below its limit", () => {
    const h = book(limit("b1", "m1", "buy", 98, 5), limit("b2", "m2", "buy", 100, 1), limit("b3", "m3", "buy", 99, 1));
    const events = h.run(limit("t1", "taker", "sell", 99, 5));
    expect(trades(events).map((t) => [t.makerId, t.price, t.qty, t.aggressor])).toEqual([
      ["b2", 100, 1, "sell"],
      ["b3", 99, 1, "sell"],
    ]);
    // The unfilled 3 rest at the limit; the 98 bid is untouched.
    expect(h.engine.bbo()).toEqual({ bid: { price: 98, qty: 5 }, ask: { price: 99, qty: 3 } });
  });

  it("fill a partially hit maker and leave it first in its queue", () => {
    const h = book(limit("s1", "m1", "sell", 100, 5), limit("s2", "m2", "sell", 100, 5));
    const first = trades(h.run(limit("t1", "taker", "buy", 100, 2)));
    expect(first).toEqual([expect.objectContaining({ makerId: "s1", qty: 2, makerRemaining: 3 })]);
    expect(h.engine.order("s1")).toMatchObject({ qty: 5, filled: 2, remaining: 3 });

    const second = trades(h.run(limit("t2", "taker", "buy", 100, 4)));
    expect(second.map((t) => [t.makerId, t.qty, t.makerRemaining])).toEqual([
      ["s1", 3, 0],
      ["s2", 1, 4],
    ]);
  });

  it("rest the unfilled remainder of a crossing order at its limit price", () => {
    const h = book(limit("s1", "m1", "sell", 100, 4));
    const events = h.run(limit("b1", "alice", "buy", 101, 10));
    expect(trades(events)).toEqual([expect.objectContaining({ price: 100, qty: 4, makerId: "s1" })]);
    expect(dones(events).map((d) => d.id)).toEqual(["s1"]);
    expect(levels(events)).toEqual([
      { type: "level", side: "sell", price: 100, qty: 0 },
      { type: "level", side: "buy", price: 101, qty: 6 },
    ]);
    expect(h.engine.order("b1")).toMatchObject({ state: "resting", price: 101, qty: 10, filled: 4, remaining: 6 });
    expect(h.engine.bbo()).toEqual({ bid: { price: 101, qty: 6 } });
  });

  it("emit one level event per touched price with the final aggregate", () => {
    const h = book(
      limit("s1", "m1", "sell", 100, 1),
      limit("s2", "m2", "sell", 100, 1),
      limit("s3", "m3", "sell", 100, 5),
    );
    const events = h.run(limit("t1", "taker", "buy", 100, 3));
    expect(trades(events)).toHaveLength(3);
    expect(levels(events)).toEqual([{ type: "level", side: "sell", price: 100, qty: 4 }]);
  });

  it("number trades consecutively across commands", () => {
    const h = book(limit("s1", "m1", "sell", 100, 10));
    const ids = [
      ...trades(h.run(limit("t1", "a", "buy", 100, 1))),
      ...trades(h.run(limit("t2", "b", "buy", 100, 2))),
      ...trades(h.run(limit("t3", "c", "buy", 100, 3))),
    ].map((t) => t.tradeId);
    expect(ids).toEqual([1, 2, 3]);
  });

  it("let a filled order's id be used again", () => {
    const h = book(limit("s1", "m1", "sell", 100, 1), limit("b1", "alice", "buy", 100, 1));
    expect(h.engine.order("b1")).toBeUndefined();
    expect(h.run(limit("b1", "alice", "buy", 99, 1))[0]).toMatchObject({ type: "accepted", id: "b1" });
  });
});
