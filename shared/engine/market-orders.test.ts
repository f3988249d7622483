import { describe, expect, it } from "vitest";
import { book, dones, limit, market, marketFunds, stop, trades } from "./test-helpers.ts";

const done = (id: string, account: string, side: "buy" | "sell", extra: object) => ({
  type: "done",
  id,
  account,
  side,
  remaining: 0,
  remainingFunds: 0,
  ...extra,
});

describe("market orders sized by quantity", () => {
  it("default to IOC and sweep levels until filled", () => {
    const h = book(limit("s1", "m1", "sell", 100, 2), limit("s2", "m2", "sell", 102, 5));
    const events = h.run(market("t1", "taker", "buy", 4));
    expect(events[0]).toEqual({
      type: "accepted",
      id: "t1",
      account: "taker",
      side: "buy",
      kind: "market",
      tif: "ioc",
      qty: 4,
      postOnly: false,
      stp: "cancel_newest",
    });
    expect(trades(events).map((t) => [t.makerId, t.price, t.qty, t.aggressor])).toEqual([
      ["s1", 100, 2, "buy"],
      ["s2", 102, 2, "buy"],
    ]);
    expect(dones(events).at(-1)).toEqual(done("t1", "taker", "buy", { reason: "filled", cause: "filled" }));
    expect(h.engine.bbo()).toEqual({ ask: { price: 102, qty: 3 } });
  });

  it("sell into the bids highest first", () => {
    const h = book(limit("b1", "m1", "buy", 99, 5), limit("b2", "m2", "buy", 100, 1));
    const events = h.run(market("t1", "taker", "sell", 3));
    expect(trades(events).map((t) => [t.makerId, t.price, t.qty, t.aggressor])).toEqual([
      ["b2", 100, 1, "sell"],
      ["b1", 99, 2, "sell"],
    ]);
    expect(h.engine.bbo()).toEqual({ bid: { price: 99, qty: 3 } });
  });

  it("cancel what the book cannot fill and never rest", () => {
    const h = book(limit("s1", "m1", "sell", 100, 2));
    const events = h.run(market("t1", "taker", "buy", 5));
    expect(trades(events)).toEqual([expect.objectContaining({ qty: 2 })]);
    expect(dones(events).at(-1)).toEqual(
      done("t1", "taker", "buy", { reason: "cancelled", cause: "no_liquidity", remaining: 3 }),
    );
    expect(h.engine.bbo()).toEqual({});
    expect(h.engine.order("t1")).toBeUndefined();
  });

  it("on an empty book are accepted then cancelled for no liquidity", () => {
    const h = book();
    expect(h.run(market("t1", "taker", "buy", 5))).toEqual([
      expect.objectContaining({ type: "accepted", id: "t1" }),
      done("t1", "taker", "buy", { reason: "cancelled", cause: "no_liquidity", remaining: 5 }),
    ]);
    expect(h.engine.lastTradePrice).toBeUndefined();
  });

  it("with FOK fill in full or are rejected", () => {
    const h = book(limit("s1", "m1", "sell", 100, 2), limit("s2", "m2", "sell", 150, 1));
    expect(h.run(market("t1", "taker", "buy", 4, { tif: "fok" }))).toEqual([
      { type: "rejected", id: "t1", command: "place", reason: "fok_not_fillable" },
    ]);
    const events = h.run(market("t2", "taker", "buy", 3, { tif: "fok" }));
    expect(trades(events).map((t) => t.qty)).toEqual([2, 1]);
    expect(dones(events).at(-1)).toMatchObject({ id: "t2", reason: "filled" });
  });

  it("with GTC are rejected", () => {
    const h = book(limit("s1", "m1", "sell", 100, 2));
    expect(h.run(market("t1", "taker", "buy", 1, { tif: "gtc" }))).toEqual([
      { type: "rejected", id: "t1", command: "place", reason: "invalid_tif" },
    ]);
  });
});

