/**
 * A wire order (snake_case, decimal strings) in an instrument's integer units, checked the
 * way the order book checks it: shape, tick and lot grid, size limits, minimum notional.
 * Also the price band arithmetic. Everything is `bigint`; nothing passes through a float.
 */
import { parseDecimal, toUnits, unitProduct } from "../decimal.ts";
import type { Instrument } from "../instruments/schema.ts";

/** The order fields risk reads; the OrderBook's `PlaceCommand` fits it. */
export interface RiskOrder {
  side: "buy" | "sell";
  order_type: "limit" | "market" | "stop" | "stop_limit";
  price?: string | undefined;
  stop_price?: string | undefined;
  size?: string | undefined;
  funds?: string | undefined;
}

/** The instrument fields risk reads. */
export type RiskInstrument = Pick<
  Instrument,
  | "symbol"
  | "base"
  | "quote"
  | "tick_size"
  | "lot_size"
  | "min_qty"
  | "max_qty"
  | "min_notional"
  | "price_band_pct"
  | "maker_fee_bps"
  | "taker_fee_bps"
>;

/** An order in engine units: prices in ticks, size in lots, funds in tick × lot units. */
export interface OrderUnits {
  side: "buy" | "sell";
  kind: RiskOrder["order_type"];
  price?: bigint;
  stopPrice?: bigint;
  qty?: bigint;
  funds?: bigint;
}

/** Codes for orders refused by their shape or the instrument's grid and limits (as the book names them). */
export type OrderShapeCode =
  | "invalid_order"
  | "price_off_tick"
  | "stop_price_off_tick"
  | "size_off_lot"
  | "funds_off_grid"
  | "value_too_large"
  | "size_below_minimum"
  | "size_above_maximum"
  | "notional_below_minimum"
  | "notional_overflow";

/** A refusal with a stable code, and the field it is about when it is about one. */
export interface ShapeReject {
  ok: false;
  code: OrderShapeCode;
  message: string;
  field?: "price" | "stop_price" | "size" | "funds";
}

type Field = NonNullable<ShapeReject["field"]>;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function refuse(code: OrderShapeCode, message: string, field?: Field): ShapeReject {
  return field === undefined ? { ok: false, code, message } : { ok: false, code, message, field };
}

/** `value` in `unit`s, rounded up. */
function ceilUnits(value: string, unit: string): bigint {
  const v = parseDecimal(value);
  const u = parseDecimal(unit);
  if (v === null || u === null || u.digits === 0n) throw new RangeError(`not decimals: ${value}, ${unit}`);
  const scale = Math.max(v.scale, u.scale);
  const num = v.digits * 10n ** BigInt(scale - v.scale);
  const den = u.digits * 10n ** BigInt(scale - u.scale);
  return (num + den - 1n) / den;
}

/** ⌊value / unit⌋ for non-negative decimals: the most whole units within `value`. */
function floorUnits(value: string, unit: string): bigint {
  const v = parseDecimal(value);
  const u = parseDecimal(unit);
  if (v === null || u === null || u.digits === 0n) throw new RangeError(`not decimals: ${value}, ${unit}`);
  const scale = Math.max(v.scale, u.scale);
  return (v.digits * 10n ** BigInt(scale - v.scale)) / (u.digits * 10n ** BigInt(scale - u.scale));
}

/** The most notional (quote, a decimal) an order may have, in funds units (tick × lot). */
export function maxNotionalUnits(maxNotional: string, instrument: RiskInstrument): bigint {
  return floorUnits(maxNotional, unitProduct(instrument.tick_size, instrument.lot_size));
}

/**
 * An order's notional in funds units: price × size when priced, its funds when given, else
 * the reference price × size (a market or stop order by size); undefined without a price.
 */
export function orderNotionalUnits(units: OrderUnits, referenceTicks: bigint | undefined): bigint | undefined {
  if (units.funds !== undefined) return units.funds;
  if (units.qty === undefined) return undefined;
  const price = units.price ?? units.stopPrice ?? referenceTicks;
  return price === undefined ? undefined : price * units.qty;
}

