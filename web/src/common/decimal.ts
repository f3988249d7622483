/**
 * Exact decimal strings for the order form and the ladder: a value is a bigint of units of
 * 10^-scale, so "65000.10" × "0.015" is computed exactly and a price is checked against the
 * tick grid without a float ever holding it (the API's rule, docs/conventions.md).
 */

export interface Scaled {
  units: bigint;
  scale: number;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Parses a plain decimal string ("12", "0.015", "-3.5"); undefined for anything else. */
export function parse(value: string): Scaled | undefined {
  const s = value.trim();
  if (!DECIMAL.test(s)) return undefined;
  const negative = s.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? s.slice(1) : s).split(".");
  const units = BigInt(whole + fraction) * (negative ? -1n : 1n);
  return { units, scale: fraction.length };
}

export function rescale(value: Scaled, scale: number): Scaled {
  if (scale >= value.scale) return { units: value.units * 10n ** BigInt(scale - value.scale), scale };
  // Dropping digits: truncates towards zero (callers choose the scale so nothing is dropped).
  return { units: value.units / 10n ** BigInt(value.scale - scale), scale };
}

export function format(value: Scaled, minScale = 0): string {
  const scale = Math.max(value.scale, minScale);
  const v = rescale(value, scale);
  const negative = v.units < 0n;
  const digits = (negative ? -v.units : v.units).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** The number of decimals of a grid step ("0.01" → 2): what a value on that grid is shown with. */
export function decimalsOf(step: string): number {
  return parse(step)?.scale ?? 0;
}

export function multiply(a: string, b: string): string | undefined {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return undefined;
  return format({ units: x.units * y.units, scale: x.scale + y.scale });
}

export function add(a: string, b: string): string | undefined {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return undefined;
  const scale = Math.max(x.scale, y.scale);
  return format({ units: rescale(x, scale).units + rescale(y, scale).units, scale });
}

export function subtract(a: string, b: string): string | undefined {
  return add(a, b.startsWith("-") ? b.slice(1) : `-${b}`);
}

export function compare(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return Number.NaN;
  const scale = Math.max(x.scale, y.scale);
  const d = rescale(x, scale).units - rescale(y, scale).units;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** `value` × `bps` / 10 000, rounded up to `decimals` (a fee estimate never understates). */
export function basisPoints(value: string, bps: number, decimals: number): string | undefined {
  const x = parse(value);
  if (!x || !Number.isInteger(bps)) return undefined;
  const exact = x.units * BigInt(bps); // scale x.scale + 4
  const scale = x.scale + 4;
  if (decimals >= scale) return format(rescale({ units: exact, scale }, decimals));
  const divisor = 10n ** BigInt(scale - decimals);
  const rounded = exact / divisor + (exact % divisor > 0n ? 1n : 0n);
  return format({ units: rounded, scale: decimals });
}

/** Whether `value` is a whole multiple of `step` (the tick or lot grid). */
export function onGrid(value: string, step: string): boolean {
  const x = parse(value);
  const s = parse(step);
  if (!x || !s || s.units === 0n) return false;
  const scale = Math.max(x.scale, s.scale);
  return rescale(x, scale).units % rescale(s, scale).units === 0n;
}

/** `value` rounded to a multiple of `step`: down (bids, sizes) or up (asks). */
export function snap(value: string, step: string, direction: "down" | "up"): string | undefined {
  const x = parse(value);
  const s = parse(step);
  if (!x || !s || s.units <= 0n) return undefined;
  const scale = Math.max(x.scale, s.scale);
  const v = rescale(x, scale).units;
  const unit = rescale(s, scale).units;
  let q = v / unit;
  if (direction === "down" && v < 0n && v % unit !== 0n) q -= 1n;
  if (direction === "up" && v > 0n && v % unit !== 0n) q += 1n;
  // q × unit is at `scale`; a multiple of the step has no digits beyond the step's own.
  return format(rescale({ units: q * unit, scale }, s.scale), s.scale);
}
