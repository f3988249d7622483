/**
 * The AsyncAPI 3.0 document of the WebSocket feed (`GET /v1/ws`), served at
 * `GET /v1/asyncapi.json` (manual: docs/asyncapi.md).
 *
 * One channel, the socket. The client's requests are `send` operations, one per
 * method of `METHODS`, each with its reply; what the server sends on its own
 * (welcome, market data, control messages, the user channel, batch frames,
 * stream errors) are `receive` operations. Payload schemas are converted with
 * zod's `z.toJSONSchema` from the very schemas the shard validates requests
 * with (`shared/feed/protocol.ts`, `shared/orders/input.ts`,
 * `shared/operations/order-ref.ts`) and from the schemas of `messages.ts` for
 * what the server sends, so the document follows the code.
 *
 * Pure: no runtime bindings, so Node builds it too (the test, scripts/asyncapi-doc.ts).
 */
import { z } from "zod";
import { ERROR_CODES } from "../../../shared/errors/codes.ts";
import { PUBLIC_CHANNELS } from "../../../shared/feed/messages.ts";
import {
  AuthParamsSchema,
  CancelOnDisconnectParamsSchema,
  CLOSE_CODES,
  METHODS,
  type Method,
  RequestIdSchema,
  StreamsParamsSchema,
  USER_CHANNEL,
} from "../../../shared/feed/protocol.ts";
import { AmendByRefSchema, OrderRefSchema } from "../../../shared/operations/order-ref.ts";
import { CancelAllSchema, NewOrderSchema } from "../../../shared/orders/input.ts";
import { BalanceSchema } from "../openapi/contracts/accounts-balances.ts";
import { FillSchema, OrderReplySchema, OrderSchema } from "../openapi/contracts/order-schemas.ts";
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
export type Json = { [key: string]: unknown };

// ── client methods ───────────────────────────────────────────────────────

/** `list` and `ping` ignore their params. */
const NoParams = z.unknown().describe("Ignored.");

