import { describe, expect, it } from "vitest";
import {
  HOME_REGIONS,
  INSTRUMENT_STATUSES,
  type Instrument,
  InstrumentSchema,
  type InstrumentStatus,
  NewInstrumentSchema,
  statusAllows,
  TRADING_ACTIONS,
  type TradingAction,
} from "./schema.ts";

const BTC: Instrument = {
  symbol: "BTC-USD",
  base: "BTC",
  quote: "USD",
  tick_size: "0.01",
  lot_size: "0.00001",
  min_qty: "0.00001",
  max_qty: "1000",
  min_notional: "1",
  price_band_pct: "10",
  maker_fee_bps: 10,
  taker_fee_bps: 20,
  home_region: "enam",
  calendar: { kind: "24x7" },
  status: "open",
};

const valid = (v: unknown) => InstrumentSchema.safeParse(v).success;

/** The paths of the issues reported for `v`. */
function issuePaths(v: unknown): string[] {
  const r = InstrumentSchema.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
}

describe("InstrumentSchema", () => {
  it("accepts a valid instrument and returns it unchanged", () => {
    expect(InstrumentSchema.parse(BTC)).toEqual(BTC);
  });

  it("strips unknown keys", () => {
    expect(InstrumentSchema.parse({ ...BTC, extra: 1 })).toEqual(BTC);
  });

  it("accepts every home region and status", () => {
    for (const home_region of HOME_REGIONS) expect(valid({ ...BTC, home_region })).toBe(true);
    for (const status of INSTRUMENT_STATUSES) expect(valid({ ...BTC, status })).toBe(true);
  });

  it("accepts symbols like EUR-USD and AAPL-USD, numeric assets and a maker rebate", () => {
    expect(valid({ ...BTC, symbol: "AAPL-USD", base: "AAPL" })).toBe(true);
    expect(valid({ ...BTC, symbol: "1INCH-USDT", base: "1INCH", quote: "USDT" })).toBe(true);
    expect(valid({ ...BTC, maker_fee_bps: -100 })).toBe(true);
    expect(valid({ ...BTC, taker_fee_bps: 0, maker_fee_bps: 0 })).toBe(true);
    expect(valid({ ...BTC, min_notional: "0", price_band_pct: "100" })).toBe(true);
    expect(valid({ ...BTC, min_qty: "1000" })).toBe(true); // min = max
    expect(valid({ ...BTC, tick_size: "0.000000001", lot_size: "0.000000001", min_qty: "1", max_qty: "1" })).toBe(true);
  });

  it.each([
    ["symbol", { symbol: "btc-usd" }],
    ["symbol", { symbol: "BTCUSD" }],
    ["symbol", { symbol: "BTC-USD-X" }],
    ["symbol", { symbol: "ABCDEFGHIJKLM-USD" }],
    ["symbol", { symbol: "ETH-USD" }], // base/quote mismatch
    ["base", { base: "btc" }],
    ["tick_size", { tick_size: "0" }],
    ["tick_size", { tick_size: "-0.01" }],
    ["tick_size", { tick_size: "1e-2" }],
    ["lot_size", { lot_size: "0.000" }],
    ["lot_size", { tick_size: "0.0000000001", lot_size: "0.000000001", min_qty: "1", max_qty: "1" }], // 19 digits
    ["min_qty", { min_qty: "0" }],
    ["min_qty", { min_qty: "0.000015" }],
    ["max_qty", { max_qty: "1000.000001" }],
    ["max_qty", { min_qty: "2", max_qty: "1" }],
    ["min_notional", { min_notional: "-1" }],
    ["min_notional", { min_notional: 1 }],
    ["price_band_pct", { price_band_pct: "0" }],
    ["price_band_pct", { price_band_pct: "100.5" }],
    ["maker_fee_bps", { maker_fee_bps: -101 }],
    ["maker_fee_bps", { maker_fee_bps: 1001 }],
    ["maker_fee_bps", { maker_fee_bps: 1.5 }],
    ["taker_fee_bps", { taker_fee_bps: -1 }],
    ["taker_fee_bps", { taker_fee_bps: 1001 }],
    ["taker_fee_bps", { taker_fee_bps: "20" }],
    ["home_region", { home_region: "us-east" }],
    ["status", { status: "trading" }],
    ["calendar.tz", { calendar: { kind: "exchange", tz: "Nowhere/City", sessions: [], days: [], holidays: [] } }],
    ["calendar.kind", { calendar: { kind: "weekdays" } }],
  ])("rejects a bad %s: %j", (path, patch) => {
    expect(issuePaths({ ...BTC, ...patch })).toContain(path);
  });

  it("requires every field, including status", () => {
    for (const key of Object.keys(BTC)) {
      const { [key as keyof Instrument]: _omitted, ...rest } = BTC;
      expect(valid(rest), key).toBe(false);
    }
  });
});

describe("NewInstrumentSchema", () => {
  const { status: _status, ...draft } = BTC;

  it("defaults status to pre_open", () => {
    expect(NewInstrumentSchema.parse(draft)).toEqual({ ...BTC, status: "pre_open" });
  });

  it("keeps an explicit status", () => {
    expect(NewInstrumentSchema.parse({ ...draft, status: "halted" }).status).toBe("halted");
  });

  it("applies the same rules and rejects unknown keys", () => {
    expect(NewInstrumentSchema.safeParse({ ...draft, min_qty: "0.000015" }).success).toBe(false);
    expect(NewInstrumentSchema.safeParse({ ...draft, status: "live" }).success).toBe(false);
    expect(NewInstrumentSchema.safeParse({ ...draft, tick: "0.01" }).success).toBe(false);
  });
});

describe("statusAllows", () => {
  const table: Record<InstrumentStatus, TradingAction[]> = {
    open: ["place", "place_post_only", "cancel", "match"],
    post_only: ["place_post_only", "cancel", "match"],
    cancel_only: ["cancel", "match"],
    halted: ["cancel"],
    pre_open: ["cancel"],
    closed: ["cancel"],
    failover: [],
  };

  it.each(INSTRUMENT_STATUSES)("%s", (status) => {
    const allowed = TRADING_ACTIONS.filter((action) => statusAllows(status, action));
    expect(allowed).toEqual(table[status]);
  });

  it("allows cancels in every status an operator sets, nothing in failover, and taking orders only when open", () => {
    for (const status of INSTRUMENT_STATUSES) {
      expect(statusAllows(status, "cancel")).toBe(status !== "failover");
      expect(statusAllows(status, "place")).toBe(status === "open");
    }
  });
});
