/**
 * The instrument spec the tests, the end-to-end journey and the load run list: crypto-like,
 * tick 0.01 and lot 0.001 (so prices "100.00" and sizes "1.5" fit), a ±50 % band, fees
 * 10/20 bps, traded around the clock. Plain TypeScript: usable in Node and in workerd.
 */
import type { Instrument } from "../shared/instruments/schema.ts";

export function testInstrument(symbol: string, overrides: Partial<Instrument> = {}): Instrument {
  return {
    symbol,
    base: symbol.split("-")[0] as string,
    quote: symbol.split("-")[1] as string,
    tick_size: "0.01",
    lot_size: "0.001",
    min_qty: "0.001",
    max_qty: "1000",
    min_notional: "0.01",
    price_band_pct: "50",
    maker_fee_bps: 10,
    taker_fee_bps: 20,
    home_region: "enam",
    calendar: { kind: "24x7" },
    status: "open",
    ...overrides,
  };
}
