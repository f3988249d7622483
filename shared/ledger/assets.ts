/**
 * Assets and their minor units: every balance, hold and fee is an integer count
 * of an asset's minor unit `10^-scale` (a `bigint`), and a decimal string on the wire.
 *
 * Also the exact bridges from an instrument's engine units to asset minor units:
 * lots → base minor units and funds units (one tick × one lot) → quote minor units.
 */
import { convertUnits, fromUnits, parseDecimal, toUnits, unitProduct } from "../decimal.ts";
import type { Instrument } from "../instruments/schema.ts";

/** Minor-unit scale (number of fraction digits) per asset code. */
export type AssetScales = Readonly<Record<string, number>>;

/** Scale of an asset the table does not name: 8 fraction digits (a satoshi). */
export const DEFAULT_ASSET_SCALE = 8;

/** Largest scale: a minor unit must itself be a wire decimal (at most 18 fraction digits). */
export const MAX_ASSET_SCALE = 18;

/**
 * The default table. Currencies use 8 fraction digits, finer than their cash unit,
 * because BTC-USD's funds unit (0.01 × 0.00001 = 0.0000001 USD) must be a whole number
 * of USD minor units. Whole-share equities use 0; listing fractional shares of one
 * needs a larger scale first (a scale can be raised safely, never lowered once balances exist).
 */
export const ASSET_SCALES: AssetScales = Object.freeze({
  BTC: 8,
  USD: 8,
  EUR: 8,
  AUD: 8,
  AAPL: 0,
  BHP: 0,
});

const ASSET_CODE_RE = /^[A-Z0-9]{1,12}$/;

/** True when `code` is an asset code: 1–12 upper-case letters or digits (as in the instrument schema). */
export function isAssetCode(code: string): boolean {
  return ASSET_CODE_RE.test(code);
}

/**
 * The scale of `code`'s minor unit: the table's entry, else {@link DEFAULT_ASSET_SCALE}.
 *
 * @throws RangeError if `code` is not an asset code or its scale is not an integer in 0…18.
 */
export function assetScale(code: string, scales: AssetScales = ASSET_SCALES): number {
  if (!isAssetCode(code)) throw new RangeError(`not an asset code: ${JSON.stringify(code)}`);
  const scale = Object.hasOwn(scales, code) ? scales[code] : DEFAULT_ASSET_SCALE;
  if (scale === undefined || !Number.isInteger(scale) || scale < 0 || scale > MAX_ASSET_SCALE) {
    throw new RangeError(`scale of ${code} must be an integer from 0 to ${MAX_ASSET_SCALE}, got ${scale}`);
  }
  return scale;
}

/**
 * The minor unit of `code` as a decimal string.
 *
 * @example assetUnit("USD") // "0.00000001"
 * @example assetUnit("AAPL") // "1"
 */
export function assetUnit(code: string, scales: AssetScales = ASSET_SCALES): string {
  const scale = assetScale(code, scales);
  return scale === 0 ? "1" : `0.${"1".padStart(scale, "0")}`;
}

/** Why an amount string was refused. */
export type AmountRejectCode = "invalid_amount" | "negative_amount" | "amount_off_grid";

/** {@link parseAmount}'s answer: minor units, or a stable reason. */
export type ParsedAmount = { ok: true; amount: bigint } | { ok: false; code: AmountRejectCode; message: string };

/**
 * A wire amount of `asset` in minor units, exactly. Zero is accepted (callers that need
 * a positive amount say so); a sign, exponent or more fraction digits than the asset has
 * (other than trailing zeros) are refused.
 *
 * @example parseAmount("1.5", "USD") // { ok: true, amount: 150000000n }
 * @example parseAmount("0.5", "AAPL") // { ok: false, code: "amount_off_grid", … }
 */
export function parseAmount(s: string, asset: string, scales: AssetScales = ASSET_SCALES): ParsedAmount {
  const unit = assetUnit(asset, scales);
  if (s.startsWith("-") && parseDecimal(s.slice(1)) !== null) {
    return { ok: false, code: "negative_amount", message: `amount ${s} must not be negative` };
  }
  const amount = toUnits(s, unit);
  if (amount === "invalid") {
    return { ok: false, code: "invalid_amount", message: `amount ${JSON.stringify(s)} is not a decimal like "12.34"` };
  }
  if (amount === "off_grid") {
    const digits = assetScale(asset, scales);
    return { ok: false, code: "amount_off_grid", message: `${asset} amounts have at most ${digits} fraction digits` };
  }
  return { ok: true, amount };
}

