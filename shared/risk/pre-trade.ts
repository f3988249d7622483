/**
 * Pre-trade risk for one new order of one account: kill switch, the book's own checks
 * (shape, grid, size, minimum notional, price band) done early, the open-order cap, and
 * enough available balance for the order's hold. Pure: the caller passes the account's state.
 */
import { type AssetScales, formatAmount } from "../ledger/assets.ts";
import { type HoldRequirement, holdForUnits } from "./hold.ts";
import {
  maxNotionalUnits,
  minNotionalUnits,
  type OrderShapeCode,
  orderNotionalUnits,
  priceTicks,
  type RiskInstrument,
  type RiskOrder,
  toOrderUnits,
  withinBand,
} from "./order-units.ts";

export { type HoldContext, type HoldRequirement, type HoldResult, requiredHold } from "./hold.ts";
export type { OrderShapeCode, RiskInstrument, RiskOrder } from "./order-units.ts";

/** Open orders (resting orders and untriggered stops) an account may have on one instrument by default. */
export const DEFAULT_MAX_OPEN_ORDERS = 200;

/** What risk needs to know about the account. */
export interface AccountRiskState {
  /** The account's open orders and untriggered stops on this instrument. */
  openOrders: number;
  /** Kill switch: a disabled account places nothing. */
  killed?: boolean | undefined;
  /** Available balance per asset in minor units; a missing asset has none. */
  available: Readonly<Record<string, bigint>>;
}

/** What risk needs to know about the market and its limits. */
export interface RiskContext {
  /** Last trade price, else mid (a decimal on the tick grid); undefined before there is one. */
  referencePrice?: string | undefined;
  /** Open-order cap per account and instrument (default {@link DEFAULT_MAX_OPEN_ORDERS}). */
  maxOpenOrders?: number | undefined;
  /** The most notional one order may have, a quote-currency decimal (the account class's; undefined: no cap). */
  maxOrderNotional?: string | undefined;
  /** Asset minor-unit scales (default `ASSET_SCALES`). */
  scales?: AssetScales | undefined;
}

/** Stable codes of {@link RiskReject}. */
export type RiskRejectCode =
  | OrderShapeCode
  | "account_disabled"
  | "price_outside_band"
  | "no_reference_price"
  | "too_many_open_orders"
  | "notional_above_limit"
  | "insufficient_available";

/** Why risk refuses an order; the amounts involved where there are some. */
export type RiskReject =
  | {
      ok: false;
      code: Exclude<RiskRejectCode, "too_many_open_orders" | "notional_above_limit" | "insufficient_available">;
      message: string;
    }
  | { ok: false; code: "too_many_open_orders"; message: string; open_orders: number; limit: number }
  | { ok: false; code: "notional_above_limit"; message: string; limit: string }
  | { ok: false; code: "insufficient_available"; message: string; asset: string; available: bigint; required: bigint };

/** An accepted order and the hold to place before it goes to the book. */
export interface RiskOk {
  ok: true;
  hold: HoldRequirement;
}

/**
 * Checks a new order, first failure wins: `account_disabled`; the order's shape, grid and
 * limits (codes as the book's); `price_outside_band` for a limit price (limit and stop-limit)
 * too far from the reference price; `too_many_open_orders` when the account already has
 * `maxOpenOrders` open on the instrument (any new order counts, market orders too);
 * `notional_above_limit` when the order's notional (price × size, its funds, or the reference
 * price × size for a market or stop order by size) exceeds `maxOrderNotional`;
 * `no_reference_price` when a market order's hold depends on a price there is not yet;
 * `insufficient_available` when the hold ({@link requiredHold}) exceeds the available balance.
 */
export function checkOrderRisk(
  order: RiskOrder,
  instrument: RiskInstrument,
  account: AccountRiskState,
  ctx: RiskContext = {},
): RiskOk | RiskReject {
  if (account.killed === true) {
    return { ok: false, code: "account_disabled", message: "trading is disabled for this account" };
  }
  const units = toOrderUnits(order, instrument);
  if ("ok" in units) return units;
  if (units.price !== undefined && ctx.referencePrice !== undefined) {
    if (!withinBand(units.price, priceTicks(ctx.referencePrice, instrument), instrument)) {
      return {
        ok: false,
        code: "price_outside_band",
        message: `price ${order.price} is more than ${instrument.price_band_pct}% from the reference price ${ctx.referencePrice}`,
      };
    }
  }
  const limit = ctx.maxOpenOrders ?? DEFAULT_MAX_OPEN_ORDERS;
  if (account.openOrders >= limit) {
    return {
      ok: false,
      code: "too_many_open_orders",
      message: `at most ${limit} open orders per instrument; cancel some first`,
      open_orders: account.openOrders,
      limit,
    };
  }
  if (ctx.maxOrderNotional !== undefined) {
    const reference = ctx.referencePrice === undefined ? undefined : priceTicks(ctx.referencePrice, instrument);
    const notional = orderNotionalUnits(units, reference);
    if (notional !== undefined && notional > maxNotionalUnits(ctx.maxOrderNotional, instrument)) {
      return {
        ok: false,
        code: "notional_above_limit",
        message: `an order's notional may be at most ${ctx.maxOrderNotional} ${instrument.quote} for this account`,
        limit: ctx.maxOrderNotional,
      };
    }
  }
  const hold = holdForUnits(units, instrument, ctx);
  if (!hold.ok) return hold;
  if (hold.fundsBudget !== undefined && hold.fundsBudget < minNotionalUnits(instrument)) {
    return {
      ok: false,
      code: "notional_below_minimum",
      message: `funds net of fees must be at least ${instrument.min_notional}`,
    };
  }
  const available = account.available[hold.asset] ?? 0n;
  const fmt = (n: bigint) => formatAmount(n, hold.asset, ctx.scales);
  if (available < hold.amount) {
    return {
      ok: false,
      code: "insufficient_available",
      message: `the order needs ${fmt(hold.amount)} ${hold.asset} on hold; ${fmt(available)} is available`,
      asset: hold.asset,
      available,
      required: hold.amount,
    };
  }
  return { ok: true, hold };
}
