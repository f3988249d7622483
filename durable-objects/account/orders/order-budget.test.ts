import { describe, expect, it } from "vitest";
import { OrderBudget } from "./order-budget.ts";

const budgets = { orders: { limit: 20, windowMs: 1000 }, cancels: { limit: 5, windowMs: 1000 } };

describe("OrderBudget", () => {
  it("admits a burst up to the limit, then one unit every window / limit; a refusal takes nothing", () => {
    let now = 1_000_000;
    const budget = new OrderBudget(budgets, () => now);
    for (let i = 0; i < 20; i++) expect(budget.take("orders")).toBeUndefined();
    const refused = budget.take("orders");
    expect(refused).toMatchObject({
      ok: false,
      code: "rate_limited",
      limit: "account:orders",
      retry_after_ms: 50,
      retry_after: 1,
      limit_units: 20,
      window_ms: 1000,
      reset_ms: 1000,
    });
    // Refusals do not push the wait further out.
    for (let i = 0; i < 10; i++) expect(budget.take("orders")?.retry_after_ms).toBe(50);
    now += 50;
    expect(budget.take("orders")).toBeUndefined();
    expect(budget.take("orders")).toBeDefined();
  });

  it("weighs a batch by its orders: it fits whole or takes nothing", () => {
    let now = 0;
    const budget = new OrderBudget(budgets, () => now);
    expect(budget.take("orders", 15)).toBeUndefined();
    expect(budget.take("orders", 10)).toMatchObject({ retry_after_ms: 250 });
    expect(budget.take("orders", 5)).toBeUndefined();
    now += 1000;
    expect(budget.take("orders", 20)).toBeUndefined();
  });

  it("keeps cancels apart: they pass while the order budget is spent; an absent budget never refuses", () => {
    const budget = new OrderBudget(budgets, () => 0);
    expect(budget.take("orders", 20)).toBeUndefined();
    expect(budget.take("orders")).toBeDefined();
    for (let i = 0; i < 5; i++) expect(budget.take("cancels")).toBeUndefined();
    expect(budget.take("cancels")).toMatchObject({ limit: "account:cancels" });
    const open = new OrderBudget({ orders: undefined, cancels: undefined }, () => 0);
    for (let i = 0; i < 1000; i++) expect(open.take("orders")).toBeUndefined();
  });

  it("reads the RATE_LIMITS var", () => {
    const budget = OrderBudget.fromVar('{"accountOrders":{"limit":20,"window":"1h"}}');
    for (let i = 0; i < 20; i++) budget.take("orders");
    expect(budget.take("orders")?.retry_after_ms).toBeGreaterThan(170_000);
  });
});
