import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareDecimal, parseDecimal, toUnits } from "../decimal.ts";
import { SEED_INSTRUMENTS } from "../instruments/seed.ts";
import {
  ASSET_SCALES,
  assetScale,
  assetUnit,
  checkInstrumentAssets,
  formatAmount,
  fundsToQuote,
  type InstrumentAssetFields,
  instrumentFitsAssets,
  lotsToBase,
  parseAmount,
} from "./assets.ts";

function seed(symbol: string): InstrumentAssetFields {
  const found = SEED_INSTRUMENTS.find((i) => i.symbol === symbol);
  if (found === undefined) throw new Error(`no seed instrument ${symbol}`);
  return found;
}

/** Minor units of a wire amount, failing the test when it does not parse. */
function minor(s: string, asset: string): bigint {
  const r = parseAmount(s, asset);
  if (!r.ok) throw new Error(`${s} ${asset}: ${r.code}`);
  return r.amount;
}

describe("assetScale and assetUnit", () => {
  it("reads the table and defaults to 8 fraction digits", () => {
    expect(assetUnit("USD")).toBe("0.00000001");
    expect(assetUnit("BTC")).toBe("0.00000001");
    expect(assetUnit("AAPL")).toBe("1");
    expect(assetUnit("BHP")).toBe("1");
    expect(assetUnit("ETH")).toBe("0.00000001");
    expect(assetScale("ETH")).toBe(8);
  });

  it("takes a custom table", () => {
    const scales = { ...ASSET_SCALES, JPY: 0, USD: 2, ETH: 18 };
    expect(assetUnit("JPY", scales)).toBe("1");
    expect(assetUnit("USD", scales)).toBe("0.01");
    expect(assetUnit("ETH", scales)).toBe("0.000000000000000001");
  });

  it("refuses bad codes and bad scales", () => {
    expect(() => assetUnit("usd")).toThrow(RangeError);
    expect(() => assetUnit("")).toThrow(RangeError);
    expect(() => assetUnit("TOOLONGASSETCODE")).toThrow(RangeError);
    expect(() => assetUnit("toString")).toThrow(RangeError);
    for (const bad of [19, -1, 1.5, Number.NaN]) {
      expect(() => assetUnit("X", { X: bad })).toThrow(RangeError);
    }
  });
});

describe("parseAmount and formatAmount", () => {
  it.each([
    ["1.5", "USD", 150_000_000n],
    ["1.50", "USD", 150_000_000n],
    ["0", "USD", 0n],
    ["0.00000001", "BTC", 1n],
    ["21000000", "BTC", 2_100_000_000_000_000n],
    ["12", "AAPL", 12n],
    ["12.000", "AAPL", 12n],
  ])("parses %s %s", (s, asset, expected) => {
    expect(parseAmount(s, asset)).toEqual({ ok: true, amount: expected });
  });

  it.each([
    ["0.5", "AAPL", "amount_off_grid"],
    ["0.000000001", "USD", "amount_off_grid"],
    ["-1", "USD", "negative_amount"],
    ["-0.5", "AAPL", "negative_amount"],
    ["1e3", "USD", "invalid_amount"],
    ["", "USD", "invalid_amount"],
    [" 1", "USD", "invalid_amount"],
    ["01", "USD", "invalid_amount"],
    ["1.", "USD", "invalid_amount"],
    ["-", "USD", "invalid_amount"],
    ["+1", "USD", "invalid_amount"],
    ["--1", "USD", "invalid_amount"],
  ])("refuses %j %s with %s", (s, asset, code) => {
    const r = parseAmount(s, asset);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe(code);
      expect(r.message).not.toBe("");
    }
  });

  it("formats with the asset's full precision, negatives with a sign", () => {
    expect(formatAmount(150_000_000n, "USD")).toBe("1.50000000");
    expect(formatAmount(-5n, "USD")).toBe("-0.00000005");
    expect(formatAmount(0n, "BTC")).toBe("0.00000000");
    expect(formatAmount(3n, "AAPL")).toBe("3");
  });

  it("round-trips any non-negative amount (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.constantFrom("USD", "BTC", "AAPL", "ETH"), (n, asset) => {
        expect(parseAmount(formatAmount(n, asset), asset)).toEqual({ ok: true, amount: n });
      }),
    );
  });
});

