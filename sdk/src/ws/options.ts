/** The options and the events of the feed client (client.ts), shared by the modules that make it up. */
import type { WebSocketConstructor } from "./socket.ts";
import type {
  AuthResult,
  ChannelMessage,
  HeartbeatMessage,
  MarketMessage,
  ResumedMessage,
  ResyncMessage,
  UserEvent,
  WelcomeMessage,
} from "./types.ts";

/** A token, or a function giving the current one (called at each connect and before the session expires). */
export type TokenSource = string | (() => string | Promise<string>);

export interface ReconnectOptions {
  /** The first retry waits up to this long (full jitter: a random delay in [0, cap]); default 250 ms. */
  baseMs?: number;
  /** The cap on the delay, which doubles with each failed attempt; default 30 s. */
  maxMs?: number;
}

export interface FeedClientOptions {
  /** `wss://…/v1/ws` (or `ws://` locally). */
  url: string;
  /** Bearer access token for `auth`: enables order entry and the `user` channel. */
  token?: TokenSource;
  /** Default: `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** No frame for this long means the socket is dead; default 2.5 × the welcome's `heartbeat_ms`. */
  heartbeatTimeoutMs?: number;
  /** Backoff of reconnects, or `false` to never reconnect. */
  reconnect?: ReconnectOptions | false;
  /** How long a request waits for its reply (including waiting for a connection); default 10 s. */
  requestTimeoutMs?: number;
  /** How long a new socket may take to send its `welcome`; default 10 s. */
  connectTimeoutMs?: number;
  /** Sent with `auth`: the shard cancels the account's open orders when the socket closes (needs `trade`). */
  cancelOnDisconnect?: boolean;
  /** Renew the session this long before it expires (default: 60 s, or a fifth of its lifetime if shorter). */
  refreshBeforeMs?: number;
}

export interface GapInfo {
  /** `"<channel>:<instrument>"` or `"user"`. */
  stream: string;
  /** The seq expected next. */
  expected: number;
  /** What came instead (an update's `first_seq`, or a heartbeat's last seq + 1). */
  got: number;
}

export interface FeedEvents {
  /** A socket is open (its welcome), before `auth` and the resubscriptions. */
  open: (welcome: WelcomeMessage) => void;
  /** The client is ready on a socket: authenticated (if it has a token) and resubscribed. */
  ready: (welcome: WelcomeMessage) => void;
  close: (info: { code: number; reason: string; reconnect: boolean }) => void;
  reconnecting: (info: { attempt: number; delayMs: number }) => void;
  auth: (session: AuthResult) => void;
  /** Something failed that no caller is waiting for (a resubscription, a re-auth, a stream ended by the server). */
  error: (error: Error) => void;
  /** Every market-data message passed on (after the seq checks). */
  message: (message: MarketMessage) => void;
  level2: (message: ChannelMessage<"level2">) => void;
  trades: (message: ChannelMessage<"trades">) => void;
  ticker: (message: ChannelMessage<"ticker">) => void;
  candles: (message: ChannelMessage<"candles">) => void;
  /** The `user` channel: its snapshot, then orders, fills and balances in seq order. */
  user: (event: UserEvent) => void;
  /** A gap was detected (and is being repaired: consumers never see it). */
  gap: (info: GapInfo) => void;
  resumed: (message: ResumedMessage) => void;
  resync: (message: ResyncMessage) => void;
  heartbeat: (message: HeartbeatMessage) => void;
}

/**
 * The client's `emit`, handed to the modules that make it up (`Emitter.emit` is protected:
 * only the client itself, and what it gives this function to, raise its events).
 */
export type EmitFeedEvent = <K extends keyof FeedEvents>(event: K, ...args: Parameters<FeedEvents[K]>) => void;
