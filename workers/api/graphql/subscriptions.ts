/**
 * GraphQL subscriptions: each field opens its stream operation
 * (operations/streams.ts: a bridge socket to a feed shard) and shapes every
 * message of the feed as one event, so a subscription carries the WebSocket
 * feed's sequences, resume and slow-consumer rules (docs/graphql.md#subscriptions).
 * An event's `type` says which of its fields are set. A stream the feed ends
 * (or one that cannot open) ends the subscription with one error carrying the
 * REST problem code, as any field error does.
 */
import type { GraphQLError } from "graphql";
import type { FeedStream, StreamEvent } from "../feed/bridge.ts";
import type { AnyOperation } from "../operations/define.ts";
import { authorize, invoke } from "../operations/define.ts";
import { openMarketStream, openUserStream } from "../operations/streams.ts";
import { resolverError } from "./errors.ts";
import type { GraphQLContext } from "./resolvers.ts";

export const SUBSCRIPTION_TYPE_DEFS = /* GraphQL */ `
type Subscription {
  "Level 2 of one instrument: a snapshot at seq S, then updates covering first_seq..seq; with resume_from, resumed and the replayed updates. Public."
  level2(instrument: String!, resume_from: Long): Level2Event
  "Trades of one instrument: the recent ones at seq S, then new ones; resumable like level2. Public."
  trades(instrument: String!, resume_from: Long): TradesEvent
  "The ticker of one instrument: a snapshot, then updates. Public."
  ticker(instrument: String!): TickerEvent
  "One-minute candles of one instrument: recent ones, then the current candle on each change. Public."
  candles(instrument: String!): CandlesEvent
  "The caller's private stream: a snapshot (open orders, balances), then its orders, fills and balances in one contiguous seq. Scope read."
  userEvents: UserEvent
}

"One level's change: side, price and the level's new aggregate size (0 removes it)."
type LevelChange {
  side: String!
  price: String!
  size: String!
}

"One message of a level2 stream; type is snapshot, update, resumed, resync or heartbeat."
type Level2Event {
  type: String!
  instrument: String!
  "snapshot: the seq it is at; update: the last seq covered; heartbeat: the last seq sent (null while a snapshot is on its way)."
  seq: Long
  "update: the first seq covered; another than the last seq + 1 is a gap: subscribe again with resume_from."
  first_seq: Long
  time: Long
  "snapshot: bid levels, best first."
  bids: [BookEntry!]
  "snapshot: ask levels, best first."
  asks: [BookEntry!]
  "snapshot: sent to a slow consumer instead of the updates it could not take."
  conflated: Boolean
  "update: the changed levels, in order."
  changes: [LevelChange!]
  "resumed: the first seq that follows."
  from_seq: Long
  "resync: why a snapshot follows."
  reason: String
}

"One message of a trades stream; type is snapshot (newest first), update (oldest first), resumed, resync or heartbeat."
type TradesEvent {
  type: String!
  instrument: String!
  seq: Long
  first_seq: Long
  time: Long
  trades: [Trade!]
  from_seq: Long
  reason: String
}

"The ticker as the feed carries it."
type StreamTicker {
  best_bid: String
  best_ask: String
  last: String
  open_24h: String
  high_24h: String
  low_24h: String
  volume_24h: String!
}

"One message of a ticker stream; type is snapshot, update, resync or heartbeat."
type TickerEvent {
  type: String!
  instrument: String!
  seq: Long
  first_seq: Long
  time: Long
  ticker: StreamTicker
  reason: String
}

"A one-minute candle as the feed carries it."
type StreamCandle {
  start: Long!
  open: String!
  high: String!
  low: String!
  close: String!
  volume: String!
}

"One message of a candles stream; type is snapshot (recent candles, oldest first), update (the current candle, and the one it closed), resync or heartbeat."
type CandlesEvent {
  type: String!
  instrument: String!
  seq: Long
  first_seq: Long
  time: Long
  interval: String
  candles: [StreamCandle!]
  reason: String
}

"One message of the private stream; type is snapshot, order, fill, balance, resync or heartbeat."
type UserEvent {
  type: String!
  "The account's seq of this message (contiguous); heartbeat: the last one sent."
  seq: Long
  time: Long
  "snapshot: the open orders."
  orders: [Order!]
  "snapshot: every asset; balance: the assets that changed, after the change."
  balances: [Balance!]
  "order: the order after the change."
  order: Order
  "fill: the fill."
  fill: Fill
  "resync: why a snapshot follows."
  reason: String
}
`;

