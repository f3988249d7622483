import { describe, expect, it } from "vitest";
import { AmendByRefSchema, OrderRefSchema, splitAmend } from "./order-ref.ts";

describe("order requests by reference", () => {
  it("takes exactly one of order_id and client_order_id", () => {
    expect(OrderRefSchema.safeParse({ order_id: "o-1" }).success).toBe(true);
    expect(OrderRefSchema.safeParse({ client_order_id: "c-1" }).success).toBe(true);
    expect(OrderRefSchema.safeParse({ order_id: "o-1", client_order_id: "c-1" }).success).toBe(false);
    expect(OrderRefSchema.safeParse({}).success).toBe(false);
    expect(OrderRefSchema.safeParse({ order_id: "has space" }).success).toBe(false);
  });

  it("splits an amendment into its reference and only the fields given", () => {
    const parsed = AmendByRefSchema.parse({ client_order_id: "c-1", price: "9.50" });
    expect(splitAmend(parsed)).toEqual({ ref: { client_order_id: "c-1" }, change: { price: "9.50" } });
  });

  it("refuses an amendment without a change or with both references, naming the field", () => {
    const none = AmendByRefSchema.safeParse({ order_id: "o-1" });
    expect(none.error?.issues.map((i) => i.message)).toEqual(["give size, price or stop_price"]);
    const both = AmendByRefSchema.safeParse({ order_id: "o-1", client_order_id: "c-1", size: "1" });
    expect(both.error?.issues.map((i) => i.path)).toEqual([["order_id"]]);
  });
});
