/**
 * Zod schemas of what a feed shard sends, for the AsyncAPI document. The
 * client's requests already have zod schemas (the shard validates with them:
 * `shared/feed/protocol.ts`, `shared/orders/input.ts`,
 * `shared/operations/order-ref.ts`); what the server sends has TypeScript
 * types only (`shared/feed/messages.ts`, `shared/feed/protocol.ts`, the
 * Account's user-channel messages), so its schemas are here. The compiler
 * ties each schema to its type (the `Same` checks at the end, and
 * `drift.ts` for the types that live in the objects), and
 * `test/node/asyncapi.test.ts` checks real frames from a live socket against
 * the converted schemas.
 *
 * Pure: imports no runtime bindings, so the document builds in Node too.
 */
import { z } from "zod";
import { DESK_ERROR_CODES, FEED_ERROR_CODES } from "../../../shared/errors/codes.ts";
import type {
  CandlesMessage,
  FeedMessage,
  Level2Snapshot,
  Level2Update,
  TickerMessage,
  TradesSnapshot,
  TradesUpdate,
} from "../../../shared/feed/messages.ts";
import { PUBLIC_CHANNELS } from "../../../shared/feed/messages.ts";
import {
  type HeartbeatMessage,
  RequestIdSchema,
  type ResumedMessage,
  type ResyncMessage,
  type StreamErrorMessage,
  type WelcomeMessage,
} from "../../../shared/feed/protocol.ts";
import { BalanceSchema } from "../openapi/contracts/accounts-balances.ts";
import { CancelledSchema, FillSchema, OrderReplySchema, OrderSchema } from "../openapi/contracts/order-schemas.ts";

/** Every code an error reply may carry: the shard's own, then the order desk's (order methods). */
export const REPLY_ERROR_CODES = [...new Set([...FEED_ERROR_CODES, ...DESK_ERROR_CODES])] as [
  (typeof FEED_ERROR_CODES)[number] | (typeof DESK_ERROR_CODES)[number],
  ...Array<(typeof FEED_ERROR_CODES)[number] | (typeof DESK_ERROR_CODES)[number]>,
];

const Int = z.number().int().nonnegative();
const Seq = Int.describe("The channel's contiguous sequence for the instrument.");
const Time = Int.describe("Epoch ms at which the book committed what the message reports.");
const Decimal = z.string().describe("A decimal string.");
const Instrument = z.string().describe("The instrument's symbol, e.g. BTC-USD.");
const Side = z.enum(["buy", "sell"]);
const PriceSize = z.tuple([Decimal, Decimal]).describe("[price, aggregate size]");
const LevelChange = z
  .tuple([Side, Decimal, Decimal])
  .describe('[side, price, new aggregate size]; size "0" removes it.');
const FirstSeq = Int.describe("The first sequence this update covers (it covers first_seq..seq).");

const FeedTradeSchema = z.object({ trade_id: Int, price: Decimal, size: Decimal, side: Side, time: Time });
const FeedTickerSchema = z.object({
  best_bid: Decimal.nullable(),
  best_ask: Decimal.nullable(),
  last: Decimal.nullable(),
  open_24h: Decimal.nullable(),
  high_24h: Decimal.nullable(),
  low_24h: Decimal.nullable(),
  volume_24h: Decimal,
});
const FeedCandleSchema = z.object({
  start: Int.describe("Epoch ms of the minute."),
  open: Decimal,
  high: Decimal,
  low: Decimal,
  close: Decimal,
  volume: Decimal,
});

const base = { instrument: Instrument, seq: Seq, time: Time };

// ── market data (shared/feed/messages.ts) ────────────────────────────────

export const Level2SnapshotSchema = z
  .object({
    type: z.literal("snapshot"),
    channel: z.literal("level2"),
    ...base,
    bids: z.array(PriceSize).describe("Best first."),
    asks: z.array(PriceSize).describe("Best first."),
    conflated: z.literal(true).optional().describe("Set when it replaces level2 deltas a slow consumer was not sent."),
  })
  .describe("The level-2 book at `seq`, on subscribe or resync.");

export const Level2UpdateSchema = z
  .object({
    type: z.literal("update"),
    channel: z.literal("level2"),
    ...base,
    first_seq: FirstSeq,
    changes: z.array(LevelChange),
  })
  .describe("Level changes covering first_seq..seq.");

export const TradesSnapshotSchema = z
  .object({
    type: z.literal("snapshot"),
    channel: z.literal("trades"),
    ...base,
    trades: z.array(FeedTradeSchema).describe("The most recent trades, newest first."),
  })
  .describe("Recent trades at `seq`.");