type Json = Record<string, unknown>;

/** A failure of the stream, delivered as the subscription's last event. */
class StreamFailure {
  readonly error: GraphQLError;
  constructor(error: GraphQLError) {
    this.error = error;
  }
}

/**
 * The stream as the subscription's source: its failure becomes a last `StreamFailure`
 * (the field's resolver throws it, so the client gets one error with the problem code),
 * and `return` closes the feed socket at once, even while a message is awaited.
 */
class SubscriptionSource implements AsyncIterableIterator<StreamEvent | StreamFailure> {
  private readonly stream: FeedStream;
  private readonly requestId: string | undefined;
  private done = false;

  constructor(stream: FeedStream, requestId: string | undefined) {
    this.stream = stream;
    this.requestId = requestId;
  }

  async next(): Promise<IteratorResult<StreamEvent | StreamFailure>> {
    if (this.done) return { value: undefined, done: true };
    try {
      return await this.stream.next();
    } catch (err) {
      this.done = true;
      return { value: new StreamFailure(await resolverError(err, this.requestId)), done: false };
    }
  }

  async return(): Promise<IteratorResult<StreamEvent | StreamFailure>> {
    this.done = true;
    return this.stream.return();
  }

  [Symbol.asyncIterator](): SubscriptionSource {
    return this;
  }
}

/** The given arguments (GraphQL passes null for "not given"). */
function given(args: Json): Json {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== null && v !== undefined));
}

/** A subscription field: `subscribe` opens `op` on `input(args)`, `resolve` shapes each event. */
function subscription(op: AnyOperation, input: (args: Json) => Json, shape: (event: StreamEvent, args: Json) => Json) {
  return {
    subscribe: async (_parent: unknown, raw: Json, context: GraphQLContext) => {
      const base = context.operations;
      try {
        authorize(op, base.caller);
        const stream = (await invoke(op, { ...base, idempotencyKey: undefined }, input(given(raw)))) as FeedStream;
        return new SubscriptionSource(stream, base.requestId);
      } catch (err) {
        throw await resolverError(err, base.requestId);
      }
    },
    resolve: (event: StreamEvent | StreamFailure, args: Json) => {
      if (event instanceof StreamFailure) throw event.error;
      return shape(event, args);
    },
  };
}

/** The feed message as an event: without `channel`, `[price, size]` pairs as entries, changes as objects. */
function eventOf(event: StreamEvent, args: Json): Json {
  const { channel: _channel, ...rest } = event as unknown as Json;
  const out: Json = { instrument: args.instrument, ...rest };
  const levels = (side: unknown) => (side as [string, string][]).map(([price, size]) => ({ price, size }));
  if (Array.isArray(out.bids)) out.bids = levels(out.bids);
  if (Array.isArray(out.asks)) out.asks = levels(out.asks);
  if (Array.isArray(out.changes)) {
    out.changes = (out.changes as [string, string, string][]).map(([side, price, size]) => ({ side, price, size }));
  }
  return out;
}

const market = (channel: string) => (args: Json) => ({ ...args, channel });

export const SUBSCRIPTION_RESOLVERS = {
  level2: subscription(openMarketStream, market("level2"), eventOf),
  trades: subscription(openMarketStream, market("trades"), eventOf),
  ticker: subscription(openMarketStream, market("ticker"), eventOf),
  candles: subscription(openMarketStream, market("candles"), eventOf),
  userEvents: subscription(
    openUserStream,
    () => ({}),
    (event) => eventOf(event, {}),
  ),
};
