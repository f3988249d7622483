import { describe, expect, it } from "vitest";
import { book, limit, market, stop, stopLimit, T0 } from "./test-helpers.ts";

const ladder = () =>
  book(
    limit("b1", "a", "buy", 98, 1),
    limit("b2", "b", "buy", 99, 2),
    limit("b3", "c", "buy", 99, 3),
    limit("b4", "d", "buy", 97, 4),
    limit("s1", "a", "sell", 102, 5),
    limit("s2", "b", "sell", 101, 6),
    limit("s3", "c", "sell", 103, 7),
  );

describe("queries", () => {
  it("bbo is empty on an empty book", () => {
    expect(book().engine.bbo()).toEqual({});
  });

  it("bbo is the best bid and ask with their aggregate quantity", () => {
    const h = ladder();
    expect(h.engine.bbo()).toEqual({ bid: { price: 99, qty: 5 }, ask: { price: 101, qty: 6 } });
    h.run(market("t1", "x", "sell", 5));
    expect(h.engine.bbo()).toEqual({ bid: { price: 98, qty: 1 }, ask: { price: 101, qty: 6 } });
  });

  it("depth lists aggregated levels from the touch outwards, at most N per side", () => {
    const h = ladder();
    expect(h.engine.depth()).toEqual({
      bids: [
        { price: 99, qty: 5, orders: 2 },
        { price: 98, qty: 1, orders: 1 },
        { price: 97, qty: 4, orders: 1 },
      ],
      asks: [
        { price: 101, qty: 6, orders: 1 },
        { price: 102, qty: 5, orders: 1 },
        { price: 103, qty: 7, orders: 1 },
      ],
    });
    expect(h.engine.depth(2)).toEqual({
      bids: [
        { price: 99, qty: 5, orders: 2 },
        { price: 98, qty: 1, orders: 1 },
      ],
      asks: [
        { price: 101, qty: 6, orders: 1 },
        { price: 102, qty: 5, orders: 1 },
      ],
    });
    expect(h.engine.depth(0)).toEqual({ bids: [], asks: [] });
  });

  it("l3 lists every resting order best price first, in queue order within a level", () => {
    const h = ladder();
    const { bids, asks } = h.engine.l3();
    expect(bids.map((o) => o.id)).toEqual(["b2", "b3", "b1", "b4"]);
    expect(asks.map((o) => o.id)).toEqual(["s2", "s1", "s3"]);
    const priorities = bids.filter((o) => o.price === 99).map((o) => o.priority);
    expect(priorities[0]).toBeLessThan(priorities[1] as number);
  });

  it("order returns a full view of a resting order and nothing once it is done", () => {
    const h = book(limit("b1", "alice", "buy", 100, 5, { tif: "gtd", expireAt: T0 + 60_000, stp: "cancel_both" }));
    h.run(limit("s1", "bob", "sell", 100, 2));
    expect(h.engine.order("b1")).toEqual({
      id: "b1",
      account: "alice",
      side: "buy",
      kind: "limit",
      tif: "gtd",
      price: 100,
      qty: 5,
      filled: 2,
      remaining: 3,
      expireAt: T0 + 60_000,
      postOnly: false,
      stp: "cancel_both",
      state: "resting",
      priority: expect.any(Number),
    });
    expect(h.engine.order("s1")).toBeUndefined();
    expect(h.engine.order("nope")).toBeUndefined();
  });

  it("order and stops show untriggered stops, buys then sells, each in trigger order", () => {
    const h = book(
      stop("sb2", "a", "buy", 110, 1),
      stop("ss1", "a", "sell", 90, 1),
      stopLimit("sb1", "a", "buy", 105, 106, 1),
      stop("ss2", "a", "sell", 80, 1),
    );
    expect(h.engine.stops().map((o) => o.id)).toEqual(["sb1", "sb2", "ss1", "ss2"]);
    expect(h.engine.order("sb1")).toMatchObject({ state: "stop", kind: "stop_limit", stopPrice: 105, price: 106 });
    expect(h.engine.l3()).toEqual({ bids: [], asks: [] });
    expect(h.engine.bbo()).toEqual({});
  });

  it("lastTradePrice is undefined before the first trade, then the latest trade's price", () => {
    const h = ladder();
    expect(h.engine.lastTradePrice).toBeUndefined();
    h.run(market("t1", "x", "buy", 7));
    expect(h.engine.lastTradePrice).toBe(102);
  });

  it("execute appends to the event array it is given and returns it", () => {
    const h = book();
    const out = h.engine.execute(limit("b1", "a", "buy", 100, 1), T0);
    const same = h.engine.execute(limit("b2", "a", "buy", 101, 1), T0, out);
    expect(same).toBe(out);
    expect(out.map((e) => e.type)).toEqual(["accepted", "level", "accepted", "level"]);
  });

  it("now is the latest clock seen", () => {
    const h = book();
    expect(h.engine.now).toBe(0);
    h.run(limit("b1", "a", "buy", 1, 1), T0 + 5);
    expect(h.engine.now).toBe(T0 + 5);
    h.run(limit("b2", "a", "buy", 1, 1), T0);
    expect(h.engine.now).toBe(T0 + 5);
  });
});
