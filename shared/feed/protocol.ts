/**
 * The feed's wire protocol, client side of the socket.
 *
 * Clients send requests `{"id", "method", "params"}` and get exactly one reply
 * each: `{"id", "result"}` or `{"id", "error": {"code", "message"}}`. A frame
 * that is not a request (bad JSON, no id) is answered with `id: null`. Errors
 * never close the connection; only limit abuse and slow consumers do (see
 * {@link CLOSE_CODES}).
 *
 * Market data arrives as the messages of `shared/feed/messages.ts`, plus the
 * control messages below (`welcome`, `resumed`, `resync`, `heartbeat`,
 * `error`). A stream is one channel of one instrument, named
 * `"<channel>:<instrument>"`, e.g. `"level2:BTC-USD"`.
 *
 * After `auth` (a bearer access token), a socket may also enter orders
 * (`order.*`, see `orders.ts`) and subscribe its account's private `user`
 * channel (see `user-channel.ts`).
 */
import { z } from "zod";
import { type DeskErrorCode, FEED_ERROR_CODES, type FeedErrorCode } from "../errors/codes.ts";
import { PUBLIC_CHANNELS, type PublicChannel } from "./messages.ts";

export { FEED_ERROR_CODES, type FeedErrorCode };

/** Codes of error replies: the shard's own, and the order desk's for order methods (`orders.ts`). */
export type ReplyErrorCode = FeedErrorCode | DeskErrorCode;

/** The private channel of an authenticated socket's account; it names no instrument. */
export const USER_CHANNEL = "user";

/** WebSocket close codes the shard uses, with the reason it gives. */
export const CLOSE_CODES = {
  /** Repeated limit violations (rate, subscriptions). */
  policy: 1008,
  /** Too many messages unacknowledged: the client does not keep up. */
  slowConsumer: 4008,
  /** Neither authenticated nor subscribed within `FEED_IDLE_TIMEOUT_MS`. */
  idle: 4001,
} as const;

export const METHODS = [
  "subscribe",
  "unsubscribe",
  "list",
  "ping",
  "auth",
  "session.cancel_on_disconnect",
  "order.place",
  "order.cancel",
  "order.amend",
  "order.cancel_all",
] as const;
export type Method = (typeof METHODS)[number];

export const RequestIdSchema = z.union([z.string().min(1).max(64), z.number().int().safe()]);
export type RequestId = z.infer<typeof RequestIdSchema>;

const EnvelopeSchema = z.object({
  id: RequestIdSchema,
  method: z.string().max(64),
  params: z.unknown().optional(),
});

/** Instrument symbols as the registry lists them, e.g. `BTC-USD`. */
export const SYMBOL_PATTERN = /^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$/;

const Seq = z.number().int().nonnegative().safe();

/**
 * Params of `subscribe` and `unsubscribe`. Channel names are checked after parsing, for a precise error code.
 * `instruments` is required unless the only channel is `user`.
 */
export const StreamsParamsSchema = z
  .object({
    channels: z.array(z.string().max(32)).min(1).max(16),
    instruments: z.array(z.string().max(32)).min(1).max(100).optional(),
    /**
     * Replay from after this sequence instead of a snapshot: one number for every
     * stream, or per `"<instrument>"` or `"<channel>:<instrument>"` (the latter wins).
     */
    resume_from: z.union([Seq, z.record(z.string().max(64), Seq)]).optional(),
  })
  .strict();
export type StreamsParams = z.infer<typeof StreamsParamsSchema>;

/** Params of `auth`. */
export const AuthParamsSchema = z
  .object({
    token: z.string().min(1).max(8192).describe("The access_token of POST /v1/auth/token (or an OIDC access token)."),
    cancel_on_disconnect: z
      .boolean()
      .optional()
      .describe("Cancel the account's open orders when this socket closes (needs the trade scope)."),
  })
  .strict();

/** Params of `session.cancel_on_disconnect`. */
export const CancelOnDisconnectParamsSchema = z.object({ enabled: z.boolean() }).strict();

export type ParsedRequest =
  | { ok: true; id: RequestId; method: Method; params: unknown }
  | { ok: false; id: RequestId | null; code: FeedErrorCode; message: string };

/** Parses one text frame into a request, or the error to answer it with. */
export function parseRequest(text: string): ParsedRequest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      ok: false,
      id: null,
      code: "invalid_json",
      message: 'The frame is not JSON: send {"id", "method", "params"}.',
    };
  }
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    const id = RequestIdSchema.safeParse((json as { id?: unknown } | null)?.id);
    return {
      ok: false,
      id: id.success ? id.data : null,
      code: "invalid_request",
      message: `A request is {"id": string | integer, "method": string, "params"?: object}: ${issues(envelope.error)}`,
    };
  }
  const { id, method, params } = envelope.data;
  if (!(METHODS as readonly string[]).includes(method)) {
    return {
      ok: false,
      id,
      code: "unknown_method",
      message: `Unknown method "${method}"; use one of ${METHODS.join(", ")}.`,
    };
  }
  return { ok: true, id, method: method as Method, params };
}

