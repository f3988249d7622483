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
 * What it describes is catalogue.ts; this module converts the schemas and assembles the
 * document. Pure: no runtime bindings, so Node builds it too (the test, scripts/asyncapi-doc.ts).
 */
import { z } from "zod";
import { ERROR_CODES } from "../../../shared/errors/codes.ts";
import { PUBLIC_CHANNELS } from "../../../shared/feed/messages.ts";
import {
  AuthParamsSchema,
  CancelOnDisconnectParamsSchema,
  METHODS,
  StreamsParamsSchema,
} from "../../../shared/feed/protocol.ts";
import { AmendByRefSchema, OrderRefSchema } from "../../../shared/operations/order-ref.ts";
import { CancelAllSchema, NewOrderRequestSchema } from "../../../shared/orders/input.ts";
import { BalanceSchema } from "../openapi/contracts/accounts-balances.ts";
import { FillSchema, OrderReplySchema, OrderSchema } from "../openapi/contracts/order-schemas.ts";
import {
  closeCodes,
  METHOD_DOCS,
  type MessageDoc,
  RECEIVED,
  REPLIES,
  requestMessage,
  requestSchema,
  TEXT_PING,
} from "./catalogue.ts";
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
    [NewOrderRequestSchema, "NewOrder", inputs],
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
