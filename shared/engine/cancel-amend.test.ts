import { describe, expect, it } from "vitest";
import { amend, book, cancel, cancelAll, dones, levels, limit, market, stop, trades } from "./test-helpers.ts";

describe("cancel", () => {
  it("removes one order, reporting its open quantity and the level", () => {
    const h = book(limit("b1", "alice", "buy", 100, 5), limit("b2", "bob", "buy", 100, 2));
    expect(h.run(cancel("b1"))).toEqual([
      {
        type: "done",
        id: "b1",
        account: "alice",
        side: "buy",
        reason: "cancelled",
        cause: "user",
        remaining: 5,
        remainingFunds: 0,
      },
      { type: "level", side: "buy", price: 100, qty: 2 },
    ]);
    expect(h.engine.order("b1")).toBeUndefined();
    expect(h.engine.l3().bids.map((o) => o.id)).toEqual(["b2"]);
  });

  it("of a partially filled order reports only the unfilled quantity", () => {
    const h = book(limit("s1", "alice", "sell", 100, 10), market("t1", "bob", "buy", 4));
    expect(dones(h.run(cancel("s1")))).toEqual([expect.objectContaining({ id: "s1", remaining: 6 })]);
    expect(h.engine.bbo()).toEqual({});
  });

  it("naming another account is rejected as unknown_order; naming the owner works", () => {
    const h = book(limit("b1", "alice", "buy", 100, 5));
    const before = h.engine.snapshot();
    expect(h.run(cancel("b1", "mallory"))).toEqual([
      { type: "rejected", id: "b1", command: "cancel", reason: "unknown_order" },
    ]);
    expect(h.engine.snapshot()).toEqual(before);
    expect(dones(h.run(cancel("b1", "alice")))).toHaveLength(1);
  });

  it("of a filled order is rejected as unknown_order", () => {
    const h = book(limit("s1", "alice", "sell", 100, 1), market("t1", "bob", "buy", 1));
    expect(h.run(cancel("s1"))).toEqual([{ type: "rejected", id: "s1", command: "cancel", reason: "unknown_order" }]);
  });
});

describe("cancel_all", () => {
  const setup = () =>
    book(
      limit("a1", "alice", "buy", 99, 1),
      limit("b1", "bob", "buy", 99, 2),
      limit("a2", "alice", "sell", 105, 3),
      limit("a3", "alice", "buy", 98, 4),
      stop("a4", "alice", "sell", 90, 5),
      limit("b2", "bob", "sell", 105, 6),
    );

  it("cancels every order and stop of the account, in placement order, and nobody else's", () => {
    const h = setup();
    expect(h.run(cancelAll("alice"))).toEqual([
      expect.objectContaining({ type: "done", id: "a1", cause: "cancel_all", reason: "cancelled", remaining: 1 }),
      expect.objectContaining({ type: "done", id: "a2", cause: "cancel_all", remaining: 3 }),
      expect.objectContaining({ type: "done", id: "a3", cause: "cancel_all", remaining: 4 }),
      expect.objectContaining({ type: "done", id: "a4", cause: "cancel_all", remaining: 5 }),
      { type: "level", side: "buy", price: 99, qty: 2 },
      { type: "level", side: "sell", price: 105, qty: 6 },
      { type: "level", side: "buy", price: 98, qty: 0 },
    ]);
    expect(h.engine.l3()).toEqual({
      bids: [expect.objectContaining({ id: "b1" })],
      asks: [expect.objectContaining({ id: "b2" })],
    });
    expect(h.engine.stops()).toEqual([]);
  });

  it("with a side cancels only that side", () => {
    const h = setup();
    expect(dones(h.run(cancelAll("alice", "buy"))).map((d) => d.id)).toEqual(["a1", "a3"]);
    expect(h.engine.order("a2")).toBeDefined();
    expect(h.engine.order("a4")).toBeDefined();
    expect(dones(h.run(cancelAll("alice", "sell"))).map((d) => d.id)).toEqual(["a2", "a4"]);
  });

  it("for an account with nothing open does nothing", () => {
    const h = setup();
    const before = h.engine.snapshot();
    expect(h.run(cancelAll("nobody"))).toEqual([]);
    expect(h.engine.snapshot()).toEqual(before);
  });
});

