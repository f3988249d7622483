/**
 * The order form's content and its checks against the instrument (tick and lot grids, size limits,
 * minimum notional), all on exact decimal strings: what is wrong with each field, the snapped value
 * to offer, the cost and fee estimate, and the `NewOrder` to send when nothing is wrong. The API
 * checks again; its refusal is the truth.
 */
import type { Instrument, NewOrder } from "@platform3/client";
import { basisPoints, compare, decimalsOf, multiply, onGrid, parse, snap } from "../../common/decimal.ts";
import { walkBook } from "./book-walk.ts";

export type Side = "buy" | "sell";
export type OrderType = NewOrder["type"];
export type TimeInForce = NonNullable<NewOrder["time_in_force"]>;

export interface OrderDraft {
  side: Side;
  type: OrderType;
  price: string;
  stopPrice: string;
  size: string;
  /** Market orders: sized in base (`size`) or by a quote budget (`funds`). */
  marketBy: "size" | "funds";
  funds: string;
  tif: TimeInForce;
  /** A `datetime-local` value, for gtd. */
  expire: string;
  postOnly: boolean;
}

export type Field = "price" | "stopPrice" | "size" | "funds" | "expire";
export type FieldErrors = Partial<Record<Field, string>>;

export const hasPrice = (type: OrderType) => type === "limit" || type === "stop_limit";
export const hasStop = (type: OrderType) => type === "stop" || type === "stop_limit";
export const byFunds = (d: OrderDraft) => d.type === "market" && d.marketBy === "funds";

function positive(value: string): string | undefined {
  const v = parse(value);
  if (!v) return value.trim() === "" ? "required" : "not a decimal number";
  return v.units > 0n ? undefined : "must be more than 0";
}

function priceError(value: string, tick: string): string | undefined {
  return positive(value) ?? (onGrid(value, tick) ? undefined : `not on the ${tick} tick`);
}

function sizeError(value: string, i: Instrument): string | undefined {
  const wrong = positive(value);
  if (wrong) return wrong;
  if (!onGrid(value, i.lot_size)) return `not a multiple of the ${i.lot_size} lot`;
  if (compare(value, i.min_qty) < 0) return `below the minimum size ${i.min_qty}`;
  if (compare(value, i.max_qty) > 0) return `above the maximum size ${i.max_qty}`;
  return undefined;
}

/** The price an estimate uses: the limit price, else the stop price (a stop's market order). */
export function referencePrice(d: OrderDraft): string | undefined {
  if (hasPrice(d.type)) return d.price;
  if (d.type === "stop") return d.stopPrice;
  return undefined;
}

/** Per-field problems (empty: the draft can be sent). */
export function checkDraft(d: OrderDraft, i: Instrument, now = Date.now()): FieldErrors {
  const errors: FieldErrors = {};
  if (hasPrice(d.type)) errors.price = priceError(d.price, i.tick_size);
  if (hasStop(d.type)) errors.stopPrice = priceError(d.stopPrice, i.tick_size);
  if (byFunds(d)) errors.funds = positive(d.funds);
  else errors.size = sizeError(d.size, i);
  if (d.tif === "gtd") {
    const at = d.expire ? new Date(d.expire).getTime() : Number.NaN;
    errors.expire = Number.isNaN(at) ? "required for gtd" : at <= now ? "must be in the future" : undefined;
  }
  const price = referencePrice(d);
  const notional = !errors.size && price && parse(price) ? multiply(price, d.size) : undefined;
  if (notional && compare(notional, i.min_notional) < 0) {
    errors.size = `price × size ${notional} is below the minimum notional ${i.min_notional}`;
  }
  for (const key of Object.keys(errors) as Field[]) if (errors[key] === undefined) delete errors[key];
  return errors;
}

/** The nearest grid value to offer for an off-grid price (buys round down, sells up) or size (down; at least one lot). */
export function snapOffer(field: "price" | "stopPrice" | "size", value: string, side: Side, i: Instrument) {
  const v = parse(value);
  if (!v || v.units <= 0n) return undefined;
  const step = field === "size" ? i.lot_size : i.tick_size;
  if (onGrid(value, step)) return undefined;
  const direction = field !== "size" && side === "sell" ? "up" : "down";
  const snapped = snap(value, step, direction);
  return snapped && compare(snapped, "0") > 0 ? snapped : snap(value, step, "up");
}

export interface Estimate {
  /** price × size, the funds budget, or (market by size) the book walked now; undefined: unknown. */
  cost: string | undefined;
  /** Market by size: the cost comes from the book as it is now, and whether it holds the whole size. */
  fromBook?: { complete: boolean; filled: string };
  fee: string | undefined;
  feeBps: number;
  liquidity: "maker" | "taker";
}

/**
 * Cost and the worst-case fee (taker, or maker for post-only), rounded up to `decimals`. A market
 * order by size is priced against `opposite`, the book side it would take from (asks for a buy).
 */
export function estimate(
  d: OrderDraft,
  i: Instrument,
  decimals: number,
  opposite?: readonly (readonly [string, string])[],
): Estimate {
  const maker = d.type === "limit" && d.postOnly;
  const feeBps = maker ? i.maker_fee_bps : i.taker_fee_bps;
  const price = referencePrice(d);
  let cost: string | undefined;
  let fromBook: Estimate["fromBook"];
  if (byFunds(d)) cost = parse(d.funds) ? d.funds.trim() : undefined;
  else if (price && parse(price) && parse(d.size)) cost = multiply(price.trim(), d.size.trim());
  else if (d.type === "market" && opposite && parse(d.size)) {
    const walk = walkBook(opposite, d.size.trim());
    if (walk && compare(walk.filled, "0") > 0) {
      cost = walk.cost;
      fromBook = { complete: walk.complete, filled: walk.filled };
    }
  }
  const fee = cost ? basisPoints(cost, feeBps, decimals) : undefined;
  return { cost, fee, feeBps, liquidity: maker ? "maker" : "taker", ...(fromBook ? { fromBook } : {}) };
}

/** The decimals a quote amount is shown with: the quote balance's, else price × size's. */
export function quoteDecimals(i: Instrument, quoteTotal: string | undefined): number {
  return quoteTotal ? decimalsOf(quoteTotal) : decimalsOf(i.tick_size) + decimalsOf(i.lot_size);
}

/** The request for a draft that passed {@link checkDraft}. */
export function toNewOrder(d: OrderDraft, i: Instrument): NewOrder {
  const order: NewOrder = { instrument: i.symbol, side: d.side, type: d.type, time_in_force: d.tif };
  if (hasPrice(d.type)) order.price = d.price.trim();
  if (hasStop(d.type)) order.stop_price = d.stopPrice.trim();
  if (byFunds(d)) order.funds = d.funds.trim();
  else order.size = d.size.trim();
  if (d.tif === "gtd") order.expire_time = new Date(d.expire).getTime();
  if (d.type === "limit" && d.postOnly) order.post_only = true;
  return order;
}
