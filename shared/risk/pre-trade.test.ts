import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromUnits } from "../decimal.ts";
import type { Instrument } from "../instruments/schema.ts";
import { SEED_INSTRUMENTS } from "../instruments/seed.ts";
import {
  type AccountRiskState,
  checkOrderRisk,
  DEFAULT_MAX_OPEN_ORDERS,
  type RiskContext,
  type RiskOrder,
  requiredHold,
} from "./pre-trade.ts";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);
const BTC_USD = SEED_INSTRUMENTS[0] as Instrument;
const USD = 100_000_000n;
const RICH: AccountRiskState = { openOrders: 0, available: { USD: 1_000_000n * USD, BTC: 100n * USD } };
const REF: RiskContext = { referencePrice: "50000.00" };
const LIMIT_BUY: RiskOrder = { side: "buy", order_type: "limit", price: "50000.00", size: "0.001" };

function code(order: RiskOrder, account = RICH, ctx = REF, instrument = BTC_USD): string {
  const r = checkOrderRisk(order, instrument, account, ctx);
  return r.ok ? "ok" : r.code;
}

describe("checkOrderRisk", () => {
  it("accepts an order and returns its hold", () => {
    expect(checkOrderRisk(LIMIT_BUY, BTC_USD, RICH, REF)).toEqual({
      ok: true,
      hold: { ok: true, asset: "USD", amount: 5_010_000_000n },
    });
  });

  it("caps one order's notional when the account's class has a cap, for every way an order is sized", () => {
    const capped: RiskContext = { ...REF, maxOrderNotional: "1000" };
    // 0.02 × 50 000 = 1 000: at the cap passes; a lot more does not.
    expect(code({ ...LIMIT_BUY, size: "0.02" }, RICH, capped)).toBe("ok");
    expect(code({ ...LIMIT_BUY, size: "0.02001" }, RICH, capped)).toBe("notional_above_limit");
    // By funds, and a market order by size at the reference price.
    expect(code({ side: "buy", order_type: "market", funds: "1000.01" }, RICH, capped)).toBe("notional_above_limit");
    expect(code({ side: "buy", order_type: "market", funds: "1000" }, RICH, capped)).toBe("ok");
    expect(code({ side: "sell", order_type: "market", size: "0.03" }, RICH, capped)).toBe("notional_above_limit");
    // A stop order by size counts at its stop price.
    const stop: RiskOrder = { side: "sell", order_type: "stop", stop_price: "40000.00", size: "0.03" };
    expect(code(stop, RICH, capped)).toBe("notional_above_limit");
    expect(code({ ...stop, size: "0.025" }, RICH, capped)).toBe("ok");
    // No cap: no limit of this kind.
    expect(code({ ...LIMIT_BUY, size: "1" }, RICH, REF)).toBe("ok");
    const refused = checkOrderRisk({ ...LIMIT_BUY, size: "1" }, BTC_USD, RICH, capped);
    expect(refused).toMatchObject({ ok: false, code: "notional_above_limit", limit: "1000" });
  });

  it("refuses everything when the kill switch is on", () => {
    expect(code(LIMIT_BUY, { ...RICH, killed: true })).toBe("account_disabled");
    expect(code({ side: "buy", order_type: "limit" }, { ...RICH, killed: true })).toBe("account_disabled");
    expect(code(LIMIT_BUY, { ...RICH, killed: false })).toBe("ok");
  });

  it.each<[string, RiskOrder]>([
    ["limit without price", { side: "buy", order_type: "limit", size: "1" }],
    ["market with price", { side: "buy", order_type: "market", price: "50000.00", size: "1" }],
    ["stop without stop_price", { side: "sell", order_type: "stop", size: "1" }],
    ["limit with stop_price", { ...LIMIT_BUY, stop_price: "50000.00" }],
    ["size and funds", { side: "buy", order_type: "market", size: "1", funds: "100" }],
    ["neither size nor funds", { side: "buy", order_type: "market" }],
    ["funds on a limit", { side: "buy", order_type: "limit", price: "50000.00", funds: "100" }],
    ["bad side", { ...LIMIT_BUY, side: "hold" as "buy" }],
    ["bad type", { ...LIMIT_BUY, order_type: "iceberg" as "limit" }],
    ["malformed price", { ...LIMIT_BUY, price: "5e4" }],
    ["zero price", { ...LIMIT_BUY, price: "0" }],
    ["zero funds", { side: "buy", order_type: "market", funds: "0" }],
  ])("invalid_order: %s", (_name, order) => {
    expect(code(order)).toBe("invalid_order");
  });

  it.each<[string, RiskOrder]>([
    ["price_off_tick", { ...LIMIT_BUY, price: "50000.001" }],
    [
      "stop_price_off_tick",
      { side: "buy", order_type: "stop_limit", price: "50000.00", stop_price: "49000.005", size: "0.001" },
    ],
    ["size_off_lot", { ...LIMIT_BUY, size: "0.000015" }],
    ["funds_off_grid", { side: "buy", order_type: "market", funds: "100.00000001" }],
    ["size_below_minimum", { ...LIMIT_BUY, size: "0" }],
    ["size_above_maximum", { ...LIMIT_BUY, size: "1000.00001" }],
    ["notional_below_minimum", { ...LIMIT_BUY, size: "0.00001" }],
    ["notional_below_minimum", { side: "buy", order_type: "market", funds: "0.9" }],
    ["notional_below_minimum", { side: "buy", order_type: "market", funds: "1" }], // net of the 0.2 % fee
    ["value_too_large", { ...LIMIT_BUY, price: "900719925474099.92" }],
    ["notional_overflow", { ...LIMIT_BUY, price: "1000000.00", size: "1000" }],
  ])("%s", (expected, order) => {
    expect(code(order, RICH, {})).toBe(expected);
  });

  it("checks the limit price (limit and stop-limit) against the band around the reference price", () => {
    expect(code({ ...LIMIT_BUY, price: "55000.00" })).toBe("ok");
    expect(code({ ...LIMIT_BUY, price: "55000.01" })).toBe("price_outside_band");
    expect(code({ ...LIMIT_BUY, side: "sell", price: "45000.00" })).toBe("ok");
    expect(code({ ...LIMIT_BUY, side: "sell", price: "44999.99" })).toBe("price_outside_band");
    const stopLimit: RiskOrder = { ...LIMIT_BUY, order_type: "stop_limit", stop_price: "60000.00", price: "60000.00" };
    expect(code(stopLimit)).toBe("price_outside_band");
    expect(code({ ...LIMIT_BUY, price: "99999.99" }, RICH, {})).toBe("ok"); // no reference yet
  });

  it("caps open orders per account and instrument", () => {
    expect(DEFAULT_MAX_OPEN_ORDERS).toBe(200);
    expect(code(LIMIT_BUY, { ...RICH, openOrders: 199 })).toBe("ok");
    expect(checkOrderRisk(LIMIT_BUY, BTC_USD, { ...RICH, openOrders: 200 }, REF)).toMatchObject({
      ok: false,
      code: "too_many_open_orders",
      open_orders: 200,
      limit: 200,
    });
    expect(code(LIMIT_BUY, { ...RICH, openOrders: 5 }, { ...REF, maxOpenOrders: 5 })).toBe("too_many_open_orders");
  });

  it("refuses an order whose hold exceeds the available balance, with the amounts", () => {
    const poor: AccountRiskState = { openOrders: 0, available: { USD: 5_009_999_999n } };
    expect(checkOrderRisk(LIMIT_BUY, BTC_USD, poor, REF)).toEqual({
      ok: false,
      code: "insufficient_available",
      message: "the order needs 50.10000000 USD on hold; 50.09999999 is available",
      asset: "USD",
      available: 5_009_999_999n,
      required: 5_010_000_000n,
    });
    expect(code(LIMIT_BUY, { openOrders: 0, available: { USD: 5_010_000_000n } })).toBe("ok");
    expect(code({ ...LIMIT_BUY, side: "sell" }, { openOrders: 0, available: {} })).toBe("insufficient_available");
  });

  it("needs a reference price for a market buy by size", () => {
    expect(code({ side: "buy", order_type: "market", size: "0.001" }, RICH, {})).toBe("no_reference_price");
    expect(code({ side: "buy", order_type: "market", size: "0.001" })).toBe("ok");
  });

  it("checks in a stable order: kill switch, shape, band, open orders, balance", () => {
    const broke: AccountRiskState = { openOrders: 500, available: {} };
    expect(code({ ...LIMIT_BUY, price: "1.001" }, broke)).toBe("price_off_tick");
    expect(code({ ...LIMIT_BUY, price: "40000.00" }, broke)).toBe("price_outside_band");
    expect(code(LIMIT_BUY, broke)).toBe("too_many_open_orders");
    expect(code(LIMIT_BUY, { ...broke, openOrders: 0 })).toBe("insufficient_available");
  });

  it("accepts exactly when the available balance covers requiredHold (property)", () => {
    const order = fc.record({
      side: fc.constantFrom<"buy" | "sell">("buy", "sell"),
      ticks: fc.integer({ min: 4_500_000, max: 5_500_000 }),
      lots: fc.integer({ min: 3, max: 100_000 }),
      kind: fc.constantFrom<"limit" | "market">("limit", "market"),
    });
    fc.assert(
      fc.property(order, fc.bigInt({ min: -5n, max: 5n }), (o, delta) => {
        const wire: RiskOrder = {
          side: o.side,
          order_type: o.kind,
          size: fromUnits(o.lots, BTC_USD.lot_size),
          price: o.kind === "limit" ? fromUnits(o.ticks, BTC_USD.tick_size) : undefined,
        };
        const hold = requiredHold(wire, BTC_USD, REF);
        if (!hold.ok) throw new Error(hold.code);
        const available = hold.amount + delta;
        const r = checkOrderRisk(wire, BTC_USD, { openOrders: 0, available: { [hold.asset]: available } }, REF);
        if (delta >= 0n) expect(r).toEqual({ ok: true, hold });
        else expect(r).toMatchObject({ ok: false, code: "insufficient_available", available, required: hold.amount });
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses every limit price the band refuses, and only those (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 20_000_000 }), (ref, price) => {
        const wire: RiskOrder = {
          ...LIMIT_BUY,
          side: "sell",
          price: fromUnits(price, BTC_USD.tick_size),
          size: "100",
        };
        const inBand = Math.abs(price - ref) * 10 <= ref; // 10 %
        const r = code(
          wire,
          RICH,
          { referencePrice: fromUnits(ref, BTC_USD.tick_size) },
          { ...BTC_USD, min_notional: "0" },
        );
        expect(r).toBe(inBand ? "ok" : "price_outside_band");
      }),
      { numRuns: RUNS },
    );
  });
});
