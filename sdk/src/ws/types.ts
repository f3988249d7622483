/**
 * What the feed socket (`GET /v1/ws`) sends and takes, as the client reads it: market
 * data, control messages, replies and the private `user` channel. Types only; a frame
 * is `JSON.parse`d and read as these types (the server's own definitions live in the
 * repository's shared/feed/, which this package does not depend on).
 */

export const PUBLIC_CHANNELS = ["level2", "trades", "ticker", "candles"] as const;
/** A market-data channel. */
export type PublicChannel = (typeof PUBLIC_CHANNELS)[number];
/** Channels the server can replay from its event log after `resume_from`; the others resume with a snapshot. */
export const RESUMABLE_CHANNELS: readonly PublicChannel[] = ["level2", "trades"];

/** `"<channel>:<instrument>"`, e.g. `"level2:BTC-USD"`. */
export type StreamKey = `${PublicChannel}:${string}`;

/** `[price, size]`, decimal strings. */
export type PriceSize = [price: string, size: string];
/** `[side, price, new aggregate size]`; size "0" removes the level. */
export type LevelChange = [side: "buy" | "sell", price: string, size: string];

export interface FeedTrade {
  trade_id: number;
  price: string;
  size: string;
  side: "buy" | "sell";
  time: number;
}

export interface FeedTicker {
  best_bid: string | null;
  best_ask: string | null;
  last: string | null;
  open_24h: string | null;
  high_24h: string | null;
  low_24h: string | null;
  volume_24h: string;
}

