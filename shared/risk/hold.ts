/**
 * How much an order must put on hold so that no fill it can get overdraws the account.
 *
 * | order | holds |
 * |---|---|
 * | buy limit / stop-limit | `price × size` in quote + `maxFee` of it |
 * | buy market / stop by size | `size × ⌈anchor × (1 + band)⌉` in quote + `maxFee` of it (anchor: reference price, or the stop price) |
 * | buy market / stop by funds | the funds, fee inclusive: the engine gets `fundsBudget`, the most whose notional plus `maxFee` fits |
 * | sell by size (any type) | the size in base |
 * | sell market / stop by funds | `⌊funds / ⌊anchor × (1 − band)⌋⌋` lots in base (at least one) |
 *
 * Fees on the fills must accrue per order (`accrueFee`) for the quote holds to cover
 * them exactly; band-sized holds rely on the book never filling a market order outside
 * the band around the price it is sized from.
 */
import { type AssetScales, fundsToQuote, lotsToBase } from "../ledger/assets.ts";
import { maxFee } from "../ledger/fees.ts";
import {
  bandCeiling,
  bandFloor,
  type OrderUnits,
  priceTicks,
  type RiskInstrument,
  type RiskOrder,
  type ShapeReject,
  toOrderUnits,
} from "./order-units.ts";

/** What to hold, in minor units of `asset`. */
export interface HoldRequirement {
  ok: true;
  asset: string;
  amount: bigint;
  /**
   * Buy orders sized by funds: the notional budget (funds units, tick × lot) to give the
   * engine instead of the client's funds, so that spending it plus the fee fits the hold.
   */
  fundsBudget?: bigint;
}

/** What a hold depends on besides the order. */
export interface HoldContext {
  /** Last trade price, else mid (a decimal on the tick grid); needed for market orders by size. */
  referencePrice?: string | undefined;
  /** Asset minor-unit scales (default `ASSET_SCALES`). */
  scales?: AssetScales | undefined;
}

/** A hold that cannot be sized: a market buy by size or market sell by funds with no reference price. */
export interface NoReferencePrice {
  ok: false;
  code: "no_reference_price";
  message: string;
}

export type HoldResult = HoldRequirement | ShapeReject | NoReferencePrice;

/**
 * The hold `order` needs on `instrument` (see the module table), or why the order is
 * refused (its shape, grid or limits; or `no_reference_price`).
 */
export function requiredHold(order: RiskOrder, instrument: RiskInstrument, ctx: HoldContext = {}): HoldResult {
  const units = toOrderUnits(order, instrument);
  if ("ok" in units) return units;
  return holdForUnits(units, instrument, ctx);
}

/** {@link requiredHold} for an order already in engine units (as `toOrderUnits` gives it). */
export function holdForUnits(
  order: OrderUnits,
  instrument: RiskInstrument,
  ctx: HoldContext = {},
): HoldRequirement | NoReferencePrice {
  const { base, quote } = instrument;
  const scales = ctx.scales;
  const { side, qty, funds, price } = order;
  if (side === "sell" && qty !== undefined) return held(base, lotsToBase(qty, instrument, scales));
  if (side === "buy" && funds !== undefined) {
    const amount = fundsToQuote(funds, instrument, scales);
    return { ...held(quote, amount), fundsBudget: fundsBudget(amount, instrument, scales) };
  }
  if (side === "buy" && qty !== undefined && price !== undefined) return buyHold(price * qty, instrument, scales);
  // A market or stop order whose fills are bounded by the band around the reference or stop price.
  const anchor =
    order.stopPrice ?? (ctx.referencePrice === undefined ? undefined : priceTicks(ctx.referencePrice, instrument));
  if (anchor === undefined) {
    return {
      ok: false,
      code: "no_reference_price",
      message: `${instrument.symbol} has no last trade or mid price yet to bound this market order; send a limit order`,
    };
  }
  if (side === "buy" && qty !== undefined) return buyHold(bandCeiling(anchor, instrument) * qty, instrument, scales);
  if (side === "sell" && funds !== undefined) {
    // Fills at or above the floor whose notional stays within the funds: at most this many lots.
    const most = funds / bandFloor(anchor, instrument);
    return held(base, lotsToBase(most > 0n ? most : 1n, instrument, scales));
  }
  throw new TypeError("an order needs a size or funds");
}

function held(asset: string, amount: bigint): HoldRequirement {
  return { ok: true, asset, amount };
}

/** A buy of `notional` funds units: its quote value plus the larger fee. */
function buyHold(notional: bigint, instrument: RiskInstrument, scales: AssetScales | undefined): HoldRequirement {
  const amount = fundsToQuote(notional, instrument, scales);
  return held(instrument.quote, amount + maxFee(amount, instrument));
}

/**
 * The most funds units whose quote value plus `maxFee` of it fits in `hold` quote minor units.
 */
export function fundsBudget(hold: bigint, instrument: RiskInstrument, scales?: AssetScales): bigint {
  const perUnit = fundsToQuote(1n, instrument, scales);
  const bps = BigInt(Math.max(instrument.maker_fee_bps, instrument.taker_fee_bps, 0));
  let budget = (hold * 10_000n) / ((10_000n + bps) * perUnit);
  const cost = (units: bigint) => {
    const notional = units * perUnit;
    return notional + maxFee(notional, instrument);
  };
  while (budget > 0n && cost(budget) > hold) budget--;
  return budget;
}
