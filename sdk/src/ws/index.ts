/**
 * The WebSocket feed (`GET /v1/ws`): {@link FeedClient} with reconnects and resume, level-2
 * books, async iterators and events for every stream, order entry and the `user` channel.
 */
export { type ApplyResult, Level2Book } from "./book.ts";
export { FeedClient } from "./client.ts";
export { compareDecimal, isZeroDecimal, normalizeDecimal } from "./decimal.ts";
export { FEED_CODE_STATUS, replyError } from "./errors.ts";
export type { FeedClientOptions, FeedEvents, GapInfo, ReconnectOptions, TokenSource } from "./options.ts";
export { type BookChange, OrderBook } from "./order-book.ts";
export { AsyncQueue } from "./queue.ts";
export type { WebSocketConstructor, WebSocketLike } from "./socket.ts";
// Names a REST client would also use carry a `Feed` prefix here (they are the same JSON).
export {
  type AmendOrder as FeedAmendOrder,
  type AuthResult as FeedSession,
  type Balance as FeedBalance,
  type BatchFrame,
  type CancelAllFilter as FeedCancelAllFilter,
  type CancelAllReply as FeedCancelAllReply,
  type CandlesMessage,
  type ChannelMessage,
  type ControlMessage,
  type FeedCandle,
  type FeedTicker,
  type FeedTrade,
  type Fill as FeedFill,
  type HeartbeatMessage,
  type Level2Snapshot,
  type Level2Update,
  type LevelChange,
  type MarketMessage,
  type Message as FeedMessage,
  type NewOrder as FeedNewOrder,
  type Order as FeedOrder,
  type OrderRef as FeedOrderRef,
  type OrderReply as FeedOrderReply,
  type OrderStatus as FeedOrderStatus,
  type PriceSize,
  PUBLIC_CHANNELS,
  type PublicChannel,
  RESUMABLE_CHANNELS,
  type ReplyError,
  type ReplyMessage,
  type RequestId,
  type ResumedMessage,
  type ResyncMessage,
  type StreamErrorMessage,
  type StreamKey,
  type SubscriptionsResult,
  type TickerMessage,
  type TradesSnapshot,
  type TradesUpdate,
  type UserBalanceMessage,
  type UserEvent,
  type UserFillMessage,
  type UserOrderMessage,
  type UserSnapshot,
  type WelcomeMessage,
} from "./types.ts";
