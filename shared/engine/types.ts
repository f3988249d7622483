/**
 * Public types of the matching engine.
 *
 * Units: prices are integer ticks, quantities integer lots, and funds integer
 * notional units where one unit is one tick times one lot (so price × quantity
 * is always an exact funds amount). All values are safe integers; the engine
 * never uses fractions.
 */

export type Side = "buy" | "sell";

/** `limit` rests; `market` takes; `stop`/`stop_limit` wait for the last trade to cross `stopPrice`. */
export type OrderKind = "limit" | "market" | "stop" | "stop_limit";

/** Time in force. `gtd` needs `expireAt` (epoch ms). */
export type TimeInForce = "gtc" | "ioc" | "fok" | "gtd";

/**
 * Self-trade prevention, applied when a taker meets a resting order of the same account.
 * - `cancel_newest`: cancel the taker's remainder, keep the resting order.
 * - `cancel_oldest`: cancel the resting order, keep matching.
 * - `cancel_both`: cancel both.
 * - `decrement_and_cancel`: reduce both by the smaller size; the smaller (or both, when equal) is cancelled.
 */
export type SelfTradePrevention = "cancel_newest" | "cancel_oldest" | "cancel_both" | "decrement_and_cancel";

export interface PlaceOrder {
  type: "place";
  id: string;
  account: string;
  side: Side;
  kind: OrderKind;
  /**
   * Limit price in ticks: required for `limit` and `stop_limit`. Optional on `market` and `stop`
   * as a protection price: the order trades no further than it and its remainder is cancelled.
   */
  price?: number;
  /** Trigger price in ticks: required for `stop` and `stop_limit`. */
  stopPrice?: number;
  /** Quantity in lots. Required except for market and stop orders sized by `funds`. */
  qty?: number;
  /** Notional budget (ticks × lots) for `market`/`stop` orders sized by funds instead of quantity. */
  funds?: number;
  /** Defaults to `gtc` for limit orders and `ioc` for market orders. */
  tif?: TimeInForce;
  /** Epoch ms at which a `gtd` order expires (it expires once the clock reaches it). */
  expireAt?: number;
  /** Rest only: reject instead of taking liquidity. */
  postOnly?: boolean;
  /** Defaults to `cancel_newest`. */
  stp?: SelfTradePrevention;
}

export interface CancelOrder {
  type: "cancel";
  id: string;
  /** When given, the order must belong to this account (otherwise `unknown_order`). */
  account?: string;
}

export interface CancelAll {
  type: "cancel_all";
  account: string;
  side?: Side;
}

/**
 * Amend a resting order or an untriggered stop. `qty` is the new total order
 * quantity (filled included, as FIX OrderQty). Reducing it keeps queue priority;
 * raising it or changing `price` moves the order to the back (a new price may trade).
 */
export interface AmendOrder {
  type: "amend";
  id: string;
  account?: string;
  qty?: number;
  price?: number;
  stopPrice?: number;
}

/** Advance the clock only: expires GTD orders whose time has passed. */
export interface Tick {
  type: "tick";
}

export type Command = PlaceOrder | CancelOrder | CancelAll | AmendOrder | Tick;

/** Stable reason codes for rejected commands. */
export type RejectReason =
  | "invalid_command"
  | "invalid_order_id"
  | "invalid_account"
  | "invalid_side"
  | "invalid_kind"
  | "invalid_tif"
  | "invalid_stp"
  | "invalid_quantity"
  | "invalid_funds"
  | "invalid_price"
  | "price_off_tick"
  | "invalid_stop_price"
  | "invalid_expiry"
  | "notional_overflow"
  | "duplicate_order_id"
  | "unknown_order"
  | "post_only_would_take"
  | "fok_not_fillable"
  | "stop_would_trigger"
  | "already_expired"
  | "nothing_to_amend"
  | "amend_below_filled"
  | "not_amendable";

/** Why an order left the book. */
export type DoneReason = "filled" | "cancelled" | "expired";

/** What caused a `cancelled` or `expired` outcome. */
export type DoneCause =
  | "filled"
  | "user"
  | "cancel_all"
  | "ioc_remainder"
  | "no_liquidity"
  | "self_trade"
  | "gtd"
  | "funds_exhausted"
  /** A triggered post-only stop-limit that would have taken liquidity. */
  | "post_only"
  /** A triggered FOK stop-limit that could not fill in full. */
  | "fok_not_fillable";

