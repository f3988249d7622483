import { describe, expect, it } from "vitest";
import { book, dones, limit, market, marketFunds, ofType, trades } from "./test-helpers.ts";

describe("self-trade prevention", () => {
  it("cancel_newest (default) trades ahead of the own order, then cancels the taker and keeps the maker", () => {
    const h = book(
      limit("s1", "bob", "sell", 100, 2),
      limit("s2", "alice", "sell", 100, 3),
      limit("s3", "bob", "sell", 101, 5),
    );
    const events = h.run(limit("b1", "alice", "buy", 101, 10));
    expect(events).toEqual([
      expect.objectContaining({ type: "accepted", id: "b1", stp: "cancel_newest" }),
      expect.objectContaining({ type: "trade", makerId: "s1", takerId: "b1", qty: 2, price: 100 }),
      expect.objectContaining({ type: "done", id: "s1", reason: "filled" }),
      {
        type: "done",
        id: "b1",
        account: "alice",
        side: "buy",
        reason: "cancelled",
        cause: "self_trade",
        remaining: 8,
        remainingFunds: 0,
      },
      { type: "level", side: "sell", price: 100, qty: 3 },
    ]);
    expect(h.engine.order("s2")).toMatchObject({ remaining: 3, state: "resting" });
    expect(h.engine.order("s3")).toMatchObject({ remaining: 5 });
  });

  it("uses the taker's mode, not the maker's", () => {
    const h = book(limit("s1", "alice", "sell", 100, 3, { stp: "cancel_oldest" }));
    const events = h.run(market("b1", "alice", "buy", 3));
    expect(dones(events)).toEqual([expect.objectContaining({ id: "b1", cause: "self_trade", remaining: 3 })]);
    expect(h.engine.order("s1")).toBeDefined();
  });

  it("does not apply between different accounts", () => {
    const h = book(limit("s1", "alice", "sell", 100, 3));
    expect(trades(h.run(market("b1", "bob", "buy", 3, { stp: "cancel_both" })))).toHaveLength(1);
  });

  it("cancel_oldest cancels the resting own order and keeps matching, then rests the remainder", () => {
    const h = book(limit("s1", "alice", "sell", 100, 3), limit("s2", "bob", "sell", 100, 2));
    const events = h.run(limit("b1", "alice", "buy", 100, 4, { stp: "cancel_oldest" }));
    expect(events).toEqual([
      expect.objectContaining({ type: "accepted", id: "b1" }),
      {
        type: "done",
        id: "s1",
        account: "alice",
        side: "sell",
        reason: "cancelled",
        cause: "self_trade",
        remaining: 3,
        remainingFunds: 0,
      },
      expect.objectContaining({ type: "trade", makerId: "s2", qty: 2 }),
      expect.objectContaining({ type: "done", id: "s2", reason: "filled" }),
      { type: "level", side: "sell", price: 100, qty: 0 },
      { type: "level", side: "buy", price: 100, qty: 2 },
    ]);
    expect(h.engine.order("b1")).toMatchObject({ filled: 2, remaining: 2 });
  });

  it("cancel_both cancels the resting own order and the taker", () => {
    const h = book(limit("s1", "alice", "sell", 100, 3), limit("s2", "bob", "sell", 100, 2));
    const events = h.run(limit("b1", "alice", "buy", 100, 4, { stp: "cancel_both" }));
    expect(trades(events)).toEqual([]);
    expect(dones(events)).toEqual([
      expect.objectContaining({ id: "s1", reason: "cancelled", cause: "self_trade", remaining: 3 }),
      expect.objectContaining({ id: "b1", reason: "cancelled", cause: "self_trade", remaining: 4 }),
    ]);
    expect(h.engine.l3()).toEqual({ bids: [], asks: [expect.objectContaining({ id: "s2", remaining: 2 })] });
  });

  describe("decrement_and_cancel", () => {
    it("with a larger taker cancels the maker, reduces the taker and keeps matching", () => {
      const h = book(limit("s1", "alice", "sell", 100, 3), limit("s2", "bob", "sell", 100, 5));
      const events = h.run(limit("b1", "alice", "buy", 100, 5, { stp: "decrement_and_cancel" }));
      expect(events).toEqual([
        expect.objectContaining({ type: "accepted", id: "b1", qty: 5 }),
        expect.objectContaining({ type: "done", id: "s1", reason: "cancelled", cause: "self_trade", remaining: 3 }),
        { type: "reduced", id: "b1", account: "alice", by: 3, remaining: 2, remainingFunds: 0, cause: "self_trade" },
        expect.objectContaining({ type: "trade", makerId: "s2", takerId: "b1", qty: 2, makerRemaining: 3 }),
        expect.objectContaining({ type: "done", id: "b1", reason: "filled", remaining: 0 }),
        { type: "level", side: "sell", price: 100, qty: 3 },
      ]);
    });

    it("with a larger maker reduces the maker (and its qty) and cancels the taker", () => {
      const h = book(limit("s1", "alice", "sell", 100, 5), limit("s2", "bob", "sell", 100, 5));
      const events = h.run(limit("b1", "alice", "buy", 100, 2, { stp: "decrement_and_cancel" }));
      expect(events).toEqual([
        expect.objectContaining({ type: "accepted", id: "b1" }),
        { type: "reduced", id: "s1", account: "alice", by: 2, remaining: 3, remainingFunds: 0, cause: "self_trade" },
        expect.objectContaining({ type: "done", id: "b1", reason: "cancelled", cause: "self_trade", remaining: 2 }),
        { type: "level", side: "sell", price: 100, qty: 8 },
      ]);
      expect(h.engine.order("s1")).toMatchObject({ qty: 3, remaining: 3, filled: 0 });
      // The maker kept its place at the head of the queue.
      expect(h.engine.l3().asks.map((o) => o.id)).toEqual(["s1", "s2"]);
    });

    it("with a funds-sized taker accounts for the funds the cut removes", () => {
      const h = book(limit("s1", "alice", "sell", 100, 2), limit("s2", "bob", "sell", 100, 5));
      const events = h.run(marketFunds("b1", "alice", "buy", 450, { stp: "decrement_and_cancel" }));
      expect(events).toEqual([
        expect.objectContaining({ type: "accepted", id: "b1", funds: 450 }),
        expect.objectContaining({ type: "done", id: "s1", reason: "cancelled", cause: "self_trade", remaining: 2 }),
        // 2 lots at 100 cut from the taker: 200 of its funds go with them.
        { type: "reduced", id: "b1", account: "alice", by: 2, remaining: 0, remainingFunds: 250, cause: "self_trade" },
        expect.objectContaining({ type: "trade", makerId: "s2", takerId: "b1", qty: 2, price: 100 }),
        expect.objectContaining({
          type: "done",
          id: "b1",
          reason: "filled",
          cause: "funds_exhausted",
          remainingFunds: 50,
        }),
        { type: "level", side: "sell", price: 100, qty: 3 },
      ]);
    });

    it("with equal sizes cancels both", () => {
      const h = book(limit("s1", "alice", "sell", 100, 4));
      const events = h.run(limit("b1", "alice", "buy", 100, 4, { stp: "decrement_and_cancel" }));
      expect(ofType(events, "reduced")).toEqual([]);
      expect(dones(events)).toEqual([
        expect.objectContaining({ id: "s1", reason: "cancelled", cause: "self_trade", remaining: 4 }),
        expect.objectContaining({ id: "b1", reason: "cancelled", cause: "self_trade", remaining: 4 }),
      ]);
      expect(h.engine.bbo()).toEqual({});
    });

    it("counts the taker's already-traded quantity out before comparing sizes", () => {
      const h = book(limit("s1", "bob", "sell", 100, 3), limit("s2", "alice", "sell", 100, 2));
      // 5 - 3 traded = 2 left, equal to the own order: both cancelled.
      const events = h.run(limit("b1", "alice", "buy", 100, 5, { stp: "decrement_and_cancel" }));
      expect(trades(events)).toEqual([expect.objectContaining({ makerId: "s1", qty: 3 })]);
      expect(dones(events).map((d) => [d.id, d.cause, d.remaining])).toEqual([
        ["s1", "filled", 0],
        ["s2", "self_trade", 2],
        ["b1", "self_trade", 2],
      ]);
    });
  });

  describe("FOK with an own order in the path", () => {
    const setup = () => book(limit("s1", "alice", "sell", 100, 2), limit("s2", "bob", "sell", 100, 5));

    it("is rejected under cancel_newest even though other liquidity would fill it", () => {
      const h = setup();
      const before = h.engine.snapshot();
      expect(h.run(limit("b1", "alice", "buy", 100, 5, { tif: "fok" }))).toEqual([
        { type: "rejected", id: "b1", command: "place", reason: "fok_not_fillable" },
      ]);
      expect(h.engine.snapshot()).toEqual(before);
    });

    it("fills under cancel_oldest, cancelling the own order", () => {
      const h = setup();
      const events = h.run(limit("b1", "alice", "buy", 100, 5, { tif: "fok", stp: "cancel_oldest" }));
      expect(dones(events).map((d) => [d.id, d.reason, d.cause])).toEqual([
        ["s1", "cancelled", "self_trade"],
        ["s2", "filled", "filled"],
        ["b1", "filled", "filled"],
      ]);
    });

    it("under cancel_oldest still needs enough liquidity from other accounts", () => {
      const h = setup();
      expect(h.run(limit("b1", "alice", "buy", 100, 6, { tif: "fok", stp: "cancel_oldest" }))).toEqual([
        { type: "rejected", id: "b1", command: "place", reason: "fok_not_fillable" },
      ]);
      expect(h.engine.order("s1")).toBeDefined();
    });
  });
});
