/**
 * What the AsyncAPI document describes, protocol element by element: every client
 * method with its params and result (METHOD_DOCS), the replies, every message the
 * server sends on its own (RECEIVED), the text ping and the close codes. document.ts
 * turns this catalogue into the AsyncAPI 3.0 document.
 */
import { z } from "zod";
import { PUBLIC_CHANNELS } from "../../../shared/feed/messages.ts";
import {
  AuthParamsSchema,
  CancelOnDisconnectParamsSchema,
  CLOSE_CODES,
  type Method,
  RequestIdSchema,
  StreamsParamsSchema,
  USER_CHANNEL,
} from "../../../shared/feed/protocol.ts";
import { AmendByRefSchema, OrderRefSchema } from "../../../shared/operations/order-ref.ts";
import { CancelAllSchema, NewOrderRequestSchema } from "../../../shared/orders/input.ts";
import * as M from "./messages.ts";

export const ASYNCAPI_VERSION = "3.0.0";
/** The socket's path, under the server's `/v1`. */
export const FEED_CHANNEL = "feed";
export const FEED_PATH = "/v1/ws";

export interface AsyncApiOptions {
  /** Release version (`API_VERSION`), as the OpenAPI document's. */
  version: string;
  /** `ENVIRONMENT`, the server's name. */
  environment: string;
  /** The origin serving the API (`http://…` becomes `ws://…`, `https://…` `wss://…`). */
  serverUrl: string;
}

/** A JSON object (the document and its parts). */

// ── client methods ───────────────────────────────────────────────────────

/** `list` and `ping` ignore their params. */
const NoParams = z.unknown().describe("Ignored.");

export interface MethodDoc {
  /** Operation id (AsyncAPI ids are `[A-Za-z0-9_-]`). */
  operation: string;
  summary: string;
  description: string;
  params: z.ZodType;
  paramsRequired: boolean;
  /** Key of the reply message (besides `errorReply`). */
  reply: string;
  /** What the socket needs: none, or a session with this scope. */
  scope: "public" | "read" | "trade";
}

const STREAM_CHANNELS = [...PUBLIC_CHANNELS, USER_CHANNEL].join(", ");

/** Every method of `METHODS`: the compiler refuses a method without its entry. */
export const METHOD_DOCS: Record<Method, MethodDoc> = {
  subscribe: {
    operation: "subscribe",
    summary: "Subscribe to streams",
    description:
      `Channels among ${STREAM_CHANNELS}; \`instruments\` unless the only channel is \`user\` (which needs a session ` +
      "with `read`). Answers the socket's subscriptions, then each stream's snapshot arrives in-stream, or with " +
      "`resume_from` a `resumed` message and the replayed updates (`resync` and a snapshot when the log no longer " +
      "reaches back). A failed subscribe changes nothing.",
    params: StreamsParamsSchema,
    paramsRequired: true,
    reply: "subscriptionsReply",
    scope: "public",
  },
  unsubscribe: {
    operation: "unsubscribe",
    summary: "Drop streams",
    description: "Same params as subscribe (without `resume_from`); answers the subscriptions left.",
    params: StreamsParamsSchema,
    paramsRequired: true,
    reply: "subscriptionsReply",
    scope: "public",
  },
  list: {
    operation: "list",
    summary: "List the socket's subscriptions",
    description: 'The streams (`<channel>:<instrument>`), and "user" when on the user channel.',
    params: NoParams,
    paramsRequired: false,
    reply: "subscriptionsReply",
    scope: "public",
  },
  ping: {
    operation: "ping",
    summary: "JSON ping, answered by the shard",
    description: "The text frame `ping` (operation textPing) is answered by the runtime without waking the shard.",
    params: NoParams,
    paramsRequired: false,
    reply: "pongReply",
    scope: "public",
  },
  auth: {
    operation: "auth",
    summary: "Authenticate the socket",
    description:
      "Verifies a bearer access token as the gateway would; the socket then has a session (account, scopes, " +
      "expiry). Again with a fresh token of the same account renews it; another account's is `account_mismatch`. " +
      "Refusals: `unauthenticated` with a `reason`, `missing_scope`, `feed_account_limit`, `unavailable`.",
    params: AuthParamsSchema,
    paramsRequired: true,
    reply: "authReply",
    scope: "public",
  },
  "session.cancel_on_disconnect": {
    operation: "sessionCancelOnDisconnect",
    summary: "Turn cancel-on-disconnect on or off",
    description: "When on, the account's open orders are cancelled when this socket closes or errors.",
    params: CancelOnDisconnectParamsSchema,
    paramsRequired: true,
    reply: "cancelOnDisconnectReply",
    scope: "trade",
  },
  "order.place": {
    operation: "orderPlace",
    summary: "Place an order",
    description:
      "Exactly the body of POST /v1/orders. Checked against the instrument's grid and limits first (`invalid_order`, " +
      "`instrument_not_found`), then run by the account's order desk; `client_order_id` makes it idempotent " +
      "(`replayed: true`). Counts against `account:orders`.",
    params: NewOrderRequestSchema,
    paramsRequired: true,
    reply: "orderReply",
    scope: "trade",
  },
  "order.cancel": {
    operation: "orderCancel",
    summary: "Cancel an order",
    description: "By `order_id` or `client_order_id`. Counts against `account:cancels`.",
    params: OrderRefSchema,
    paramsRequired: true,
    reply: "orderReply",
    scope: "trade",
  },
  "order.amend": {
    operation: "orderAmend",
    summary: "Amend an order",
    description:
      "By `order_id` or `client_order_id`: the new total `size` (filled included), `price` and/or `stop_price`. " +
      "Counts against `account:orders`.",
    params: AmendByRefSchema,
    paramsRequired: true,
    reply: "orderReply",
    scope: "trade",
  },
  "order.cancel_all": {
    operation: "orderCancelAll",
    summary: "Cancel every open order",
    description: "Optionally only of one instrument and/or side. Counts against `account:cancels`.",
    params: CancelAllSchema,
    paramsRequired: false,
    reply: "cancelAllReply",
    scope: "trade",
  },
};

