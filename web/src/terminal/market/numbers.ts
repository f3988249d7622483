/** Exact arithmetic the market panels need beyond common/decimal.ts: ratios and percentages, without floats. */
import { format, parse, rescale, subtract } from "../../common/decimal.ts";

/**
 * `part / whole × factor` to `decimals` places, rounded half away from zero ("1.25" of "50" →
 * "2.50" as a percentage); undefined when either is not a decimal or `whole` is zero.
 */
export function ratio(part: string, whole: string, factor: bigint, decimals: number): string | undefined {
  const p = parse(part);
  const w = parse(whole);
  if (!p || !w || w.units === 0n) return undefined;
  const scale = Math.max(p.scale, w.scale);
  const numer = rescale(p, scale).units * factor * 10n ** BigInt(decimals) * 2n;
  const denom = rescale(w, scale).units;
  // Doubled numerator: (2n/d ± 1) / 2 rounds half away from zero.
  let q = numer / denom;
  q = q >= 0n ? (q + 1n) / 2n : (q - 1n) / 2n;
  return format({ units: q, scale: decimals });
}

/** "+1.23" / "-0.50" / "0.00": the change from `from` to `to` in percent. */
export function percentChange(from: string | null, to: string | null): string | undefined {
  if (from === null || to === null) return undefined;
  const diff = subtract(to, from);
  if (diff === undefined) return undefined;
  const pct = ratio(diff, from, 100n, 2);
  if (pct === undefined) return undefined;
  return pct.startsWith("-") || /^0(\.0+)?$/.test(pct) ? pct : `+${pct}`;
}
