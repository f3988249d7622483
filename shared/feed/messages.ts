/**
 * Market-data messages as clients receive them over the WebSocket feed, and as
 * books hand them to feed shards.
 *
 * Every message names its channel and instrument and carries `seq`, that
 * channel's contiguous sequence for the instrument. An update covers the
 * sequences `first_seq..seq`; a client that sees `first_seq` other than its
 * last `seq` + 1 has missed something and should resubscribe (with
 * `resume_from`). A snapshot carries the `seq` it is at.
 *
 * Framing: one WebSocket text frame carries one message, except when one
 * commit yields several messages for the same socket (say `level2` and
 * `trades` of one instrument): then they arrive together in one
 * `{"type":"batch","messages":[...]}` frame (`BatchFrame`), in the order they
 * would have been sent one by one. A socket that gets one message per commit
 * (one channel) only ever sees plain messages. Unpack a batch and handle its
 * messages in order; sequences and gap detection are per message as always.
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

/** Several messages for one socket from one commit, in one frame (see the framing note above). */
export interface BatchFrame {
  type: "batch";
  messages: FeedMessage[];
}

/** Joins already serialized messages into one frame: the message itself if alone, else a `BatchFrame`. */
export function batchFrame(texts: readonly string[]): string {
  return texts.length === 1 ? (texts[0] as string) : `{"type":"batch","messages":[${texts.join(",")}]}`;
}