export const TradesUpdateSchema = z
  .object({
    type: z.literal("update"),
    channel: z.literal("trades"),
    ...base,
    first_seq: FirstSeq,
    trades: z.array(FeedTradeSchema).describe("Oldest first."),
  })
  .describe("New trades covering first_seq..seq.");

const ticker = (type: "snapshot" | "update") =>
  z.object({
    type: z.literal(type),
    channel: z.literal("ticker"),
    ...base,
    first_seq: FirstSeq,
    ticker: FeedTickerSchema,
  });
export const TickerSnapshotSchema = ticker("snapshot").describe(
  "The ticker (a state channel: resumes with a snapshot).",
);
export const TickerUpdateSchema = ticker("update").describe("The ticker after a change.");

const candles = (type: "snapshot" | "update") =>
  z.object({
    type: z.literal(type),
    channel: z.literal("candles"),
    ...base,
    first_seq: FirstSeq,
    interval: z.literal("1m"),
    candles: z.array(FeedCandleSchema),
  });
export const CandlesSnapshotSchema = candles("snapshot").describe("Recent one-minute candles, oldest first.");
export const CandlesUpdateSchema = candles("update").describe("The current candle (and the one it closed, if any).");

// ── control messages (shared/feed/protocol.ts) ───────────────────────────

export const WelcomeSchema = z
  .object({
    type: z.literal("welcome"),
    shard: z.string().describe("The feed shard holding the socket."),
    heartbeat_ms: Int,
    limits: z.object({
      max_subscriptions: Int,
      messages_per_second: Int,
      orders_per_second: Int.describe("Order requests (order.*) per second, counted apart from the others."),
      unacknowledged: z
        .object({ soft: Int, hard: Int })
        .describe(
          "Messages sent without a frame back before level2 pauses (soft) or the socket closes with 4008 (hard).",
        ),
      idle_timeout_ms: Int.describe(
        "A socket without a session and without subscriptions for this long is closed (4001).",
      ),
    }),
    session: z
      .object({ account: z.string(), scopes: z.array(z.string()), expires_at_ms: Int })
      .optional()
      .describe("Present when the upgrade authenticated (Authorization: Bearer)."),
  })
  .describe("The first message on every socket.");

const PublicChannel = z.enum(PUBLIC_CHANNELS);

export const ResumedSchema = z
  .object({ type: z.literal("resumed"), channel: PublicChannel, instrument: Instrument, from_seq: Int })
  .describe("Before replayed updates: the stream continues at from_seq without a snapshot.");

export const ResyncSchema = z
  .object({ type: z.literal("resync"), channel: PublicChannel, instrument: Instrument, reason: z.string() })
  .describe("Before a snapshot the client did not ask for, or instead of a resume that was impossible.");

export const HeartbeatSchema = z
  .object({
    type: z.literal("heartbeat"),
    time: Int,
    seqs: z
      .record(z.string(), Int.nullable())
      .describe(
        "The last seq sent on each stream (`<channel>:<instrument>`), and under `user` on the user channel; null while a snapshot is on its way or after the shard restarted.",
      ),
  })
  .describe("Every FEED_HEARTBEAT_MS.");

export const StreamErrorSchema = z
  .object({
    type: z.literal("error"),
    channel: PublicChannel,
    instrument: Instrument,
    code: z.enum(FEED_ERROR_CODES),
    message: z.string(),
  })
  .describe("A stream that could not be served; it is no longer subscribed.");

// ── the user channel (durable-objects/account/user-feed.ts, durable-objects/feed/user-channel.ts) ──

const userBase = {
  channel: z.literal("user"),
  seq: Int.describe("Contiguous per account."),
  time: Int.describe("Epoch ms when the message was made."),
};

export const UserSnapshotSchema = z
  .object({ type: z.literal("snapshot"), ...userBase, orders: z.array(OrderSchema), balances: z.array(BalanceSchema) })
  .describe("The account's open orders and every balance at `seq`.");
export const UserOrderSchema = z
  .object({ type: z.literal("order"), ...userBase, order: OrderSchema })
  .describe("An order of the account changed.");
export const UserFillSchema = z
  .object({ type: z.literal("fill"), ...userBase, fill: FillSchema })
  .describe("An order of the account traded.");
export const UserBalanceSchema = z
  .object({ type: z.literal("balance"), ...userBase, balances: z.array(BalanceSchema) })
  .describe("The assets whose balance changed (holds included).");