interface MethodDoc {
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
    params: NewOrderSchema,
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

function requestSchema(method: Method, doc: MethodDoc): z.ZodType {
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

interface MessageDoc {
  title: string;
  summary: string;
  /** Payload schema, or a literal text frame. */
  schema: z.ZodType | { text: string };
}

const json = (title: string, summary: string, schema: z.ZodType): MessageDoc => ({ title, summary, schema });

/** Replies, keyed as METHOD_DOCS name them. */
const REPLIES: Record<string, MessageDoc> = {
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

const TEXT_PING: Record<string, MessageDoc> = {
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

// ── JSON Schema ──────────────────────────────────────────────────────────

const SCHEMA_REF = "#/components/schemas/";

/** Payload schemas of every message, named in `components.schemas`. */
function payloadSchemas(): { schemas: Record<string, Json>; payloadOf: Map<string, string> } {
  // Requests are documented as the shard parses them (input); what it sends, as it is (output).
  const inputs = z.registry<{ id: string }>();
  const outputs = z.registry<{ id: string }>();
  const payloadOf = new Map<string, string>();
  const capital = (s: string) => s[0]?.toUpperCase() + s.slice(1);
  const named = new Set<z.ZodType>();
  // Shared parts get names of their own (refs), so the document says Order once.
  const parts: Array<[z.ZodType, string, z.core.$ZodRegistry<{ id: string }>]> = [
    [StreamsParamsSchema, "StreamsParams", inputs],
    [NewOrderSchema, "NewOrder", inputs],
    [OrderRefSchema, "OrderRef", inputs],
    [AmendByRefSchema, "AmendByRef", inputs],
    [CancelAllSchema, "CancelAll", inputs],
    [AuthParamsSchema, "AuthParams", inputs],
    [CancelOnDisconnectParamsSchema, "CancelOnDisconnectParams", inputs],
    [OrderSchema, "Order", outputs],
    [FillSchema, "Fill", outputs],
    [BalanceSchema, "Balance", outputs],
    [OrderReplySchema, "OrderResult", outputs],
  ];
  for (const [schema, id, registry] of parts) {
    registry.add(schema, { id });
    named.add(schema);
  }
  for (const method of METHODS) {
    const key = requestMessage(method);
    inputs.add(requestSchema(method, METHOD_DOCS[method]), { id: capital(key) });
    payloadOf.set(key, capital(key));
  }
  const server: Record<string, MessageDoc> = { ...REPLIES };
  for (const op of Object.values(RECEIVED)) Object.assign(server, op.messages);
  // Messages that also travel inside a batch are referenced from it.
  for (const [key, doc] of Object.entries(server)) {
    if (!("text" in doc.schema) && !named.has(doc.schema)) {
      outputs.add(doc.schema, { id: capital(key) });
      named.add(doc.schema);
    }
    payloadOf.set(key, capital(key));
  }
  const schemas: Record<string, Json> = {};
  for (const [registry, io] of [
    [inputs, "input"],
    [outputs, "output"],
  ] as const) {
    const out = z.toJSONSchema(registry, {
      target: "draft-7",
      io,
      uri: (id) => `${SCHEMA_REF}${id}`,
      unrepresentable: "any",
    }) as { schemas: Record<string, Json> };
    for (const [id, schema] of Object.entries(out.schemas)) {
      const { $schema: _s, $id: _i, ...rest } = schema;
      schemas[id] = rest;
    }
  }
  return { schemas, payloadOf };
}

// ── the document ─────────────────────────────────────────────────────────

const ref = ($ref: string) => ({ $ref });
const channelMessage = (key: string) => ref(`#/channels/${FEED_CHANNEL}/messages/${key}`);

function message(
  key: string,
  doc: Pick<MessageDoc, "title" | "summary"> & { schema?: MessageDoc["schema"] },
  payloadOf: Map<string, string>,
  extra: Json = {},
): Json {
  const text = doc.schema && "text" in doc.schema ? doc.schema.text : undefined;
  const payload = payloadOf.get(key);
  if (text === undefined && payload === undefined) throw new Error(`asyncapi: message ${key} has no payload schema`);
  return {
    name: key,
    title: doc.title,
    summary: doc.summary,
    contentType: text === undefined ? "application/json" : "text/plain",
    payload: text === undefined ? ref(`${SCHEMA_REF}${payload}`) : { type: "string", const: text },
    ...extra,
  };
}

/** The AsyncAPI 3.0 document for `options`' origin and release. */
export function asyncApiDocument(options: AsyncApiOptions): Json {
  const origin = new URL(options.serverUrl);
  const { schemas, payloadOf } = payloadSchemas();
  const messages: Record<string, Json> = {};
  const operations: Record<string, Json> = {};

  for (const method of METHODS) {
    const doc = METHOD_DOCS[method];
    const key = requestMessage(method);
    messages[key] = message(key, { title: method, summary: doc.summary }, payloadOf);
    operations[doc.operation] = {
      action: "send",
      channel: ref(`#/channels/${FEED_CHANNEL}`),
      title: method,
      summary: doc.summary,
      description: doc.description,
      messages: [channelMessage(key)],
      reply: {
        channel: ref(`#/channels/${FEED_CHANNEL}`),
        messages: [channelMessage(doc.reply), channelMessage("errorReply")],
      },
      "x-method": method,
      "x-scope": doc.scope,
      "x-rate-limit": method.startsWith("order.") ? "orders_per_second" : "messages_per_second",
    };
  }
  for (const [key, doc] of Object.entries(REPLIES)) {
    const extra: Json =
      key === "errorReply"
        ? {
            "x-error-codes": M.REPLY_ERROR_CODES.map((code) => ({ code, title: ERROR_CODES[code].title })),
          }
        : {};
    messages[key] = message(key, doc, payloadOf, extra);
  }
  for (const [id, op] of Object.entries(RECEIVED)) {
    for (const [key, doc] of Object.entries(op.messages)) messages[key] = message(key, doc, payloadOf);
    const keys = id === "receiveErrorFrame" ? ["errorReply"] : Object.keys(op.messages);
    operations[id] = {
      action: "receive",
      channel: ref(`#/channels/${FEED_CHANNEL}`),
      summary: op.summary,
      description: op.description,
      messages: keys.map(channelMessage),
    };
  }
  for (const [key, doc] of Object.entries(TEXT_PING)) messages[key] = message(key, doc, payloadOf);
  operations.textPing = {
    action: "send",
    channel: ref(`#/channels/${FEED_CHANNEL}`),
    summary: "Text ping",
    description:
      "The literal text frame `ping`, answered `pong` by the runtime without waking a hibernated shard; it " +
      "acknowledges what the socket received (see welcome.limits.unacknowledged) and is not rate-limited.",
    messages: [channelMessage("textPing")],
    reply: { channel: ref(`#/channels/${FEED_CHANNEL}`), messages: [channelMessage("textPong")] },
  };

  const close = closeCodes();
  const serverName = options.environment.replace(/[^A-Za-z0-9_-]/g, "_") || "default";
  return {
    asyncapi: ASYNCAPI_VERSION,
    id: "urn:platform3:feed",
    info: {
      title: "Platform3 Edge WebSocket feed",
      version: options.version,
      description:
        "The WebSocket of `GET /v1/ws`: market data (level2, trades, ticker, candles), order entry and the " +
        "account's private `user` channel on one socket. Requests are `{id, method, params}`, each answered " +
        "`{id, result}` or `{id, error: {code, message}}`; errors never close the socket. Market-data messages " +
        "carry `seq`, contiguous per instrument and channel. Close codes: " +
        close.map((c) => `${c.code} (${c.description})`).join("; ") +
        ". Payload schemas list every field the server sends (`additionalProperties: false`); the manual is " +
        "docs/market-data-and-feed.md and docs/accounts-and-orders.md.",
      externalDocs: { description: "The HTTP API (OpenAPI 3.1)", url: `${origin.origin}/v1/openapi.json` },
    },
    defaultContentType: "application/json",
    servers: {
      [serverName]: {
        host: origin.host,
        protocol: origin.protocol === "https:" ? "wss" : "ws",
        pathname: "/v1",
        title: options.environment,
        description: `The feed socket is ${origin.protocol === "https:" ? "wss" : "ws"}://${origin.host}${FEED_PATH}.`,
        security: [ref("#/components/securitySchemes/bearer")],
      },
    },
    channels: {
      [FEED_CHANNEL]: {
        address: "/ws",
        title: "The feed socket",
        description:
          "One WebSocket carries every stream: name streams at connect (`?subscribe=`) or with subscribe requests.",
        messages: Object.fromEntries(Object.keys(messages).map((key) => [key, ref(`#/components/messages/${key}`)])),
        bindings: {
          ws: {
            method: "GET",
            query: {
              type: "object",
              properties: {
                subscribe: {
                  type: "string",
                  description:
                    `Streams to subscribe at once, comma-separated \`<channel>:<instrument>\` (channels: ${PUBLIC_CHANNELS.join(", ")}); ` +
                    "they become the socket's tags. An unknown instrument is 404, a malformed stream 400.",
                  examples: ["level2:BTC-USD,trades:BTC-USD"],
                },
              },
              additionalProperties: false,
            },
            headers: {
              type: "object",
              properties: {
                Authorization: {
                  type: "string",
                  pattern: "^Bearer .+$",
                  description:
                    "Optional: `Bearer <access token>` authenticates the socket at once (as `auth` would; a bad " +
                    "token is 401) and lets it use the slots kept for authenticated sockets.",
                },
              },
            },
            bindingVersion: "0.1.0",
          },
        },
        "x-close-codes": close,
      },
    },
    operations,
    components: {
      schemas,
      messages,
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "Optional at the upgrade (`Authorization: Bearer`); or send the `auth` method on the socket. Market data " +
            "needs none; order methods need `trade`, the user channel `read`.",
        },
      },
    },
  };
}