export function requestSchema(method: Method, doc: MethodDoc): z.ZodType {
  return z.object({
    id: RequestIdSchema.describe("Any string (1–64) or safe integer; the reply carries it."),
    method: z.literal(method),
    params: doc.paramsRequired ? doc.params : doc.params.optional(),
  });
}

/** The message key of a method's request: `orderPlaceRequest`. */
export function requestMessage(method: Method): string {
  return `${METHOD_DOCS[method].operation}Request`;
}

// ── server messages ──────────────────────────────────────────────────────

export interface MessageDoc {
  title: string;
  summary: string;
  /** Payload schema, or a literal text frame. */
  schema: z.ZodType | { text: string };
}

const json = (title: string, summary: string, schema: z.ZodType): MessageDoc => ({ title, summary, schema });

/** Replies, keyed as METHOD_DOCS name them. */
export const REPLIES: Record<string, MessageDoc> = {
  subscriptionsReply: json(
    "Subscriptions",
    "The socket's subscriptions after the request.",
    M.SubscriptionsReplySchema,
  ),
  pongReply: json("Pong", "The shard's answer to the ping method.", M.PongReplySchema),
  authReply: json("Session", "The socket's session.", M.AuthReplySchema),
  cancelOnDisconnectReply: json(
    "Cancel-on-disconnect",
    "Whether cancel-on-disconnect is on.",
    M.CancelOnDisconnectReplySchema,
  ),
  orderReply: json(
    "Order outcome",
    "The order, the fills this request caused, and `replayed`.",
    M.OrderReplyFrameSchema,
  ),
  cancelAllReply: json("Cancelled orders", "The orders this request cancelled.", M.CancelAllReplySchema),
  errorReply: json(
    "Error reply",
    "A request that failed, or a frame that was not one (`id` null). Errors never close the socket.",
    M.ErrorReplySchema,
  ),
};