describe("instrument converters", () => {
  it("every seeded instrument fits its assets", () => {
    for (const instrument of SEED_INSTRUMENTS) {
      expect(instrumentFitsAssets(instrument), instrument.symbol).toBe(true);
    }
    expect(checkInstrumentAssets(seed("BTC-USD"))).toEqual({
      ok: true,
      baseMinorPerLot: 1000n,
      quoteMinorPerFundsUnit: 10n,
    });
    expect(checkInstrumentAssets(seed("EUR-USD"))).toEqual({
      ok: true,
      baseMinorPerLot: 100_000_000_000n,
      quoteMinorPerFundsUnit: 1_000_000n,
    });
    expect(checkInstrumentAssets(seed("AAPL-USD"))).toEqual({
      ok: true,
      baseMinorPerLot: 1n,
      quoteMinorPerFundsUnit: 1_000_000n,
    });
    expect(checkInstrumentAssets(seed("BHP-AUD"))).toEqual({
      ok: true,
      baseMinorPerLot: 1n,
      quoteMinorPerFundsUnit: 1_000_000n,
    });
  });

  // [symbol, price, size, price ticks, size lots, base amount, quote amount]
  it.each([
    ["BTC-USD", "50000.00", "1", 5_000_000n, 100_000n, "1", "50000"],
    ["BTC-USD", "64123.45", "0.00003", 6_412_345n, 3n, "0.00003", "1.9237035"],
    ["EUR-USD", "1.08125", "25000", 108_125n, 25n, "25000", "27031.25"],
    ["EUR-USD", "0.99999", "1000", 99_999n, 1n, "1000", "999.99"],
    ["AAPL-USD", "227.52", "13", 22_752n, 13n, "13", "2957.76"],
    ["BHP-AUD", "45.07", "300", 4_507n, 300n, "300", "13521"],
  ])("%s: %s × %s converts exactly", (symbol, price, size, ticks, lots, base, quote) => {
    const instrument = seed(symbol);
    expect(toUnits(price, instrument.tick_size)).toBe(ticks);
    expect(toUnits(size, instrument.lot_size)).toBe(lots);
    expect(lotsToBase(lots, instrument)).toBe(minor(base, instrument.base));
    expect(fundsToQuote(ticks * lots, instrument)).toBe(minor(quote, instrument.quote));
  });

  it("says when an instrument does not fit", () => {
    const btc = seed("BTC-USD");
    const coarseBtc = checkInstrumentAssets(btc, { ...ASSET_SCALES, BTC: 4 });
    expect(coarseBtc).toMatchObject({ ok: false, code: "lot_off_base_grid" });
    const cents = checkInstrumentAssets(btc, { ...ASSET_SCALES, USD: 2 });
    expect(cents).toMatchObject({ ok: false, code: "funds_unit_off_quote_grid" });
    const fractional = { ...seed("AAPL-USD"), lot_size: "0.1" };
    expect(instrumentFitsAssets(fractional)).toBe(false);
    expect(() => lotsToBase(1n, fractional)).toThrow(RangeError);
    expect(() => fundsToQuote(1n, btc, { ...ASSET_SCALES, USD: 2 })).toThrow(RangeError);
  });

  it("converts any price × size exactly when the instrument fits (property)", () => {
    /** A unit digits × 10^-scale. */
    const unit = fc.record({ digits: fc.bigInt({ min: 1n, max: 999n }), scale: fc.integer({ min: 0, max: 6 }) });
    const write = (u: { digits: bigint; scale: number }) => {
      const s = u.digits.toString().padStart(u.scale + 1, "0");
      return u.scale === 0 ? s : `${s.slice(0, -u.scale)}.${s.slice(-u.scale)}`;
    };
    fc.assert(
      fc.property(
        unit,
        unit,
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        (tick, lot, ticks, lots) => {
          const instrument = { symbol: "X-Y", base: "X", quote: "Y", tick_size: write(tick), lot_size: write(lot) };
          const scales = { X: lot.scale, Y: tick.scale + lot.scale };
          expect(instrumentFitsAssets(instrument, scales)).toBe(true);
          const quote = fundsToQuote(ticks * lots, instrument, scales);
          const exact = { digits: ticks * tick.digits * lots * lot.digits, scale: tick.scale + lot.scale };
          const got = parseDecimal(formatAmount(quote, "Y", scales));
          expect(got !== null && compareDecimal(got, exact)).toBe(0);
          const base = lotsToBase(lots, instrument, scales);
          expect(base).toBe(lots * lot.digits);
        },
      ),
    );
  });
});