describe("market orders sized by funds", () => {
  it("buy as many whole lots as the funds allow and report the dust as funds_exhausted", () => {
    const h = book(limit("s1", "m1", "sell", 100, 3), limit("s2", "m2", "sell", 110, 10));
    // 3 × 100 = 300, then floor(700 / 110) = 6 lots = 660, leaving 40 which buys nothing more.
    const events = h.run(marketFunds("t1", "taker", "buy", 1000));
    expect(events).toEqual([
      {
        type: "accepted",
        id: "t1",
        account: "taker",
        side: "buy",
        kind: "market",
        tif: "ioc",
        funds: 1000,
        postOnly: false,
        stp: "cancel_newest",
      },
      expect.objectContaining({ type: "trade", makerId: "s1", price: 100, qty: 3, makerRemaining: 0 }),
      done("s1", "m1", "sell", { reason: "filled", cause: "filled" }),
      expect.objectContaining({ type: "trade", makerId: "s2", price: 110, qty: 6, makerRemaining: 4 }),
      done("t1", "taker", "buy", { reason: "filled", cause: "funds_exhausted", remainingFunds: 40 }),
      { type: "level", side: "sell", price: 100, qty: 0 },
      { type: "level", side: "sell", price: 110, qty: 4 },
    ]);
  });

  it("finish as filled when the funds are spent exactly", () => {
    const h = book(limit("s1", "m1", "sell", 100, 3), limit("s2", "m2", "sell", 110, 10));
    const events = h.run(marketFunds("t1", "taker", "buy", 520));
    expect(trades(events).map((t) => [t.price, t.qty])).toEqual([
      [100, 3],
      [110, 2],
    ]);
    expect(dones(events).at(-1)).toEqual(done("t1", "taker", "buy", { reason: "filled", cause: "filled" }));
  });

  it("with less than one lot's worth are cancelled as funds_exhausted with all funds returned", () => {
    const h = book(limit("s1", "m1", "sell", 100, 3));
    expect(h.run(marketFunds("t1", "taker", "buy", 99))).toEqual([
      expect.objectContaining({ type: "accepted", id: "t1" }),
      done("t1", "taker", "buy", { reason: "cancelled", cause: "funds_exhausted", remainingFunds: 99 }),
    ]);
    expect(h.engine.order("s1")).toMatchObject({ remaining: 3 });
  });

  it("on an empty book are cancelled for no liquidity with all funds returned", () => {
    const h = book();
    expect(dones(h.run(marketFunds("t1", "taker", "buy", 500)))).toEqual([
      done("t1", "taker", "buy", { reason: "cancelled", cause: "no_liquidity", remainingFunds: 500 }),
    ]);
  });

  it("that outlast the book are cancelled for no liquidity with the unspent funds", () => {
    const h = book(limit("s1", "m1", "sell", 100, 2));
    const events = h.run(marketFunds("t1", "taker", "buy", 1000));
    expect(trades(events)).toEqual([expect.objectContaining({ qty: 2, price: 100 })]);
    expect(dones(events).at(-1)).toEqual(
      done("t1", "taker", "buy", { reason: "cancelled", cause: "no_liquidity", remainingFunds: 800 }),
    );
  });
});

describe("protection price on market and stop orders", () => {
  it("stops a market buy at its protection price and cancels the rest", () => {
    const h = book(limit("s1", "m1", "sell", 100, 2), limit("s2", "m2", "sell", 105, 5));
    const events = h.run(market("t1", "taker", "buy", 4, { price: 104 }));
    expect(trades(events).map((t) => [t.makerId, t.price, t.qty])).toEqual([["s1", 100, 2]]);
    expect(dones(events).at(-1)).toEqual(
      done("t1", "taker", "buy", { reason: "cancelled", cause: "no_liquidity", remaining: 2 }),
    );
    expect(h.engine.bbo()).toEqual({ ask: { price: 105, qty: 5 } });
  });

  it("stops a market sell by funds at its protection floor", () => {
    const h = book(limit("b1", "m1", "buy", 100, 1), limit("b2", "m2", "buy", 90, 10));
    const events = h.run(marketFunds("t1", "taker", "sell", 1_000, { price: 95 }));
    expect(trades(events).map((t) => [t.makerId, t.price, t.qty])).toEqual([["b1", 100, 1]]);
    expect(h.engine.bbo()).toEqual({ bid: { price: 90, qty: 10 } });
  });

  it("protects a triggered stop order the same way", () => {
    const h = book(limit("s1", "m1", "sell", 100, 1), limit("s2", "m1", "sell", 120, 5));
    h.run(stop("st", "stopper", "buy", 100, 3, { price: 110 }));
    const events = h.run(market("t1", "taker", "buy", 1));
    expect(trades(events).map((t) => [t.takerId, t.price])).toEqual([["t1", 100]]);
    expect(dones(events).at(-1)).toEqual(
      done("st", "stopper", "buy", { reason: "cancelled", cause: "no_liquidity", remaining: 3 }),
    );
  });
});
