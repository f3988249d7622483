import { describe, expect, it } from "vitest";
import { OpenOrders } from "./open-orders.ts";
import type { OrderRecord } from "./record.ts";

const order = (id: string, instrument: string, status: OrderRecord["status"], created_at = 1): OrderRecord =>
  ({ order_id: id, instrument, status, created_at }) as OrderRecord;

describe("OpenOrders", () => {
  it("counts open orders per instrument as they come and go", () => {
    const open = new OpenOrders([
      order("a", "BTC-USD", "new"),
      order("b", "BTC-USD", "new"),
      order("c", "ETH-USD", "new"),
    ]);
    expect([open.countOn("BTC-USD"), open.countOn("ETH-USD"), open.countOn("SOL-USD")]).toEqual([2, 1, 0]);
    open.set(order("a", "BTC-USD", "partially_filled")); // the same order again: no double count
    expect(open.countOn("BTC-USD")).toBe(2);
    open.delete("a");
    open.delete("a");
    open.delete("zzz");
    expect([open.countOn("BTC-USD"), open.size]).toEqual([1, 2]);
  });

  it("lists the orders still waiting for their book's first answer, and forgets the answered", () => {
    const waiting = order("p1", "BTC-USD", "pending_new", 10);
    const later = order("p2", "BTC-USD", "pending_new", 50);
    const open = new OpenOrders([waiting, later, order("n", "BTC-USD", "new")]);
    expect(open.pendingSince(20).map((r) => r.order_id)).toEqual(["p1"]);
    expect(open.hasPending()).toBe(true);
    waiting.status = "new"; // settled in place by the book's answer
    expect(open.pendingSince(100).map((r) => r.order_id)).toEqual(["p2"]);
    open.delete("p2");
    expect(open.hasPending()).toBe(false);
  });

  it("keeps its counts right with 10 000 open orders", () => {
    const open = new OpenOrders(Array.from({ length: 10_000 }, (_, i) => order(`o${i}`, "BTC-USD", "new")));
    expect(open.countOn("BTC-USD")).toBe(10_000);
    expect(open.pendingSince(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });
});