export const UserResyncSchema = z
  .object({ type: z.literal("resync"), channel: z.literal("user"), reason: z.string() })
  .describe("Before a fresh user snapshot, instead of a gap.");
export const UserErrorSchema = z
  .object({
    type: z.literal("error"),
    channel: z.literal("user"),
    code: z.enum(REPLY_ERROR_CODES),
    message: z.string(),
    reason: z.string().optional().describe("token_expired or token_revoked when the session ended."),
  })
  .describe("The user channel ended for this socket (an expired or revoked token, an account that did not answer).");

// ── frames ───────────────────────────────────────────────────────────────

/** Messages that may travel inside a batch frame. */
export const BatchableSchema = z.union([
  Level2SnapshotSchema,
  Level2UpdateSchema,
  TradesSnapshotSchema,
  TradesUpdateSchema,
  TickerSnapshotSchema,
  TickerUpdateSchema,
  CandlesSnapshotSchema,
  CandlesUpdateSchema,
  ResumedSchema,
  ResyncSchema,
  UserSnapshotSchema,
  UserOrderSchema,
  UserFillSchema,
  UserBalanceSchema,
  UserResyncSchema,
]);

export const BatchSchema = z
  .object({ type: z.literal("batch"), messages: z.array(BatchableSchema).min(2) })
  .describe("Several messages for this socket from one commit, in order; unpack and handle each.");

// ── replies ──────────────────────────────────────────────────────────────

const reply = <R extends z.ZodType>(result: R) => z.object({ id: RequestIdSchema, result });

export const SubscriptionsResultSchema = z.object({
  subscriptions: z.array(z.string()).describe('The socket\'s streams (`<channel>:<instrument>`), and "user".'),
});
export const SubscriptionsReplySchema = reply(SubscriptionsResultSchema);
export const PongReplySchema = reply(z.object({ pong: z.literal(true), time: Int }));
export const SessionResultSchema = z.object({
  account: z.string(),
  scopes: z.array(z.string()),
  expires_at: z.string().describe("RFC 3339."),
  expires_at_ms: Int,
  cancel_on_disconnect: z.boolean(),
});
export const AuthReplySchema = reply(SessionResultSchema);
export const CancelOnDisconnectReplySchema = reply(z.object({ cancel_on_disconnect: z.boolean() }));
export const OrderReplyFrameSchema = reply(OrderReplySchema);
export const CancelAllReplySchema = reply(CancelledSchema);

export const ErrorReplySchema = z
  .object({
    id: RequestIdSchema.nullable().describe("The request's id; null when the frame was not a request."),
    error: z
      .object({ code: z.enum(REPLY_ERROR_CODES), message: z.string() })
      .catchall(z.unknown())
      .describe("Order methods add the desk's details: reason, order, amounts, limit, retry_after_ms, errors."),
  })
  .describe("The request failed; nothing changed and the socket stays open.");

// ── the schemas match the protocol's types ───────────────────────────────

/** True when A and B are assignable both ways. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

type Out<S extends z.ZodType> = z.output<S>;
const matches: {
  welcome: Same<Out<typeof WelcomeSchema>, WelcomeMessage>;
  level2Snapshot: Same<Omit<Out<typeof Level2SnapshotSchema>, "conflated">, Level2Snapshot>;
  level2Update: Same<Out<typeof Level2UpdateSchema>, Level2Update>;
  tradesSnapshot: Same<Out<typeof TradesSnapshotSchema>, TradesSnapshot>;
  tradesUpdate: Same<Out<typeof TradesUpdateSchema>, TradesUpdate>;
  ticker: Same<Out<typeof TickerSnapshotSchema> | Out<typeof TickerUpdateSchema>, TickerMessage>;
  candles: Same<Out<typeof CandlesSnapshotSchema> | Out<typeof CandlesUpdateSchema>, CandlesMessage>;
  feed: Same<Exclude<Out<typeof BatchableSchema>, { channel: "user" } | { type: "resumed" | "resync" }>, FeedMessage>;
  resumed: Same<Out<typeof ResumedSchema>, ResumedMessage>;
  resync: Same<Out<typeof ResyncSchema>, ResyncMessage>;
  heartbeat: Same<Out<typeof HeartbeatSchema>, HeartbeatMessage>;
  streamError: Same<Out<typeof StreamErrorSchema>, StreamErrorMessage>;
} = {
  welcome: true,
  level2Snapshot: true,
  level2Update: true,
  tradesSnapshot: true,
  tradesUpdate: true,
  ticker: true,
  candles: true,
  feed: true,
  resumed: true,
  resync: true,
  heartbeat: true,
  streamError: true,
};
void matches;