/** Parses one field to a positive count of `unit`s no larger than the engine's safe integers. */
function count(
  value: string,
  unit: string,
  field: Field,
  offGrid: OrderShapeCode,
  allowZero = false,
): bigint | ShapeReject {
  const n = toUnits(value, unit);
  if (n === "invalid") return refuse("invalid_order", `${field} ${JSON.stringify(value)} is not a decimal`, field);
  if (n === "off_grid") return refuse(offGrid, `${field} ${value} is not a multiple of ${unit}`, field);
  if (n === 0n && !allowZero) return refuse("invalid_order", `${field} must be greater than 0`, field);
  if (n > MAX_SAFE) return refuse("value_too_large", `${field} ${value} is too large`, field);
  return n;
}

/** Which fields each order type takes: price, stop price, funds instead of size. */
const SHAPE: Record<RiskOrder["order_type"], { price: boolean; stop: boolean; funds: boolean }> = {
  limit: { price: true, stop: false, funds: false },
  market: { price: false, stop: false, funds: true },
  stop: { price: false, stop: true, funds: true },
  stop_limit: { price: true, stop: true, funds: false },
};

/**
 * `order` in engine units, or the first reason the book would refuse it: shape
 * (`invalid_order`), grid (`price_off_tick`, `stop_price_off_tick`, `size_off_lot`,
 * `funds_off_grid`), limits (`size_below_minimum`, `size_above_maximum`,
 * `notional_below_minimum`) and size (`value_too_large`, `notional_overflow`).
 * The price band is separate ({@link withinBand}).
 */
export function toOrderUnits(order: RiskOrder, instrument: RiskInstrument): OrderUnits | ShapeReject {
  const shape = SHAPE[order.order_type];
  if (shape === undefined || (order.side !== "buy" && order.side !== "sell")) {
    return refuse("invalid_order", "side must be buy or sell; order_type limit, market, stop or stop_limit");
  }
  if ((order.price !== undefined) !== shape.price) {
    return refuse(
      "invalid_order",
      `price is ${shape.price ? "required" : "not allowed"} for ${order.order_type}`,
      "price",
    );
  }
  if ((order.stop_price !== undefined) !== shape.stop) {
    const message = `stop_price is ${shape.stop ? "required" : "not allowed"} for ${order.order_type}`;
    return refuse("invalid_order", message, "stop_price");
  }
  if ((order.size === undefined) === (order.funds === undefined) || (order.funds !== undefined && !shape.funds)) {
    const message = `${order.order_type} takes ${shape.funds ? "size or funds" : "size"}, exactly one`;
    return refuse("invalid_order", message, order.funds !== undefined && !shape.funds ? "funds" : "size");
  }
  const out: OrderUnits = { side: order.side, kind: order.order_type };
  const fundsUnit = unitProduct(instrument.tick_size, instrument.lot_size);
  const minNotional = ceilUnits(instrument.min_notional, fundsUnit);
  if (order.price !== undefined) {
    const ticks = count(order.price, instrument.tick_size, "price", "price_off_tick");
    if (typeof ticks !== "bigint") return ticks;
    out.price = ticks;
  }
  if (order.stop_price !== undefined) {
    const ticks = count(order.stop_price, instrument.tick_size, "stop_price", "stop_price_off_tick");
    if (typeof ticks !== "bigint") return ticks;
    out.stopPrice = ticks;
  }
  if (order.size !== undefined) {
    const lots = count(order.size, instrument.lot_size, "size", "size_off_lot", true);
    if (typeof lots !== "bigint") return lots;
    if (lots < ceilUnits(instrument.min_qty, instrument.lot_size)) {
      return refuse("size_below_minimum", `size must be at least ${instrument.min_qty}`, "size");
    }
    if (lots > ceilUnits(instrument.max_qty, instrument.lot_size)) {
      return refuse("size_above_maximum", `size must be at most ${instrument.max_qty}`, "size");
    }
    out.qty = lots;
    if (out.price !== undefined) {
      const notional = out.price * lots;
      if (notional > MAX_SAFE) return refuse("notional_overflow", "price × size is too large", "size");
      if (notional < minNotional) {
        return refuse("notional_below_minimum", `price × size must be at least ${instrument.min_notional}`, "size");
      }
    }
  }
  if (order.funds !== undefined) {
    const funds = count(order.funds, fundsUnit, "funds", "funds_off_grid");
    if (typeof funds !== "bigint") return funds;
    if (funds < minNotional)
      return refuse("notional_below_minimum", `funds must be at least ${instrument.min_notional}`, "funds");
    out.funds = funds;
  }
  return out;
}

