import { describe, expect, it } from "vitest";
import { book, cancel, dones, limit, T0, tick, trades } from "./test-helpers.ts";

describe("IOC", () => {
  it("trades what it can and cancels the remainder without resting", () => {
    const h = book(limit("s1", "m1", "sell", 100, 2), limit("s2", "m2", "sell", 101, 5));
    const events = h.run(limit("t1", "taker", "buy", 100, 5, { tif: "ioc" }));
    expect(trades(events)).toEqual([expect.objectContaining({ makerId: "s1", qty: 2 })]);
    expect(dones(events).at(-1)).toEqual({
      type: "done",
      id: "t1",
      account: "taker",
      side: "buy",
      reason: "cancelled",
      cause: "ioc_remainder",
      remaining: 3,
      remainingFunds: 0,
    });
    expect(h.engine.depth().bids).toEqual([]);
  });

  it("that does not cross is cancelled in full with no level change", () => {
    const h = book(limit("s1", "m1", "sell", 101, 2));
    expect(h.run(limit("t1", "taker", "buy", 100, 5, { tif: "ioc" }))).toEqual([
      expect.objectContaining({ type: "accepted", id: "t1", tif: "ioc" }),
      expect.objectContaining({ type: "done", id: "t1", reason: "cancelled", cause: "ioc_remainder", remaining: 5 }),
    ]);
  });
});

describe("FOK", () => {
  const setup = () =>
    book(limit("s1", "m1", "sell", 100, 2), limit("s2", "m2", "sell", 101, 3), limit("s3", "m3", "sell", 103, 50));

  it("fills against exactly sufficient liquidity within its limit", () => {
    const h = setup();
    const events = h.run(limit("t1", "taker", "buy", 101, 5, { tif: "fok" }));
    expect(trades(events).map((t) => [t.makerId, t.qty])).toEqual([
      ["s1", 2],
      ["s2", 3],
    ]);
    expect(dones(events).at(-1)).toMatchObject({ id: "t1", reason: "filled", cause: "filled" });
  });

  it("one lot short is rejected with no other event and no state change", () => {
    const h = setup();
    const before = h.engine.snapshot();
    expect(h.run(limit("t1", "taker", "buy", 101, 6, { tif: "fok" }))).toEqual([
      { type: "rejected", id: "t1", command: "place", reason: "fok_not_fillable" },
    ]);
    expect(h.engine.snapshot()).toEqual(before);
  });

  it("does not count liquidity beyond its limit price", () => {
    const h = setup();
    expect(h.run(limit("t1", "taker", "buy", 102, 6, { tif: "fok" }))[0]).toMatchObject({
      type: "rejected",
      reason: "fok_not_fillable",
    });
    // With a higher limit the 103 level makes it fillable.
    expect(dones(h.run(limit("t2", "taker", "buy", 103, 6, { tif: "fok" }))).at(-1)).toMatchObject({
      id: "t2",
      reason: "filled",
    });
  });
});