export interface AcceptedEvent {
  type: "accepted";
  id: string;
  account: string;
  side: Side;
  kind: OrderKind;
  tif: TimeInForce;
  price?: number;
  stopPrice?: number;
  qty?: number;
  funds?: number;
  expireAt?: number;
  postOnly: boolean;
  stp: SelfTradePrevention;
}

export interface RejectedEvent {
  type: "rejected";
  /** The order id the command named, when it named one. */
  id?: string;
  command: Command["type"] | "unknown";
  reason: RejectReason;
}

export interface TradeEvent {
  type: "trade";
  tradeId: number;
  price: number;
  qty: number;
  aggressor: Side;
  makerId: string;
  makerAccount: string;
  takerId: string;
  takerAccount: string;
  /** Maker's remaining open quantity after this trade. */
  makerRemaining: number;
}

export interface DoneEvent {
  type: "done";
  id: string;
  account: string;
  side: Side;
  reason: DoneReason;
  cause: DoneCause;
  /** Quantity (lots) cancelled or expired by this event; 0 when filled. */
  remaining: number;
  /** Unspent funds of a funds-sized order (0 otherwise). */
  remainingFunds: number;
}

export interface StopTriggeredEvent {
  type: "stop_triggered";
  id: string;
  account: string;
  stopPrice: number;
  lastPrice: number;
}

export interface AmendedEvent {
  type: "amended";
  id: string;
  account: string;
  /** New total quantity. */
  qty: number;
  /** New open quantity. */
  remaining: number;
  price?: number;
  stopPrice?: number;
  priorityKept: boolean;
}

/**
 * An order's size was cut by self-trade prevention (decrement-and-cancel)
 * without it leaving the book. A funds-sized taker loses `by × price` funds.
 */
export interface ReducedEvent {
  type: "reduced";
  id: string;
  account: string;
  /** Lots cut. */
  by: number;
  /** Open quantity after the cut (0 for funds-sized orders). */
  remaining: number;
  /** Unspent funds after the cut (0 for quantity-sized orders). */
  remainingFunds: number;
  cause: "self_trade";
}

/** The aggregate open quantity at one price level after the command (0 = level gone). */
export interface LevelEvent {
  type: "level";
  side: Side;
  price: number;
  qty: number;
}

export type EngineEvent =
  | AcceptedEvent
  | RejectedEvent
  | TradeEvent
  | DoneEvent
  | StopTriggeredEvent
  | AmendedEvent
  | ReducedEvent
  | LevelEvent;

/** A read-only view of one order. */
export interface OrderView {
  id: string;
  account: string;
  side: Side;
  kind: OrderKind;
  tif: TimeInForce;
  price?: number;
  stopPrice?: number;
  /** Total quantity (filled included); absent for funds-sized orders. */
  qty?: number;
  funds?: number;
  filled: number;
  remaining: number;
  expireAt?: number;
  postOnly: boolean;
  stp: SelfTradePrevention;
  /** `resting` on the book, or `stop` while waiting for its trigger. */
  state: "resting" | "stop";
  /** Monotonic priority stamp: lower is earlier in the queue. */
  priority: number;
}

export interface Bbo {
  bid?: { price: number; qty: number };
  ask?: { price: number; qty: number };
}

export interface DepthLevel {
  price: number;
  qty: number;
  orders: number;
}

export interface EngineOptions {
  /** Largest allowed price in ticks (default 2^31). */
  maxPrice?: number;
  /** Largest allowed quantity in lots (default 2^31). */
  maxQty?: number;
}

/** A serializable engine state. `JSON.stringify` it as it is. */
export interface EngineSnapshot {
  version: 1;
  lastTradePrice: number | null;
  nextTradeId: number;
  nextPriority: number;
  now: number;
  /** Resting orders, bids then asks, each side best level first, each level in queue order. */
  resting: OrderView[];
  /** Untriggered stop orders in trigger priority. */
  stops: OrderView[];
  options: Required<EngineOptions>;
}