/**
 * `minor` units of `asset` as a decimal string with the asset's full precision
 * (a leading `-` when negative).
 *
 * @example formatAmount(150000000n, "USD") // "1.50000000"
 * @example formatAmount(3n, "AAPL") // "3"
 */
export function formatAmount(minor: bigint, asset: string, scales: AssetScales = ASSET_SCALES): string {
  return fromUnits(minor, assetUnit(asset, scales));
}

/** The instrument fields the asset bridges read. */
export type InstrumentAssetFields = Pick<Instrument, "symbol" | "base" | "quote" | "tick_size" | "lot_size">;

/** {@link checkInstrumentAssets}'s answer. */
export type InstrumentFit =
  | {
      ok: true;
      /** Base minor units in one lot. */
      baseMinorPerLot: bigint;
      /** Quote minor units in one funds unit (one tick × one lot). */
      quoteMinorPerFundsUnit: bigint;
    }
  | { ok: false; code: "lot_off_base_grid" | "funds_unit_off_quote_grid"; message: string };

/**
 * Whether an instrument's lot and funds unit are whole numbers of its assets' minor
 * units, so every engine quantity and notional converts to a ledger amount exactly.
 * Check it when an instrument is listed (or a scale changes).
 */
export function checkInstrumentAssets(
  instrument: InstrumentAssetFields,
  scales: AssetScales = ASSET_SCALES,
): InstrumentFit {
  const baseUnit = assetUnit(instrument.base, scales);
  const quoteUnit = assetUnit(instrument.quote, scales);
  const perLot = convertUnits(1n, instrument.lot_size, baseUnit);
  if (perLot === "off_grid") {
    return {
      ok: false,
      code: "lot_off_base_grid",
      message: `${instrument.symbol}: lot_size ${instrument.lot_size} is finer than the ${instrument.base} minor unit ${baseUnit}`,
    };
  }
  const fundsUnit = unitProduct(instrument.tick_size, instrument.lot_size);
  const perFunds = convertUnits(1n, fundsUnit, quoteUnit);
  if (perFunds === "off_grid") {
    return {
      ok: false,
      code: "funds_unit_off_quote_grid",
      message: `${instrument.symbol}: tick × lot ${fundsUnit} is finer than the ${instrument.quote} minor unit ${quoteUnit}`,
    };
  }
  return { ok: true, baseMinorPerLot: perLot, quoteMinorPerFundsUnit: perFunds };
}

/** True when {@link checkInstrumentAssets} finds the instrument representable in its assets' minor units. */
export function instrumentFitsAssets(instrument: InstrumentAssetFields, scales: AssetScales = ASSET_SCALES): boolean {
  return checkInstrumentAssets(instrument, scales).ok;
}

/**
 * `lots` of an instrument in base minor units, exactly.
 *
 * @throws RangeError when the result is not whole (never for an instrument that fits its assets).
 * @example lotsToBase(3n, BTC_USD) // 300n: 3 × 0.00001 BTC = 300 satoshi
 */
export function lotsToBase(
  lots: bigint | number,
  instrument: InstrumentAssetFields,
  scales: AssetScales = ASSET_SCALES,
): bigint {
  return exact(convertUnits(lots, instrument.lot_size, assetUnit(instrument.base, scales)), instrument, "lots");
}

/**
 * `funds` units (ticks × lots) of an instrument in quote minor units, exactly.
 *
 * @throws RangeError when the result is not whole (never for an instrument that fits its assets).
 * @example fundsToQuote(5_000_000n * 3n, BTC_USD) // 50 000.00 USD × 0.00003 BTC = 1.5 USD = 150000000n
 */
export function fundsToQuote(
  funds: bigint | number,
  instrument: InstrumentAssetFields,
  scales: AssetScales = ASSET_SCALES,
): bigint {
  const fundsUnit = unitProduct(instrument.tick_size, instrument.lot_size);
  return exact(convertUnits(funds, fundsUnit, assetUnit(instrument.quote, scales)), instrument, "funds");
}

function exact(result: bigint | "off_grid", instrument: InstrumentAssetFields, what: string): bigint {
  if (result === "off_grid") {
    throw new RangeError(
      `${instrument.symbol}: ${what} do not convert to whole minor units; check instrumentFitsAssets when listing`,
    );
  }
  return result;
}
