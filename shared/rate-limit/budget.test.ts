import { describe, expect, it } from "vitest";
import { accountBudgetsFromVar, parseWindow, resolveAccountBudgets } from "./budget.ts";

describe("account budgets (RATE_LIMITS accountOrders, accountCancels)", () => {
  it("defaults to 200 orders and 1000 cancels per 10 s", () => {
    expect(accountBudgetsFromVar(undefined)).toEqual({
      orders: { limit: 200, windowMs: 10_000 },
      cancels: { limit: 1000, windowMs: 10_000 },
    });
  });

  it("reads them from the same var as the edge's budgets, merged over the defaults; false turns one off", () => {
    const text = '{"classes":{"order_entry":{"limit":500,"window":"10s"}},"accountOrders":{"limit":50,"window":"1s"}}';
    expect(accountBudgetsFromVar(text)).toEqual({
      orders: { limit: 50, windowMs: 1000 },
      cancels: { limit: 1000, windowMs: 10_000 },
    });
    expect(accountBudgetsFromVar('{"accountCancels":false}').cancels).toBeUndefined();
  });

  it("refuses budgets that could never pass a batch, or are malformed, naming the field", () => {
    expect(() => resolveAccountBudgets({ accountOrders: { limit: 10, window: "10s" } })).toThrow(
      /accountOrders.limit \(10\) is below 20/,
    );
    expect(() => resolveAccountBudgets({ accountCancels: { limit: 0, window: "10s" } })).toThrow(
      /accountCancels.limit must be a positive integer/,
    );
    expect(() => resolveAccountBudgets({ accountOrders: { limit: 100, window: "soon" } })).toThrow(
      /accountOrders.window "soon"/,
    );
    expect(() => accountBudgetsFromVar("{")).toThrow(/RATE_LIMITS is not JSON/);
    expect(parseWindow("2m", "x")).toBe(120_000);
  });
});
