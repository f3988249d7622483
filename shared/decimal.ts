/**
 * Exact decimal strings ⇄ integer units, for prices, quantities and amounts on the wire.
 *
 * A wire decimal is a non-negative number written in plain positional notation:
 * `"0"`, `"123"`, `"123.45"`, `"0.001"`, `"1.50"`. No sign, no exponent, no leading
 * or trailing dot, no leading zeros in the integer part (other than a lone `"0"`),
 * no whitespace, at most {@link MAX_FRACTION_DIGITS} fraction digits and at most
 * {@link MAX_TOTAL_DIGITS} digits in all. Trailing fraction zeros are allowed
 * (`"1.50"`), so clients that print with a fixed number of decimals are accepted.
 *
 * All arithmetic is on `bigint`; no value ever passes through a float.
 */

/** A parsed non-negative decimal: its value is `digits / 10^scale`. */
export interface Decimal {
  digits: bigint;
  /** Number of fraction digits as written (`"1.50"` has scale 2). */
  scale: number;
}

/** Most fraction digits a wire decimal may have. */
export const MAX_FRACTION_DIGITS = 18;

/** Most digits (integer and fraction together) a wire decimal may have. */
export const MAX_TOTAL_DIGITS = 30;

const DECIMAL_RE = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/** The syntax of a wire decimal as a pattern (for schemas); the digit limits are {@link isDecimal}'s. */
export const DECIMAL_PATTERN = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

const POW10: bigint[] = [1n];

/** 10^n as a bigint (cached). */
function pow10(n: number): bigint {
  for (let i = POW10.length; i <= n; i++) POW10.push((POW10[i - 1] as bigint) * 10n);
  return POW10[n] as bigint;
}

/**
 * Parses a wire decimal, or returns `null` if `s` is not one (see the module
 * comment for the accepted syntax). Negative numbers are rejected.
 *
 * @example parseDecimal("123.45") // { digits: 12345n, scale: 2 }
 */
export function parseDecimal(s: string): Decimal | null {
  const m = DECIMAL_RE.exec(s);
  if (m === null) return null;
  const int = m[1] as string;
  const frac = m[2] ?? "";
  if (frac.length > MAX_FRACTION_DIGITS || int.length + frac.length > MAX_TOTAL_DIGITS) return null;
  return { digits: BigInt(int + frac), scale: frac.length };
}

/** True when `s` is a valid wire decimal ({@link parseDecimal} would accept it). */
export function isDecimal(s: string): boolean {
  return parseDecimal(s) !== null;
}

/** Compares two parsed decimals by value (`"1.5"` equals `"1.50"`): -1, 0 or 1. */
export function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const x = a.digits * pow10(b.scale);
  const y = b.digits * pow10(a.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Parses a unit (tick size, lot size…): a wire decimal greater than zero. Throws `RangeError` otherwise. */
function parseUnit(unit: string): Decimal {
  const u = parseDecimal(unit);
  if (u === null || u.digits === 0n) throw new RangeError(`invalid unit: ${JSON.stringify(unit)}`);
  return u;
}

/** Writes `n / 10^scale` with exactly `scale` fraction digits (a leading `-` when negative). */
function formatScaled(n: bigint, scale: number): string {
  const negative = n < 0n;
  let s = (negative ? -n : n).toString();
  if (scale > 0) {
    s = s.padStart(scale + 1, "0");
    s = `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  }
  return negative ? `-${s}` : s;
}

/** Converts a safe integer or bigint count to bigint; throws `RangeError` for non-integers and unsafe numbers. */
function toBigInt(units: bigint | number): bigint {
  if (typeof units === "bigint") return units;
  if (!Number.isSafeInteger(units)) throw new RangeError(`units must be a safe integer: ${units}`);
  return BigInt(units);
}

/**
 * How many `unit`s make `value`, exactly.
 *
 * @returns the count; `"off_grid"` when `value` is not a whole multiple of `unit`;
 *   `"invalid"` when `value` is not a wire decimal or `unit` is not a wire decimal greater than zero.
 * @example toUnits("123.45", "0.01") // 12345n
 * @example toUnits("123.455", "0.01") // "off_grid"
 */
export function toUnits(value: string, unit: string): bigint | "off_grid" | "invalid" {
  const v = parseDecimal(value);
  const u = parseDecimal(unit);
  if (v === null || u === null || u.digits === 0n) return "invalid";
  const numerator = v.digits * pow10(u.scale);
  const denominator = u.digits * pow10(v.scale);
  return numerator % denominator === 0n ? numerator / denominator : "off_grid";
}

/**
 * The decimal string for `units` × `unit`, written with exactly as many fraction
 * digits as `unit` has (so a quantity always prints at the instrument's precision).
 * Negative counts print with a leading `-` (for balances and deltas; wire inputs are never negative).
 *
 * @throws RangeError if `unit` is not a wire decimal greater than zero, or `units` is a non-integer / unsafe number.
 * @example fromUnits(12345n, "0.01") // "123.45"
 * @example fromUnits(5, "0.5") // "2.5"
 * @example fromUnits(3, "10") // "30"
 */
export function fromUnits(units: bigint | number, unit: string): string {
  const u = parseUnit(unit);
  return formatScaled(toBigInt(units) * u.digits, u.scale);
}

/**
 * The product of two units, written without trailing fraction zeros: the size of
 * one notional unit (one tick × one lot) in quote currency.
 * The result may have more fraction digits than a wire decimal allows (up to twice as many).
 *
 * @throws RangeError if either argument is not a wire decimal greater than zero.
 * @example unitProduct("0.01", "0.00001") // "0.0000001"
 * @example unitProduct("0.5", "10") // "5"
 */
export function unitProduct(a: string, b: string): string {
  const x = parseUnit(a);
  const y = parseUnit(b);
  let digits = x.digits * y.digits;
  let scale = x.scale + y.scale;
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale--;
  }
  return formatScaled(digits, scale);
}

/**
 * Re-expresses a count of `from` units as a count of `to` units, exactly
 * (e.g. notional in tick × lot units → cents of the quote currency).
 *
 * @returns the count in `to` units, or `"off_grid"` when it is not a whole number.
 * @throws RangeError if either unit is invalid or `units` is a non-integer / unsafe number.
 * @example convertUnits(150n, "0.001", "0.01") // 15n
 */
export function convertUnits(units: bigint | number, from: string, to: string): bigint | "off_grid" {
  const f = parseUnit(from);
  const t = parseUnit(to);
  const numerator = toBigInt(units) * f.digits * pow10(t.scale);
  const denominator = t.digits * pow10(f.scale);
  return numerator % denominator === 0n ? numerator / denominator : "off_grid";
}