describe("GTD", () => {
  it("expires when a later command's clock reaches expireAt, before that command runs", () => {
    const h = book(limit("b1", "alice", "buy", 100, 5, { tif: "gtd", expireAt: T0 + 5_000 }));
    expect(h.run(limit("x1", "bob", "buy", 90, 1), T0 + 4_999).map((e) => e.type)).toEqual(["accepted", "level"]);
    expect(h.engine.order("b1")).toBeDefined();

    // At expireAt the order is gone before the sell arrives, so the sell does not trade with it.
    expect(h.run(limit("s1", "carol", "sell", 100, 5), T0 + 5_000)).toEqual([
      {
        type: "done",
        id: "b1",
        account: "alice",
        side: "buy",
        reason: "expired",
        cause: "gtd",
        remaining: 5,
        remainingFunds: 0,
      },
      expect.objectContaining({ type: "accepted", id: "s1" }),
      { type: "level", side: "buy", price: 100, qty: 0 },
      { type: "level", side: "sell", price: 100, qty: 5 },
    ]);
    expect(h.engine.order("b1")).toBeUndefined();
  });

  it("expires on a tick, reporting only its open quantity", () => {
    const h = book(
      limit("s1", "alice", "sell", 100, 5, { tif: "gtd", expireAt: T0 + 1_000 }),
      limit("b1", "bob", "buy", 100, 2),
    );
    expect(h.run(tick(), T0 + 999)).toEqual([]);
    expect(h.run(tick(), T0 + 60_000)).toEqual([
      expect.objectContaining({ type: "done", id: "s1", reason: "expired", cause: "gtd", remaining: 3 }),
      { type: "level", side: "sell", price: 100, qty: 0 },
    ]);
  });

  it("expiring and being replaced at the same price in one command reports that price once", () => {
    const h = book(limit("b1", "alice", "buy", 100, 5, { tif: "gtd", expireAt: T0 + 10 }));
    expect(h.run(limit("b2", "bob", "buy", 100, 3), T0 + 10)).toEqual([
      expect.objectContaining({ type: "done", id: "b1", reason: "expired", remaining: 5 }),
      expect.objectContaining({ type: "accepted", id: "b2" }),
      { type: "level", side: "buy", price: 100, qty: 3 },
    ]);
  });

  it("expires several orders in one command by expiry time, then priority", () => {
    const h = book(
      limit("late", "a", "buy", 97, 1, { tif: "gtd", expireAt: T0 + 300 }),
      limit("first", "a", "buy", 98, 1, { tif: "gtd", expireAt: T0 + 200 }),
      limit("second", "a", "buy", 99, 1, { tif: "gtd", expireAt: T0 + 200 }),
    );
    expect(dones(h.run(tick(), T0 + 1_000)).map((d) => d.id)).toEqual(["first", "second", "late"]);
  });

  it("is rejected as already_expired when expireAt is not after the clock", () => {
    const h = book();
    expect(h.run(limit("b1", "alice", "buy", 100, 5, { tif: "gtd", expireAt: T0 }))).toEqual([
      { type: "rejected", id: "b1", command: "place", reason: "already_expired" },
    ]);
    expect(h.run(limit("b2", "alice", "buy", 100, 5, { tif: "gtd", expireAt: T0 + 1 }))[0]).toMatchObject({
      type: "accepted",
      tif: "gtd",
      expireAt: T0 + 1,
    });
  });

  it("uses the latest clock seen when a command's time goes backwards", () => {
    const h = book();
    h.run(tick(), T0 + 10_000);
    expect(h.run(limit("b1", "alice", "buy", 100, 5, { tif: "gtd", expireAt: T0 + 5_000 }), T0)[0]).toMatchObject({
      type: "rejected",
      reason: "already_expired",
    });
    expect(h.engine.now).toBe(T0 + 10_000);
  });

  it("nextExpiry is the earliest live expiry and skips cancelled orders", () => {
    const h = book();
    expect(h.engine.nextExpiry()).toBeUndefined();
    h.seed(
      limit("b1", "alice", "buy", 100, 1, { tif: "gtd", expireAt: T0 + 3_000 }),
      limit("b2", "alice", "buy", 100, 1, { tif: "gtd", expireAt: T0 + 1_000 }),
      limit("b3", "alice", "buy", 100, 1, { tif: "gtd", expireAt: T0 + 2_000 }),
      limit("b4", "alice", "buy", 100, 1),
    );
    expect(h.engine.nextExpiry()).toBe(T0 + 1_000);
    h.run(cancel("b2"));
    expect(h.engine.nextExpiry()).toBe(T0 + 2_000);
    h.run(tick(), T0 + 2_000);
    expect(h.engine.nextExpiry()).toBe(T0 + 3_000);
    h.run(tick(), T0 + 3_000);
    expect(h.engine.nextExpiry()).toBeUndefined();
    expect(h.engine.order("b4")).toBeDefined();
  });
});

describe("post-only", () => {
  it("rests when it does not cross", () => {
    const h = book(limit("s1", "m1", "sell", 101, 2));
    const events = h.run(limit("b1", "alice", "buy", 100, 5, { postOnly: true }));
    expect(events[0]).toMatchObject({ type: "accepted", postOnly: true });
    expect(h.engine.order("b1")).toMatchObject({ state: "resting", postOnly: true, remaining: 5 });
  });

  it("is rejected when it would take, even at exactly the best opposite price", () => {
    const h = book(limit("s1", "m1", "sell", 101, 2));
    const before = h.engine.snapshot();
    for (const price of [101, 105]) {
      expect(h.run(limit(`b${price}`, "alice", "buy", price, 5, { postOnly: true }))).toEqual([
        { type: "rejected", id: `b${price}`, command: "place", reason: "post_only_would_take" },
      ]);
    }
    expect(h.engine.snapshot()).toEqual(before);
  });

  it("is only allowed on resting time-in-force", () => {
    const h = book();
    expect(h.run(limit("b1", "alice", "buy", 100, 5, { postOnly: true, tif: "ioc" }))[0]).toMatchObject({
      type: "rejected",
      reason: "invalid_tif",
    });
    expect(
      h.run(limit("b2", "alice", "buy", 100, 5, { postOnly: true, tif: "gtd", expireAt: T0 + 1 }))[0],
    ).toMatchObject({ type: "accepted", postOnly: true, tif: "gtd" });
  });
});