/** Short, readable zod issues ("channels: expected array"). */
export function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}

export function isChannel(name: string): name is PublicChannel {
  return (PUBLIC_CHANNELS as readonly string[]).includes(name);
}

/** `"<channel>:<instrument>"`. */
export type StreamKey = `${PublicChannel}:${string}`;

export function streamKey(channel: PublicChannel, instrument: string): StreamKey {
  return `${channel}:${instrument}`;
}

/** Splits a stream key; undefined when it is not one. */
export function parseStreamKey(key: string): { channel: PublicChannel; instrument: string } | undefined {
  const at = key.indexOf(":");
  if (at < 0) return undefined;
  const channel = key.slice(0, at);
  const instrument = key.slice(at + 1);
  if (!isChannel(channel) || !SYMBOL_PATTERN.test(instrument)) return undefined;
  return { channel, instrument };
}

/**
 * Parses the `subscribe` query parameter of the upgrade request,
 * `level2:BTC-USD,trades:BTC-USD`, into stream keys (deduplicated).
 */
export function parseSubscribeParam(
  value: string | null | undefined,
  max: number,
): { keys: StreamKey[] } | { error: string } {
  if (value === null || value === undefined || value === "") return { keys: [] };
  const keys = new Set<StreamKey>();
  for (const part of value.split(",")) {
    const parsed = parseStreamKey(part.trim());
    if (!parsed) {
      return {
        error: `"${part}" is not a stream: write <channel>:<instrument> with a channel among ${PUBLIC_CHANNELS.join(", ")}, e.g. subscribe=level2:BTC-USD,trades:BTC-USD.`,
      };
    }
    keys.add(streamKey(parsed.channel, parsed.instrument));
  }
  if (keys.size > max) {
    return {
      error: `The URL may name at most ${max} streams (they become the socket's tags); send a "subscribe" request for more.`,
    };
  }
  return { keys: [...keys] };
}

/** Which `resume_from` applies to one stream, if any. */
export function resumePoint(params: StreamsParams, channel: PublicChannel, instrument: string): number | undefined {
  const from = params.resume_from;
  if (from === undefined || typeof from === "number") return from;
  return from[streamKey(channel, instrument)] ?? from[instrument];
}

// ── server → client ──────────────────────────────────────────────────────

export interface ReplyFrame {
  id: RequestId;
  result: unknown;
}

export interface ErrorFrame {
  id: RequestId | null;
  /** Order methods add the desk's details: `reason`, `order`, amounts. */
  error: { code: ReplyErrorCode; message: string } & Record<string, unknown>;
}

/** First message on every socket. */
export interface WelcomeMessage {
  type: "welcome";
  shard: string;
  heartbeat_ms: number;
  limits: {
    max_subscriptions: number;
    messages_per_second: number;
    /** Order requests (`order.*`) per second, counted apart from the others. */
    orders_per_second: number;
    /**
     * Messages the shard sends without any frame back before it pauses level2
     * (`soft`) or closes the socket with 4008 (`hard`): answer heartbeats with
     * the text frame `ping` (answered `pong` by the runtime) to show you keep up.
     */
    unacknowledged: { soft: number; hard: number };
    /** A socket without a session and without subscriptions for this long is closed (4001). */
    idle_timeout_ms: number;
  };
  /** Present when the upgrade authenticated (`Authorization: Bearer <access token>`). */
  session?: { account: string; scopes: string[]; expires_at_ms: number };
}

/** Before replayed updates: the stream continues at `from_seq` without a snapshot. */
export interface ResumedMessage {
  type: "resumed";
  channel: PublicChannel;
  instrument: string;
  from_seq: number;
}

/** Before a snapshot the client did not ask for, or instead of a resume that was impossible. */
export interface ResyncMessage {
  type: "resync";
  channel: PublicChannel;
  instrument: string;
  reason: string;
}

/**
 * Periodic: the last `seq` sent on each of the socket's streams, and under `user` on its
 * user channel (null while a snapshot is on its way, or unknown after the shard restarted).
 */
export interface HeartbeatMessage {
  type: "heartbeat";
  time: number;
  seqs: Record<string, number | null>;
}

/** A stream that could not be served; it is no longer subscribed. */
export interface StreamErrorMessage {
  type: "error";
  channel: PublicChannel;
  instrument: string;
  code: FeedErrorCode;
  message: string;
}

export function errorFrame(
  id: RequestId | null,
  code: ReplyErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): ErrorFrame {
  return { id, error: { ...details, code, message } };
}

/**
 * A frame's size for the limit check: above `limit` exactly when its UTF-8 length is
 * (the bytes are counted only when the length in UTF-16 units leaves any doubt).
 */
export function frameBytes(text: string, limit: number): number {
  if (text.length > limit || text.length * 3 <= limit) return text.length;
  return new TextEncoder().encode(text).byteLength;
}
