/**
 * An instrument's units: decimal strings on the wire ↔ integer ticks, lots and
 * funds units (tick × lot) inside the engine. Built once per instrument spec.
 */
import { fromUnits, parseDecimal, toUnits, unitProduct } from "../decimal.ts";
import type { Instrument } from "./schema.ts";

export type UnitResult = number | "off_grid" | "invalid" | "too_large";

/**
 * Formats counts of one unit as decimal strings, exactly as `fromUnits` does,
 * without re-parsing the unit or going through BigInt when the product is a
 * safe integer (every event field is formatted, so this runs per event).
 */
export class UnitFormatter {
  private readonly unit: string;
  private readonly digits: number;
  private readonly scale: number;

  constructor(unit: string) {
    const parsed = parseDecimal(unit);
    if (!parsed || parsed.digits > BigInt(Number.MAX_SAFE_INTEGER)) throw new TypeError(`not a usable unit: ${unit}`);
    this.unit = unit;
    this.digits = Number(parsed.digits);
    this.scale = parsed.scale;
  }

  format(count: number): string {
    const scaled = count * this.digits;
    if (!Number.isSafeInteger(scaled)) return fromUnits(count, this.unit);
    const negative = scaled < 0;
    let text = String(negative ? -scaled : scaled);
    if (this.scale > 0) {
      text = text.padStart(this.scale + 1, "0");
      text = `${text.slice(0, -this.scale)}.${text.slice(-this.scale)}`;
    }
    return negative ? `-${text}` : text;
  }
}

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
  private readonly prices: UnitFormatter;
  private readonly sizes: UnitFormatter;
  private readonly notionals: UnitFormatter;

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
    this.prices = new UnitFormatter(this.tick);
    this.sizes = new UnitFormatter(this.lot);
    this.notionals = new UnitFormatter(this.fundsUnit);
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
    return this.prices.format(ticks);
  }

  size(lots: number): string {
    return this.sizes.format(lots);
  }

  notional(units: number): string {
    return this.notionals.format(units);
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

/** The engine's options for a book in ticks and lots: the instrument's own limits are checked before
 * a command reaches it (order-book/wire.ts), so the engine only guards integer safety. */
export const ENGINE_OPTIONS = { maxPrice: Number.MAX_SAFE_INTEGER, maxQty: Number.MAX_SAFE_INTEGER };