/** What the server sends on its own, by receive operation. */
export const RECEIVED: Record<string, { summary: string; description: string; messages: Record<string, MessageDoc> }> =
  {
    receiveWelcome: {
      summary: "Welcome",
      description: "The first message on every socket: shard, heartbeat interval, limits, and the session if any.",
      messages: { welcome: json("Welcome", "Shard, heartbeat, limits, session.", M.WelcomeSchema) },
    },
    receiveLevel2: {
      summary: "level2: the aggregated book",
      description: "A snapshot at `seq`, then updates covering `first_seq..seq` (contiguous per instrument).",
      messages: {
        level2Snapshot: json("level2 snapshot", "Bids and asks at seq.", M.Level2SnapshotSchema),
        level2Update: json("level2 update", "Level changes.", M.Level2UpdateSchema),
      },
    },
    receiveTrades: {
      summary: "trades: prints",
      description: "Recent trades, then new ones.",
      messages: {
        tradesSnapshot: json("trades snapshot", "Recent trades, newest first.", M.TradesSnapshotSchema),
        tradesUpdate: json("trades update", "New trades, oldest first.", M.TradesUpdateSchema),
      },
    },
    receiveTicker: {
      summary: "ticker: best bid and ask, last, rolling 24 h",
      description: "A state channel: it always resumes with a snapshot.",
      messages: {
        tickerSnapshot: json("ticker snapshot", "The ticker now.", M.TickerSnapshotSchema),
        tickerUpdate: json("ticker update", "The ticker after a change.", M.TickerUpdateSchema),
      },
    },
    receiveCandles: {
      summary: "candles: one-minute OHLCV",
      description: "A state channel: it always resumes with a snapshot.",
      messages: {
        candlesSnapshot: json("candles snapshot", "Recent candles, oldest first.", M.CandlesSnapshotSchema),
        candlesUpdate: json("candles update", "The current candle, and the one it closed.", M.CandlesUpdateSchema),
      },
    },
    receiveResumed: {
      summary: "A resume succeeded",
      description: "Before the updates replayed after `resume_from`.",
      messages: { resumed: json("resumed", "The stream continues at from_seq.", M.ResumedSchema) },
    },
    receiveResync: {
      summary: "A fresh snapshot follows",
      description: "Instead of a resume the log no longer reaches back to, or of a gap.",
      messages: { resync: json("resync", "Why a snapshot follows.", M.ResyncSchema) },
    },
    receiveHeartbeat: {
      summary: "Heartbeat",
      description: "Every FEED_HEARTBEAT_MS: the last seq of every subscribed stream.",
      messages: { heartbeat: json("heartbeat", "Last seq per stream.", M.HeartbeatSchema) },
    },
    receiveBatch: {
      summary: "Several messages in one frame",
      description: "When one commit brings the socket several messages; gap detection stays per message.",
      messages: { batch: json("batch", "Messages in order.", M.BatchSchema) },
    },
    receiveStreamError: {
      summary: "A stream could not be served",
      description: "The stream is no longer subscribed: subscribe again later.",
      messages: {
        streamError: json("stream error", "The stream's channel, instrument and code.", M.StreamErrorSchema),
      },
    },
    receiveUser: {
      summary: "user: the account's orders, fills and balances",
      description:
        "After subscribe with channel `user` (a session with `read`): a snapshot, then every committed change, " +
        "numbered by one contiguous per-account seq; `resync` and a fresh snapshot instead of a gap; an error when " +
        "the channel ends with the token.",
      messages: {
        userSnapshot: json("user snapshot", "Open orders and every balance at seq.", M.UserSnapshotSchema),
        userOrder: json("user order", "An order changed.", M.UserOrderSchema),
        userFill: json("user fill", "An order traded.", M.UserFillSchema),
        userBalance: json("user balance", "Balances that changed.", M.UserBalanceSchema),
        userResync: json("user resync", "A fresh snapshot follows.", M.UserResyncSchema),
        userError: json("user error", "The channel ended for this socket.", M.UserErrorSchema),
      },
    },
    receiveErrorFrame: {
      summary: "An error not answering a request",
      description:
        "Frames that are not requests (bad JSON, binary, too large: `id` null) and limit violations are answered " +
        "with an error reply too.",
      messages: {},
    },
  };

export const TEXT_PING: Record<string, MessageDoc> = {
  textPing: {
    title: "ping (text)",
    summary: "The literal text frame `ping`: proves the client keeps up.",
    schema: { text: "ping" },
  },
  textPong: {
    title: "pong (text)",
    summary: "The runtime's answer to the text frame `ping`.",
    schema: { text: "pong" },
  },
};

/** Descriptions of CLOSE_CODES; the compiler wants one per code. */
const CLOSE_CODE_DOCS: Record<keyof typeof CLOSE_CODES, string> = {
  policy: "The fifth limit violation (requests per second, order requests per second, subscriptions).",
  slowConsumer: "Slow consumer: FEED_SLOW_HARD_LIMIT messages sent without a frame from the client.",
  idle: "Idle: neither authenticated nor subscribed within FEED_IDLE_TIMEOUT_MS.",
};

export function closeCodes(): Array<{ code: number; name: string; description: string }> {
  return (Object.keys(CLOSE_CODES) as Array<keyof typeof CLOSE_CODES>).map((name) => ({
    code: CLOSE_CODES[name],
    name,
    description: CLOSE_CODE_DOCS[name],
  }));
}
