import { Order } from "./order.ts";
import type {
  AmendOrder,
  OrderKind,
  PlaceOrder,
  RejectReason,
  SelfTradePrevention,
  Side,
  TimeInForce,
} from "./types.ts";

export interface Limits {
  maxPrice: number;
  maxQty: number;
}

// Plain comparisons rather than Set lookups: these run on every order.
const isSide = (v: unknown): v is Side => v === "buy" || v === "sell";
const isKind = (v: unknown): v is OrderKind => v === "limit" || v === "market" || v === "stop" || v === "stop_limit";
const isTif = (v: unknown): v is TimeInForce => v === "gtc" || v === "ioc" || v === "fok" || v === "gtd";
const isStp = (v: unknown): v is SelfTradePrevention =>
  v === "cancel_newest" || v === "cancel_oldest" || v === "cancel_both" || v === "decrement_and_cancel";

/** Largest accepted id or account length: ids are stored and echoed, so keep them bounded. */
export const MAX_ID_LENGTH = 64;

export function isId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

/** `price_off_tick` for a finite fraction, `invalid_price` for anything else out of range. */
export function checkPrice(value: unknown, max: number, invalid: RejectReason): RejectReason | null {
  if (typeof value !== "number" || !Number.isFinite(value)) return invalid;
  if (!Number.isInteger(value)) return "price_off_tick";
  if (value <= 0 || value > max) return invalid;
  return null;
}

export function checkQty(value: unknown, max: number): RejectReason | null {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0 || value > max) return "invalid_quantity";
  return null;
}

function checkFunds(value: unknown): RejectReason | null {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) return "invalid_funds";
  return null;
}

/**
 * Checks a place command against `limits` and the clock, and builds the order
 * with defaults applied (priority 0: the engine stamps it once the order is
 * accepted), in `into` when given. Returns the reason to reject instead; never throws, whatever the input.
 */
export function orderFromPlace(cmd: PlaceOrder, limits: Limits, now: number, into?: Order): Order | RejectReason {
  if (!isId(cmd.id)) return "invalid_order_id";
  if (!isId(cmd.account)) return "invalid_account";
  if (!isSide(cmd.side)) return "invalid_side";
  const kind = cmd.kind;
  if (!isKind(kind)) return "invalid_kind";
  const hasLimitPrice = kind === "limit" || kind === "stop_limit";
  const isStop = kind === "stop" || kind === "stop_limit";
  const isMarketLike = kind === "market" || kind === "stop";

  const tif = cmd.tif ?? (isMarketLike ? "ioc" : "gtc");
  if (!isTif(tif)) return "invalid_tif";
  if (isMarketLike && tif !== "ioc" && tif !== "fok") return "invalid_tif";
  const stp = cmd.stp ?? "cancel_newest";
  if (!isStp(stp)) return "invalid_stp";
  const postOnly = cmd.postOnly ?? false;
  if (postOnly !== true && postOnly !== false) return "invalid_tif";
  if (postOnly && (!hasLimitPrice || (tif !== "gtc" && tif !== "gtd"))) return "invalid_tif";

  let price = 0;
  if (hasLimitPrice || (isMarketLike && cmd.price !== undefined)) {
    // On market and stop orders a price is optional: the protection limit the order never trades beyond.
    const bad = checkPrice(cmd.price, limits.maxPrice, "invalid_price");
    if (bad) return bad;
    price = cmd.price as number;
  } else if (cmd.price !== undefined) return "invalid_price";

  let stopPrice = 0;
  if (isStop) {
    const bad = checkPrice(cmd.stopPrice, limits.maxPrice, "invalid_stop_price");
    if (bad) return bad;
    stopPrice = cmd.stopPrice as number;
  } else if (cmd.stopPrice !== undefined) return "invalid_stop_price";

  let qty = 0;
  let funds = 0;
  if (cmd.funds !== undefined) {
    // Funds size market-like orders only, and exclude a quantity; FOK on funds has no exact meaning.
    if (!isMarketLike || cmd.qty !== undefined) return "invalid_funds";
    const bad = checkFunds(cmd.funds);
    if (bad) return bad;
    if (tif === "fok") return "invalid_tif";
    funds = cmd.funds;
  } else {
    const bad = checkQty(cmd.qty, limits.maxQty);
    if (bad) return bad;
    qty = cmd.qty as number;
    if (price > 0 && !Number.isSafeInteger(price * qty)) return "notional_overflow";
  }

  let expireAt = 0;
  if (tif === "gtd") {
    if (typeof cmd.expireAt !== "number" || !Number.isSafeInteger(cmd.expireAt) || cmd.expireAt <= 0) {
      return "invalid_expiry";
    }
    if (cmd.expireAt <= now) return "already_expired";
    expireAt = cmd.expireAt;
  } else if (cmd.expireAt !== undefined) return "invalid_expiry";

  if (into !== undefined) {
    return into.init(
      cmd.id,
      cmd.account,
      cmd.side,
      kind,
      tif,
      price,
      stopPrice,
      qty,
      funds,
      expireAt,
      postOnly,
      stp,
      0,
    );
  }
  return new Order(cmd.id, cmd.account, cmd.side, kind, tif, price, stopPrice, qty, funds, expireAt, postOnly, stp, 0);
}

/** Shape checks of an amend that need no book state. */
export function checkAmend(cmd: AmendOrder, limits: Limits): RejectReason | null {
  if (!isId(cmd.id)) return "invalid_order_id";
  if (cmd.account !== undefined && !isId(cmd.account)) return "invalid_account";
  if (cmd.qty === undefined && cmd.price === undefined && cmd.stopPrice === undefined) return "nothing_to_amend";
  if (cmd.qty !== undefined) {
    const bad = checkQty(cmd.qty, limits.maxQty);
    if (bad) return bad;
  }
  if (cmd.price !== undefined) {
    const bad = checkPrice(cmd.price, limits.maxPrice, "invalid_price");
    if (bad) return bad;
  }
  if (cmd.stopPrice !== undefined) {
    const bad = checkPrice(cmd.stopPrice, limits.maxPrice, "invalid_stop_price");
    if (bad) return bad;
  }
  return null;
}
