/**
 * What the feed socket (`GET /v1/ws`) sends, as one discriminated union: market
 * data (shared/feed/messages.ts), the control messages and replies of
 * shared/feed/protocol.ts, and the `user` channel. Types only, trusted: a frame is
 * `JSON.parse`d and read as these types, never checked against them.
 *
 * Every message but a reply has a `type`; narrow on it (and on `channel`):
 * `(m) => m.type === "snapshot" && m.channel === "level2"` is inferred as a
 * type predicate. Replies have an `id` and `result` or `error` (see {@link isReply}).
 */
import type { FeedMessage } from "../../shared/feed/messages.ts";
import type {
  HeartbeatMessage,
  ReplyErrorCode,
  ReplyFrame,
  RequestId,
  ResumedMessage,
  ResyncMessage,
  StreamErrorMessage,
  WelcomeMessage,
} from "../../shared/feed/protocol.ts";
import type { Balance, Fill, Order, OrderReply } from "./api.ts";

export type { FeedMessage, PublicChannel } from "../../shared/feed/messages.ts";
export type {
  HeartbeatMessage,
  RequestId,
  ResumedMessage,
  ResyncMessage,
  StreamErrorMessage,
  WelcomeMessage,
} from "../../shared/feed/protocol.ts";

/**
 * A market-data message. A level2 snapshot sent in place of deltas held back from a
 * slow socket says `conflated: true` (durable-objects/feed/streams.ts adds it; the
 * types of shared/feed/messages.ts do not declare it).
 */
export type MarketMessage = FeedMessage & { conflated?: true };

export type ControlMessage = WelcomeMessage | ResumedMessage | ResyncMessage | HeartbeatMessage | StreamErrorMessage;

/**
 * The `user` channel. Its messages are the Account's `UserMessage` and `UserSnapshot`
 * (durable-objects/account/contract.ts), written here with the REST views of the
 * OpenAPI contract because that contract cannot be typechecked in Node (its files use
 * the Workers types); test/workers/feed-client.ts checks at compile time that the two
 * agree. `resync` and `error` are the shard's (durable-objects/feed/user-channel.ts,
 * not on the object's public surface).
 */
interface UserBase {
  channel: "user";
  /** Contiguous per account. */
  seq: number;
  time: number;
}
export type UserMessage =
  | (UserBase & { type: "order"; order: Order })
  | (UserBase & { type: "fill"; fill: Fill })
  | (UserBase & { type: "balance"; balances: Balance[] });
export interface UserSnapshot extends UserBase {
  type: "snapshot";
  orders: Order[];
  balances: Balance[];
}
export interface UserResync {
  type: "resync";
  channel: "user";
  reason: string;
}
export interface UserError {
  type: "error";
  channel: "user";
  code: ReplyErrorCode;
  message: string;
  /** Why an authenticated socket's channel ended: `token_expired`, `token_revoked`. */
  reason?: string;
}
export type UserChannelMessage = UserMessage | UserSnapshot | UserResync | UserError;

/** Codes of the error replies the client makes up itself: no reply in time, or the socket closed first. */
export type LocalErrorCode = "timeout" | "socket_closed";

/** `{id, result}`; `error` and `type` are absent (declared so that a union of frames can be read by either). */
export interface ResultReply<R = unknown> extends ReplyFrame {
  result: R;
  error?: undefined;
  type?: undefined;
}
/** `{id, error}` (shared/feed/protocol.ts `ErrorFrame`) from the shard, or one the client made up ({@link LocalErrorCode}). */
export interface ErrorReply {
  id: RequestId | null;
  /** The shard's code, message and details (order methods add the desk's: `reason`, `order`, amounts). */
  error: { code: ReplyErrorCode | LocalErrorCode; message: string } & Record<string, unknown>;
  result?: undefined;
  type?: undefined;
}
/** The one reply to a request: narrow with `reply.error` (or `"error" in reply`). */
export type Reply<R = unknown> = ResultReply<R> | ErrorReply;

/** One message: a frame, or one of a batch frame's. */
export type Message = MarketMessage | ControlMessage | UserChannelMessage | Reply;

/**
 * Several messages of one commit for one socket. shared/feed/messages.ts types them as
 * `FeedMessage`s; the shard batches whatever it sends while a socket is held (user
 * channel and control messages too), so here they are any {@link Message}.
 */
export interface Batch {
  type: "batch";
  messages: Message[];
}

/** The messages of one `type`, e.g. `MessageOf<"order">` (for explicit type predicates). */
export type MessageOf<K extends Message["type"]> = Extract<Message, { type: K }>;

/** A JSON text frame. */
export type Frame = Message | Batch;

/**
 * The `result` of each method, as the shard answers it (durable-objects/feed/index.ts,
 * session.ts, orders.ts; the server exports no type for them). Order methods answer
 * the REST views.
 */
export interface Results {
  subscribe: { subscriptions: string[] };
  unsubscribe: { subscriptions: string[] };
  list: { subscriptions: string[] };
  ping: { pong: true; time: number };
  auth: {
    account: string;
    scopes: string[];
    expires_at: string;
    expires_at_ms: number;
    cancel_on_disconnect: boolean;
  };
  "session.cancel_on_disconnect": { cancel_on_disconnect: boolean };
  "order.place": OrderReply;
  "order.amend": OrderReply;
  "order.cancel": OrderReply;
  "order.cancel_all": { cancelled: Order[] };
}

export function isReply(m: Message): m is Reply {
  return "id" in m;
}

/** The error of a reply that must be one (throws on a result). */
export function errorOf(reply: Reply): ErrorReply["error"] {
  if (reply.error) return reply.error;
  throw new Error(`expected an error reply, got ${JSON.stringify(reply)}`);
}

/** The result of a reply that must be one (throws on an error). */
export function resultOf<R>(reply: Reply<R>): R {
  if (reply.error) throw new Error(`expected a result, got ${JSON.stringify(reply)}`);
  return reply.result;
}

/**
 * Checks that the updates among `messages` (of one stream) continue each other from
 * `from` (`first_seq` = last `seq` + 1), and returns the last seq.
 */
export function contiguous(messages: readonly Message[], from: number): number {
  let last = from;
  for (const m of messages) {
    if (m.type !== "update") continue;
    if (m.first_seq !== last + 1) throw new Error(`gap or overlap: after ${last} got ${m.first_seq}..${m.seq}`);
    last = m.seq;
  }
  return last;
}
