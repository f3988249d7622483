/**
 * An instrument's units: decimal strings on the wire ↔ integer ticks, lots and
 * funds units (tick × lot) inside the engine. Built once per instrument spec.
 */
import { fromUnits, parseDecimal, toUnits, unitProduct } from "../../shared/decimal.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";

export type UnitResult = number | "off_grid" | "invalid" | "too_large";

export class InstrumentUnits {
  readonly tick: string;
  readonly lot: string;
  /** Quote amount of one tick × one lot: the engine's funds unit. */
  readonly fundsUnit: string;
  readonly minLots: number;
  readonly maxLots: number;
  /** Smallest notional in funds units (min_notional rounded up to the grid). */
  readonly minNotional: number;
  /** Price band as a fraction digits/10^scale of a percent. */
  private readonly band: { digits: bigint; scale: number };

  constructor(spec: Instrument) {
    this.tick = spec.tick_size;
    this.lot = spec.lot_size;
    this.fundsUnit = unitProduct(spec.tick_size, spec.lot_size);
    this.minLots = mustCount(toUnits(spec.min_qty, spec.lot_size), "min_qty");
    this.maxLots = mustCount(toUnits(spec.max_qty, spec.lot_size), "max_qty");
    this.minNotional = ceilUnits(spec.min_notional, this.fundsUnit);
    const band = parseDecimal(spec.price_band_pct);
    if (!band) throw new TypeError(`price_band_pct is not a decimal: ${spec.price_band_pct}`);
    this.band = band;
  }

  ticks(value: string): UnitResult {
    return count(toUnits(value, this.tick));
  }

  lots(value: string): UnitResult {
    return count(toUnits(value, this.lot));
  }

  funds(value: string): UnitResult {
    return count(toUnits(value, this.fundsUnit));
  }

  price(ticks: number): string {
    return fromUnits(ticks, this.tick);
  }

  size(lots: number): string {
    return fromUnits(lots, this.lot);
  }

  notional(units: number): string {
    return fromUnits(units, this.fundsUnit);
  }

  /** Is `price` within the band around `reference` (both in ticks)? */
  withinBand(price: number, reference: number): boolean {
    const distance = BigInt(Math.abs(price - reference)) * 100n * 10n ** BigInt(this.band.scale);
    return distance <= BigInt(reference) * this.band.digits;
  }
}

function count(result: bigint | "off_grid" | "invalid"): UnitResult {
  if (typeof result !== "bigint") return result;
  return result > BigInt(Number.MAX_SAFE_INTEGER) ? "too_large" : Number(result);
}

function mustCount(result: bigint | "off_grid" | "invalid", field: string): number {
  const n = count(result);
  if (typeof n !== "number") throw new TypeError(`${field} is not a whole number of lots (${n})`);
  return n;
}

/** `value` in `unit`s, rounded up: the least whole number of units worth at least `value`. */
function ceilUnits(value: string, unit: string): number {
  const v = parseDecimal(value);
  const u = parseDecimal(unit);
  if (!v || !u) throw new TypeError(`not decimals: ${value}, ${unit}`);
  const scale = Math.max(v.scale, u.scale);
  const num = v.digits * 10n ** BigInt(scale - v.scale);
  const den = u.digits * 10n ** BigInt(scale - u.scale);
  const units = (num + den - 1n) / den;
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) throw new TypeError(`min_notional too large: ${value}`);
  return Number(units);
}
