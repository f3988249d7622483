/**
 * Market-data messages as clients receive them over the WebSocket feed, and as
 * books hand them to feed shards.
 *
 * Every message names its channel and instrument and carries `seq`, that
 * channel's contiguous sequence for the instrument. An update covers the
 * sequences `first_seq..seq`; a client that sees `first_seq` other than its
 * last `seq` + 1 has missed something and should resubscribe (with
 * `resume_from`). A snapshot carries the `seq` it is at.
 */

export const PUBLIC_CHANNELS = ["level2", "trades", "ticker", "candles"] as const;
export type PublicChannel = (typeof PUBLIC_CHANNELS)[number];

/** [side, price, new aggregate size]; size "0" removes the level. */
export type LevelChange = [side: "buy" | "sell", price: string, size: string];
export type PriceSize = [price: string, size: string];

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

interface Base {
  instrument: string;
  seq: number;
  /** Epoch ms at which the book committed what the message reports. */
  time: number;
}

export interface Level2Snapshot extends Base {
  type: "snapshot";
  channel: "level2";
  bids: PriceSize[];
  asks: PriceSize[];
}
export interface Level2Update extends Base {
  type: "update";
  channel: "level2";
  first_seq: number;
  changes: LevelChange[];
}
export interface TradesSnapshot extends Base {
  type: "snapshot";
  channel: "trades";
  /** The most recent trades, newest first. */
  trades: FeedTrade[];
}
export interface TradesUpdate extends Base {
  type: "update";
  channel: "trades";
  first_seq: number;
  /** Oldest first. */
  trades: FeedTrade[];
}
export interface TickerMessage extends Base {
  type: "snapshot" | "update";
  channel: "ticker";
  first_seq: number;
  ticker: FeedTicker;
}
export interface CandlesMessage extends Base {
  type: "snapshot" | "update";
  channel: "candles";
  first_seq: number;
  interval: "1m";
  /** Snapshot: recent candles oldest first; update: the current candle (and the one it closed, if any). */
  candles: FeedCandle[];
}

export type FeedMessage =
  | Level2Snapshot
  | Level2Update
  | TradesSnapshot
  | TradesUpdate
  | TickerMessage
  | CandlesMessage;

/** What a book answers a shard subscribing one channel of its instrument. */
export interface SubscribeReply {
  /** Snapshot, or the replayed updates when `resume_from` was still in the log. */
  messages: FeedMessage[];
  /** True when the reply replays from `resume_from`; false when it is a fresh snapshot. */
  resumed: boolean;
  /** Why a resume fell back to a snapshot. */
  reason?: string;
}