/**
 * An amendment's new values checked against the grid and limits the way a new order's are:
 * a price or stop price is a positive multiple of the tick, a size (the new total, filled
 * included) a positive multiple of the lot within the instrument's maximum. The first
 * refusal, or undefined when every given value fits.
 */
export function checkAmendUnits(
  change: { price?: string | undefined; stop_price?: string | undefined; size?: string | undefined },
  instrument: RiskInstrument,
): ShapeReject | undefined {
  if (change.price !== undefined) {
    const ticks = count(change.price, instrument.tick_size, "price", "price_off_tick");
    if (typeof ticks !== "bigint") return ticks;
  }
  if (change.stop_price !== undefined) {
    const ticks = count(change.stop_price, instrument.tick_size, "stop_price", "stop_price_off_tick");
    if (typeof ticks !== "bigint") return ticks;
  }
  if (change.size !== undefined) {
    const lots = count(change.size, instrument.lot_size, "size", "size_off_lot");
    if (typeof lots !== "bigint") return lots;
    if (lots > ceilUnits(instrument.max_qty, instrument.lot_size)) {
      return refuse("size_above_maximum", `size must be at most ${instrument.max_qty}`, "size");
    }
  }
  return undefined;
}

/** The smallest funds amount (in funds units) an order may have. */
export function minNotionalUnits(instrument: RiskInstrument): bigint {
  return ceilUnits(instrument.min_notional, unitProduct(instrument.tick_size, instrument.lot_size));
}

/** A price in ticks, for reference and stop prices that come from the book. */
export function priceTicks(price: string, instrument: RiskInstrument): bigint {
  const ticks = toUnits(price, instrument.tick_size);
  if (typeof ticks !== "bigint" || ticks <= 0n) {
    throw new RangeError(`${instrument.symbol}: price ${JSON.stringify(price)} is not a positive multiple of the tick`);
  }
  return ticks;
}

function band(instrument: RiskInstrument): { digits: bigint; den: bigint } {
  const pct = parseDecimal(instrument.price_band_pct);
  if (pct === null) throw new RangeError(`${instrument.symbol}: price_band_pct is not a decimal`);
  return { digits: pct.digits, den: 100n * 10n ** BigInt(pct.scale) };
}

/** Is `price` within the band around `reference` (both in ticks)? Same rule as the book. */
export function withinBand(price: bigint, reference: bigint, instrument: RiskInstrument): boolean {
  const { digits, den } = band(instrument);
  const distance = price > reference ? price - reference : reference - price;
  return distance * den <= reference * digits;
}

/** `anchor × (1 + band)` in ticks, rounded up: no in-band price is higher. */
export function bandCeiling(anchor: bigint, instrument: RiskInstrument): bigint {
  const { digits, den } = band(instrument);
  return anchor + (anchor * digits + den - 1n) / den;
}

/** `anchor × (1 − band)` in ticks, rounded down but at least one tick: no in-band price is lower. */
export function bandFloor(anchor: bigint, instrument: RiskInstrument): bigint {
  const { digits, den } = band(instrument);
  const floor = anchor - (anchor * digits + den - 1n) / den;
  return floor > 0n ? floor : 1n;
}