describe("amend", () => {
  const setup = () => book(limit("a1", "alice", "sell", 100, 5), limit("b1", "bob", "sell", 100, 5));

  it("down keeps queue priority: a later taker still fills it first", () => {
    const h = setup();
    expect(h.run(amend("a1", { qty: 3 }))).toEqual([
      { type: "amended", id: "a1", account: "alice", qty: 3, remaining: 3, price: 100, priorityKept: true },
      { type: "level", side: "sell", price: 100, qty: 8 },
    ]);
    const fills = trades(h.run(market("t1", "taker", "buy", 4)));
    expect(fills.map((t) => [t.makerId, t.qty])).toEqual([
      ["a1", 3],
      ["b1", 1],
    ]);
  });

  it("up loses queue priority", () => {
    const h = setup();
    expect(h.run(amend("a1", { qty: 6 }))).toEqual([
      { type: "amended", id: "a1", account: "alice", qty: 6, remaining: 6, price: 100, priorityKept: false },
      { type: "level", side: "sell", price: 100, qty: 11 },
    ]);
    expect(trades(h.run(market("t1", "taker", "buy", 6))).map((t) => [t.makerId, t.qty])).toEqual([
      ["b1", 5],
      ["a1", 1],
    ]);
  });

  it("to another price and back loses queue priority", () => {
    const h = setup();
    expect(h.run(amend("a1", { price: 101 }))).toEqual([
      { type: "amended", id: "a1", account: "alice", qty: 5, remaining: 5, price: 101, priorityKept: false },
      { type: "level", side: "sell", price: 100, qty: 5 },
      { type: "level", side: "sell", price: 101, qty: 5 },
    ]);
    h.run(amend("a1", { price: 100 }));
    expect(h.engine.l3().asks.map((o) => o.id)).toEqual(["b1", "a1"]);
  });

  it("counts qty as the total including what is filled", () => {
    const h = book(limit("a1", "alice", "sell", 100, 10), market("t1", "bob", "buy", 4));
    expect(h.run(amend("a1", { qty: 8 }))[0]).toEqual({
      type: "amended",
      id: "a1",
      account: "alice",
      qty: 8,
      remaining: 4,
      price: 100,
      priorityKept: true,
    });
    expect(h.engine.order("a1")).toMatchObject({ qty: 8, filled: 4, remaining: 4 });
    expect(h.engine.depth().asks).toEqual([{ price: 100, qty: 4, orders: 1 }]);
  });

  it("to a price that crosses trades at once and rests the rest", () => {
    const h = book(limit("s1", "bob", "sell", 101, 2), limit("b1", "alice", "buy", 99, 5));
    const events = h.run(amend("b1", { price: 101 }));
    expect(events).toEqual([
      { type: "amended", id: "b1", account: "alice", qty: 5, remaining: 5, price: 101, priorityKept: false },
      expect.objectContaining({ type: "trade", makerId: "s1", takerId: "b1", price: 101, qty: 2, aggressor: "buy" }),
      expect.objectContaining({ type: "done", id: "s1", reason: "filled" }),
      { type: "level", side: "buy", price: 99, qty: 0 },
      { type: "level", side: "sell", price: 101, qty: 0 },
      { type: "level", side: "buy", price: 101, qty: 3 },
    ]);
    expect(h.engine.order("b1")).toMatchObject({ price: 101, filled: 2, remaining: 3 });
  });

  it("of a post-only order to a crossing price is rejected and changes nothing", () => {
    const h = book(limit("s1", "bob", "sell", 101, 2), limit("b1", "alice", "buy", 99, 5, { postOnly: true }));
    const before = h.engine.snapshot();
    expect(h.run(amend("b1", { price: 101 }))).toEqual([
      { type: "rejected", id: "b1", command: "amend", reason: "post_only_would_take" },
    ]);
    expect(h.engine.snapshot()).toEqual(before);
    expect(h.run(amend("b1", { price: 100 }))[0]).toMatchObject({ type: "amended", price: 100 });
  });

  it("to the filled quantity or below is rejected as amend_below_filled", () => {
    const h = book(limit("a1", "alice", "sell", 100, 10), market("t1", "bob", "buy", 6));
    const before = h.engine.snapshot();
    for (const qty of [6, 5]) {
      expect(h.run(amend("a1", { qty }))).toEqual([
        { type: "rejected", id: "a1", command: "amend", reason: "amend_below_filled" },
      ]);
    }
    expect(h.engine.snapshot()).toEqual(before);
    expect(h.run(amend("a1", { qty: 7 }))[0]).toMatchObject({ type: "amended", remaining: 1 });
  });

  it("with nothing changed is rejected as nothing_to_amend", () => {
    const h = setup();
    expect(h.run(amend("a1", { qty: 5, price: 100 }))).toEqual([
      { type: "rejected", id: "a1", command: "amend", reason: "nothing_to_amend" },
    ]);
    expect(h.run(amend("a1", {}))).toEqual([
      { type: "rejected", id: "a1", command: "amend", reason: "nothing_to_amend" },
    ]);
  });

  it("of another account's order is rejected as unknown_order", () => {
    const h = setup();
    expect(h.run(amend("a1", { account: "bob", qty: 1 }))).toEqual([
      { type: "rejected", id: "a1", command: "amend", reason: "unknown_order" },
    ]);
    expect(levels(h.run(amend("a1", { account: "alice", qty: 1 })))).toEqual([
      { type: "level", side: "sell", price: 100, qty: 6 },
    ]);
  });
});
