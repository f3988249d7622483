import { describe, expect, it } from "vitest";
import { SEED_INSTRUMENTS } from "../instruments/seed.ts";
import { defaultDocument } from "./defaults.ts";
import { feedLimitsWith } from "./feed.ts";
import { withFees } from "./fees.ts";
import { withParameters } from "./instruments.ts";
import { maxOpenOrdersFor, maxOrderNotionalFor } from "./risk.ts";
import { validateDocument } from "./sections.ts";

const btc = SEED_INSTRUMENTS.find((i) => i.symbol === "BTC-USD");
if (!btc) throw new Error("seed has BTC-USD");

describe("rate-limits schema", () => {
  it("takes the RATE_LIMITS shape and names the failing path", () => {
    expect(validateDocument("rate-limits", { classes: { order_entry: { limit: 5, window: "10s" } } }).ok).toBe(true);
    expect(validateDocument("rate-limits", { ip: false }).ok).toBe(true);
    const bad = validateDocument("rate-limits", { classes: { order_entry: { limit: 0, window: "10s" } } });
    expect(bad).toMatchObject({ ok: false, issues: [{ path: "classes.order_entry.limit" }] });
  });

  it("refuses windows that do not parse, unknown classes and keys, and an order budget below a batch", () => {
    const window = validateDocument("rate-limits", { key: { limit: 10, window: "ten seconds" } });
    expect(window).toMatchObject({ ok: false, issues: [{ path: "key.window" }] });
    expect(validateDocument("rate-limits", { classes: { trading: { limit: 1, window: "1s" } } }).ok).toBe(false);
    expect(validateDocument("rate-limits", { ipp: { limit: 1, window: "1s" } }).ok).toBe(false);
    const small = validateDocument("rate-limits", { accountOrders: { limit: 5, window: "10s" } });
    expect(small).toMatchObject({ ok: false, issues: [{ path: "accountOrders.limit" }] });
  });
});

describe("feed schema", () => {
  it("checks soft against hard and lays the document over the vars", () => {
    const bad = validateDocument("feed", { slow_soft_limit: 500, slow_hard_limit: 400 });
    expect(bad).toMatchObject({ ok: false, issues: [{ path: "slow_hard_limit" }] });
    const env = { FEED_MAX_SUBSCRIPTIONS: "10", FEED_SLOW_SOFT_LIMIT: "100", FEED_SLOW_HARD_LIMIT: "300" };
    const { limits } = feedLimitsWith(env, { max_subscriptions: 25 });
    expect(limits.maxSubscriptions).toBe(25);
    expect(limits.slowHard).toBe(300);
  });

  it("keeps the vars when the document only fails together with them", () => {
    const env = { FEED_SLOW_SOFT_LIMIT: "100", FEED_SLOW_HARD_LIMIT: "300" };
    const result = feedLimitsWith(env, { slow_soft_limit: 400 });
    expect(result.error).toMatch(/FEED_SLOW_HARD_LIMIT/);
    expect(result.limits.slowSoft).toBe(100);
  });
});

describe("risk schema", () => {
  it("puts named accounts in their class and every other one in standard", () => {
    const parsed = validateDocument("risk", {
      classes: {
        standard: { max_open_orders_per_instrument: 50 },
        market_maker: { max_open_orders_per_instrument: 5000 },
      },
      accounts: { acc_mm: "market_maker" },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(maxOpenOrdersFor(parsed.document, "acc_mm")).toBe(5000);
    expect(maxOpenOrdersFor(parsed.document, "acc_other")).toBe(50);
    expect(maxOpenOrdersFor(undefined, "acc_other", 7)).toBe(7);
    expect(maxOpenOrdersFor(undefined, "acc_other")).toBe(200);
  });

  it("takes a per-order notional cap as a positive decimal string, per class", () => {
    const parsed = validateDocument("risk", {
      classes: { retail: { max_order_notional: "250000.50" } },
      accounts: { acc_r: "retail" },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(maxOrderNotionalFor(parsed.document, "acc_r")).toBe("250000.50");
    expect(maxOrderNotionalFor(parsed.document, "acc_other")).toBeUndefined();
    for (const bad of ["0", "0.00", "-5", "1e6", 1000]) {
      const refused = validateDocument("risk", { classes: { retail: { max_order_notional: bad } } });
      expect(refused).toMatchObject({ ok: false, issues: [{ path: "classes.retail.max_order_notional" }] });
    }
  });

  it("refuses an account in a class that does not exist", () => {
    const bad = validateDocument("risk", { accounts: { acc_1: "vip" } });
    expect(bad).toMatchObject({ ok: false, issues: [{ path: "accounts.acc_1" }] });
  });
});

describe("fees and instruments", () => {
  it("per-symbol fees beat the default, which beats the listing", () => {
    const parsed = validateDocument("fees", {
      default: { taker_fee_bps: 30 },
      instruments: { "BTC-USD": { maker_fee_bps: -2 } },
    });
    if (!parsed.ok) throw new Error("valid");
    expect(withFees(btc, parsed.document)).toMatchObject({ maker_fee_bps: -2, taker_fee_bps: 30 });
    expect(validateDocument("fees", { default: { taker_fee_bps: -1 } })).toMatchObject({
      ok: false,
      issues: [{ path: "default.taker_fee_bps" }],
    });
  });

  it("lays parameters over a listing and refuses malformed ones by path", () => {
    const parsed = validateDocument("instruments", { "BTC-USD": { price_band_pct: "2", status: "halted" } });
    if (!parsed.ok) throw new Error("valid");
    expect(withParameters(btc, parsed.document)).toMatchObject({
      price_band_pct: "2",
      status: "halted",
      tick_size: btc.tick_size,
    });
    expect(validateDocument("instruments", { "BTC-USD": { price_band_pct: "-1" } })).toMatchObject({
      ok: false,
      issues: [{ path: "BTC-USD.price_band_pct" }],
    });
    expect(validateDocument("instruments", { "BTC-USD": { fee: 1 } }).ok).toBe(false);
  });
});

describe("defaults", () => {
  it("shows the env vars as the documents in force", () => {
    const env = {
      RATE_LIMITS: '{"ip":{"limit":10,"window":"1m"}}',
      MAX_OPEN_ORDERS: "9",
      FEED_MAX_SUBSCRIPTIONS: "10",
    };
    expect(defaultDocument("rate-limits", env)).toEqual({ ip: { limit: 10, window: "1m" } });
    expect(defaultDocument("risk", env)).toEqual({
      classes: { standard: { max_open_orders_per_instrument: 9 } },
      accounts: {},
    });
    expect(defaultDocument("feed", env)).toEqual({ max_subscriptions: 10 });
    expect(defaultDocument("instruments", env)).toEqual({});
  });
});