export interface FeedCandle {
  start: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

interface MarketBase {
  instrument: string;
  /** The channel's contiguous sequence for the instrument. */
  seq: number;
  /** Epoch ms at which the book committed what the message reports. */
  time: number;
}

export interface Level2Snapshot extends MarketBase {
  type: "snapshot";
  channel: "level2";
  bids: PriceSize[];
  asks: PriceSize[];
  /** A snapshot sent instead of deltas held back from a slow socket. */
  conflated?: true;
}
export interface Level2Update extends MarketBase {
  type: "update";
  channel: "level2";
  /** The update covers `first_seq..seq`. */
  first_seq: number;
  changes: LevelChange[];
}
export interface TradesSnapshot extends MarketBase {
  type: "snapshot";
  channel: "trades";
  /** The most recent trades, newest first. */
  trades: FeedTrade[];
}
export interface TradesUpdate extends MarketBase {
  type: "update";
  channel: "trades";
  first_seq: number;
  /** Oldest first. */
  trades: FeedTrade[];
}
export interface TickerMessage extends MarketBase {
  type: "snapshot" | "update";
  channel: "ticker";
  first_seq: number;
  ticker: FeedTicker;
}
export interface CandlesMessage extends MarketBase {
  type: "snapshot" | "update";
  channel: "candles";
  first_seq: number;
  interval: "1m";
  candles: FeedCandle[];
}

export type MarketMessage =
  | Level2Snapshot
  | Level2Update
  | TradesSnapshot
  | TradesUpdate
  | TickerMessage
  | CandlesMessage;

/** The market-data messages of one channel. */
export type ChannelMessage<C extends PublicChannel> = Extract<MarketMessage, { channel: C }>;

/** The first message on every socket. */
export interface WelcomeMessage {
  type: "welcome";
  shard: string;
  heartbeat_ms: number;
  limits: {
    max_subscriptions: number;
    messages_per_second: number;
    orders_per_second: number;
    unacknowledged: { soft: number; hard: number };
    idle_timeout_ms: number;
  };
  session?: { account: string; scopes: string[]; expires_at_ms: number };
}

export interface ResumedMessage {
  type: "resumed";
  channel: PublicChannel;
  instrument: string;
  from_seq: number;
}

export interface ResyncMessage {
  type: "resync";
  channel: PublicChannel | "user";
  instrument?: string;
  reason: string;
}

export interface HeartbeatMessage {
  type: "heartbeat";
  time: number;
  /** The last seq sent on each stream (`"<channel>:<instrument>"`, and `user`); null while unknown. */
  seqs: Record<string, number | null>;
}

/** A stream that could not be served (it is no longer subscribed), or the user channel ending with its token. */
export interface StreamErrorMessage {
  type: "error";
  channel: PublicChannel | "user";
  instrument?: string;
  code: string;
  message: string;
  reason?: string;
}

// ── the user channel ─────────────────────────────────────────────────────

export type OrderStatus = "pending_new" | "new" | "partially_filled" | "filled" | "cancelled" | "expired" | "rejected";

/** An order as the API shows it (decimal strings). */
export interface Order {
  order_id: string;
  client_order_id: string;
  instrument: string;
  side: "buy" | "sell";
  type: string;
  time_in_force: string;
  price: string | null;
  stop_price: string | null;
  size: string | null;
  funds: string | null;
  expire_time: number | null;
  post_only: boolean;
  stp: string;
  status: OrderStatus;
  filled_size: string;
  remaining_size: string | null;
  executed_value: string;
  average_price: string | null;
  fees: string;
  fee_asset: string;
  done_reason: string | null;
  reject_code: string | null;
  reject_reason: string | null;
  stop_triggered: boolean;
  created_at: string;
  created_at_ms: number;
  updated_at: string;
  updated_at_ms: number;
}

export interface Fill {
  fill_id: string;
  trade_id: number;
  order_id: string;
  client_order_id: string;
  instrument: string;
  side: "buy" | "sell";
  price: string;
  size: string;
  value: string;
  fee: string;
  fee_asset: string;
  liquidity: "maker" | "taker";
  time: string;
  time_ms: number;
  seq: number;
}

export interface Balance {
  asset: string;
  total: string;
  hold: string;
  available: string;
}

interface UserBase {
  channel: "user";
  /** Contiguous per account. */
  seq: number;
  time: number;
}
export interface UserSnapshot extends UserBase {
  type: "snapshot";
  orders: Order[];
  balances: Balance[];
}
export interface UserOrderMessage extends UserBase {
  type: "order";
  order: Order;
}
export interface UserFillMessage extends UserBase {
  type: "fill";
  fill: Fill;
}
export interface UserBalanceMessage extends UserBase {
  type: "balance";
  balances: Balance[];
}
/** What the user channel delivers: a snapshot (first, and after each resync), then its changes in seq order. */
export type UserEvent = UserSnapshot | UserOrderMessage | UserFillMessage | UserBalanceMessage;

// ── requests and replies ─────────────────────────────────────────────────

export interface NewOrder {
  client_order_id?: string;
  instrument: string;
  side: "buy" | "sell";
  type: "limit" | "market" | "stop" | "stop_limit";
  price?: string;
  stop_price?: string;
  size?: string;
  funds?: string;
  time_in_force?: "gtc" | "ioc" | "fok" | "gtd";
  expire_time?: number;
  post_only?: boolean;
  stp?: "cancel_newest" | "cancel_oldest" | "cancel_both" | "decrement_and_cancel";
}

/** Names an order: by the API's id or by the client's. */
export type OrderRef = { order_id: string } | { client_order_id: string };

export type AmendOrder = OrderRef & { size?: string; price?: string; stop_price?: string };

export interface CancelAllFilter {
  instrument?: string;
  side?: "buy" | "sell";
}

export interface OrderReply {
  order: Order;
  /** Fills this request caused (a taker's, at once). */
  fills: Fill[];
  /** True when the client_order_id was seen before: the first outcome. */
  replayed: boolean;
}

export interface CancelAllReply {
  cancelled: Order[];
}

export interface AuthResult {
  account: string;
  scopes: string[];
  expires_at: string;
  expires_at_ms: number;
  cancel_on_disconnect: boolean;
}

export interface SubscriptionsResult {
  subscriptions: string[];
}

export type RequestId = number | string;

/** The error of an error reply: the code, a message and, for order methods, the desk's details. */
export type ReplyError = { code: string; message: string } & Record<string, unknown>;

export interface ReplyMessage {
  id: RequestId | null;
  result?: unknown;
  error?: ReplyError;
}

export interface BatchFrame {
  type: "batch";
  messages: Message[];
}

export type ControlMessage = WelcomeMessage | ResumedMessage | ResyncMessage | HeartbeatMessage | StreamErrorMessage;

/** One message: a frame, or one of a batch's. */
export type Message = MarketMessage | ControlMessage | UserEvent | ReplyMessage;
