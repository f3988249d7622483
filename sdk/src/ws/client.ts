/**
 * The feed client: one WebSocket to `GET /v1/ws` that survives drops.
 *
 * - Connects lazily (or with {@link FeedClient.connect}); after an unexpected close it
 *   reconnects with exponential backoff and full jitter, never after {@link FeedClient.close}.
 * - A watchdog treats a socket without any frame for ~2.5 heartbeat intervals as dead
 *   and reconnects; each heartbeat is answered with the text frame `ping`, so the shard
 *   never counts the client as a slow consumer.
 * - `auth` with the token on every (re)connect, and again before the session expires
 *   when the token function gives a new token.
 * - Subscriptions survive reconnects: each stream is subscribed again with
 *   `resume_from` = the last seq seen (level2, trades: `resumed` and the missed updates,
 *   or `resync` and a fresh snapshot; ticker, candles: a snapshot). A gap (`first_seq` ≠
 *   last seq + 1, or a heartbeat ahead of the last seq) is repaired the same way, on the
 *   same socket. Consumers never see a gap: only contiguous updates, or a snapshot.
 * - Level-2 books per instrument ({@link FeedClient.book}), async iterators and events
 *   for every stream, order entry (`order.*`) and the private `user` channel.
 */
import { Platform3Error, TransportError, UnavailableError } from "../errors.ts";
import { Level2Book } from "./book.ts";
import { Emitter } from "./emitter.ts";
import { replyError, statusUnknown } from "./errors.ts";
import { AsyncQueue } from "./queue.ts";
import {
  type AmendOrder,
  type AuthResult,
  type CancelAllFilter,
  type CancelAllReply,
  type ChannelMessage,
  type HeartbeatMessage,
  type LevelChange,
  type MarketMessage,
  type Message,
  type NewOrder,
  type OrderRef,
  type OrderReply,
  type PriceSize,
  PUBLIC_CHANNELS,
  type PublicChannel,
  RESUMABLE_CHANNELS,
  type ReplyMessage,
  type ResumedMessage,
  type ResyncMessage,
  type StreamErrorMessage,
  type StreamKey,
  type SubscriptionsResult,
  type UserEvent,
  type WelcomeMessage,
} from "./types.ts";

// ── the WebSocket, whatever provides it ──────────────────────────────────

/** What the client needs of a WebSocket: the standard one (browsers, Node 22, Workers' `new WebSocket`). */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType?: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // biome-ignore lint/suspicious/noExplicitAny: standard event objects differ slightly between runtimes.
  addEventListener(type: "open" | "message" | "close" | "error", listener: (event: any) => void): void;
}

/** A WebSocket constructor: the global one, or an injected one (say, one that sets upgrade headers in Node). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

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

/** A book change: the new snapshot, or the changes of one update (`first_seq..seq`). */
export type BookChange =
  | { type: "snapshot"; instrument: string; seq: number; bids: PriceSize[]; asks: PriceSize[] }
  | { type: "update"; instrument: string; first_seq: number; seq: number; changes: LevelChange[] };

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

// ── per-stream state ─────────────────────────────────────────────────────

interface Stream {
  key: StreamKey;
  channel: PublicChannel;
  instrument: string;
  /** Seq of the last message passed on; undefined before the first snapshot. */
  last: number | undefined;
  /** Updates are passed on only when synced: after a snapshot or `resumed` on the current socket. */
  synced: boolean;
  /** When a repair (resubscribe) was requested, while it is pending. */
  repairing: number | undefined;
  /** Subscription holders: explicit subscribe, iterators, the book. */
  holders: number;
  queues: Set<AsyncQueue<MarketMessage>>;
  /** Iterators that joined after the stream's snapshot: they start at the next one (asked for). */
  waiting: Set<AsyncQueue<MarketMessage>>;
  book: OrderBook | undefined;
  /** The `subscribe` sent for it on the socket of `generation`. */
  subscribing: { generation: number; promise: Promise<unknown> } | undefined;
}

interface UserStream {
  last: number | undefined;
  synced: boolean;
  repairing: number | undefined;
  holders: number;
  queues: Set<AsyncQueue<UserEvent>>;
  subscribing: { generation: number; promise: Promise<unknown> } | undefined;
}

interface Pending {
  method: string;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const OPEN = 1;
/** Client close codes must be 1000 or 3000–4999. */
const CLIENT_DROP = 4000;

const streamKey = (channel: PublicChannel, instrument: string): StreamKey => `${channel}:${instrument}`;

const decoder = new TextDecoder();
const textOf = (data: unknown): string =>
  typeof data === "string"
    ? data
    : data instanceof ArrayBuffer
      ? decoder.decode(data)
      : ArrayBuffer.isView(data)
        ? decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
        : String(data);

function randomId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

export class FeedClient extends Emitter<FeedEvents> {
  readonly url: string;
  /** The welcome of the current socket; undefined while disconnected. */
  welcome: WelcomeMessage | undefined;
  /** The session of the current socket after `auth`. */
  session: AuthResult | undefined;
  /** Sockets opened so far (1 after the first connect; each reconnect adds one). */
  connections = 0;

  private readonly options: FeedClientOptions;
  private readonly WS: WebSocketConstructor;
  private readonly requestTimeoutMs: number;
  private readonly streams = new Map<StreamKey, Stream>();
  private readonly books = new Map<string, OrderBook>();
  private readonly user: UserStream = {
    last: undefined,
    synced: false,
    repairing: undefined,
    holders: 0,
    queues: new Set(),
    subscribing: undefined,
  };
  private readonly pending = new Map<number, Pending>();
  /** Errors the client made up because a socket dropped under a request (placements retry on those). */
  private readonly dropped = new WeakSet<Error>();
  private nextId = 1;
  private ws: WebSocketLike | undefined;
  /** Bumped for each socket: events of an older socket are ignored. */
  private generation = 0;
  private started = false;
  private closed = false;
  private attempt = 0;
  private readyGate: Deferred = deferred();
  private isReady = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdogMs = 0;
  private token: string | undefined;
  /** Messages received since the client last sent a frame (the shard's slow-consumer count, seen from here). */
  private unacknowledged = 0;

  constructor(options: FeedClientOptions) {
    super();
    this.options = options;
    this.url = options.url;
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new TypeError("no WebSocket: pass options.WebSocket (this runtime has no global one)");
    this.WS = WS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  // ── lifecycle ──────────────────────────────────────────────────────────

  /** Opens the socket (if not yet) and resolves once it is ready: welcomed, authenticated, resubscribed. */
  connect(): Promise<void> {
    this.start();
    return this.whenReady(this.options.connectTimeoutMs ?? this.requestTimeoutMs);
  }

  /** True while a socket is open and ready. */
  get connected(): boolean {
    return this.isReady;
  }

  /** Closes for good: no reconnect; iterators end, pending requests fail. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    clearTimeout(this.reconnectTimer);
    const ws = this.ws;
    this.ws = undefined;
    this.generation++;
    if (ws) {
      try {
        ws.close(1000, "client closed");
      } catch {
        // already closing
      }
    }
    this.failPending(() => new TransportError("the feed client was closed"));
    for (const s of this.streams.values()) for (const q of s.queues) q.end();
    for (const q of this.user.queues) q.end();
    for (const b of this.books.values()) b.end();
    this.isReady = false;
    this.readyGate.resolve();
  }

  /**
   * Drops the current socket as if the network had failed (the client reconnects and
   * resumes). For tests and for callers that know the connection is bad.
   */
  drop(reason = "dropped by the client"): void {
    const ws = this.ws;
    if (ws) this.lost(ws, 1006, reason);
  }

  private start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.open();
  }

  private open(): void {
    if (this.closed) return;
    const generation = ++this.generation;
    let ws: WebSocketLike;
    try {
      ws = new this.WS(this.url);
    } catch (err) {
      this.emit("error", new TransportError(`cannot open ${this.url}`, err));
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.connections++;
    try {
      ws.binaryType = "arraybuffer";
    } catch {
      // not settable here
    }
    const current = () => generation === this.generation && !this.closed;
    ws.addEventListener("message", (e: { data: unknown }) => {
      if (current()) this.frame(ws, textOf(e.data));
    });
    ws.addEventListener("close", (e: { code?: number; reason?: string }) => {
      if (current()) this.lost(ws, e.code ?? 1006, e.reason ?? "");
    });
    ws.addEventListener("error", () => {
      // A close follows; nothing to do here.
    });
    this.connectTimer = setTimeout(() => {
      if (current()) this.lost(ws, 1006, "no welcome in time");
    }, this.options.connectTimeoutMs ?? 10_000);
  }

  /** The socket is gone (closed, failed, or declared dead): clean up and reconnect unless closed. */
  private lost(ws: WebSocketLike, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.generation++;
    this.ws = undefined;
    this.clearTimers();
    try {
      if (ws.readyState <= OPEN) ws.close(CLIENT_DROP, reason.slice(0, 100));
    } catch {
      // already closed
    }
    this.welcome = undefined;
    this.session = undefined;
    if (this.isReady) {
      this.isReady = false;
      this.readyGate = deferred();
    }
    this.failPending((method) =>
      method.startsWith("order.")
        ? statusUnknown(method, `the socket closed (${code})`)
        : new TransportError(`the socket closed (${code} ${reason}) before the reply to ${method}`),
    );
    for (const s of this.streams.values()) {
      s.synced = false;
      s.repairing = undefined;
    }
    this.user.synced = false;
    this.user.repairing = undefined;
    const reconnect = !this.closed && this.options.reconnect !== false;
    this.emit("close", { code, reason, reconnect });
    if (reconnect) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.options.reconnect === false) return;
    const base = this.options.reconnect?.baseMs ?? 250;
    const max = this.options.reconnect?.maxMs ?? 30_000;
    const cap = Math.min(max, base * 2 ** Math.min(this.attempt, 30));
    const delayMs = Math.floor(Math.random() * cap);
    this.attempt++;
    this.emit("reconnecting", { attempt: this.attempt, delayMs });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.open(), delayMs);
  }

  private clearTimers(): void {
    clearTimeout(this.connectTimer);
    clearTimeout(this.watchdog);
    clearTimeout(this.refreshTimer);
    this.connectTimer = undefined;
    this.watchdog = undefined;
    this.refreshTimer = undefined;
  }

  private armWatchdog(ws: WebSocketLike): void {
    if (this.watchdogMs <= 0) return;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.lost(ws, 1006, `no frame for ${this.watchdogMs} ms`), this.watchdogMs);
  }

  /** Resolves when the client is ready (or closed); rejects after `ms`. */
  private whenReady(ms: number): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError("the feed client is closed"));
    if (this.isReady) return Promise.resolve();
    this.start();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new TransportError(`not connected to ${this.url} within ${ms} ms`)), ms);
      void this.readyGate.promise.then(() => {
        clearTimeout(timer);
        if (this.closed) reject(new TransportError("the feed client is closed"));
        else resolve();
      });
    });
  }

  /** A new socket's welcome: auth, resubscribe everything, then ready. */
  private async welcomed(ws: WebSocketLike, welcome: WelcomeMessage): Promise<void> {
    clearTimeout(this.connectTimer);
    this.welcome = welcome;
    this.watchdogMs = this.options.heartbeatTimeoutMs ?? Math.round(welcome.heartbeat_ms * 2.5);
    this.armWatchdog(ws);
    this.emit("open", welcome);
    if (this.options.token !== undefined) {
      try {
        await this.authenticate(false);
      } catch (err) {
        if (ws !== this.ws) return;
        this.emit("error", err as Error);
      }
    }
    if (ws !== this.ws) return;
    this.resubscribeAll();
    this.attempt = 0;
    this.isReady = true;
    this.readyGate.resolve();
    this.emit("ready", welcome);
  }

  // ── auth ───────────────────────────────────────────────────────────────

  private async currentToken(): Promise<string | undefined> {
    const source = this.options.token;
    return typeof source === "function" ? await source() : source;
  }

  /** `auth` on the current socket with the current token (`onlyIfNew`: skipped when the token did not change). */
  private async authenticate(onlyIfNew: boolean): Promise<AuthResult | undefined> {
    const ws = this.ws;
    const token = await this.currentToken();
    if (token === undefined || ws !== this.ws) return undefined;
    if (onlyIfNew && token === this.token) return undefined;
    const params: Record<string, unknown> = { token };
    if (this.options.cancelOnDisconnect !== undefined) params.cancel_on_disconnect = this.options.cancelOnDisconnect;
    const session = await this.send<AuthResult>("auth", params);
    if (ws !== this.ws) return undefined;
    this.token = token;
    this.session = session;
    this.emit("auth", session);
    this.scheduleRefresh(session.expires_at_ms);
    return session;
  }

  private scheduleRefresh(expiresAtMs: number): void {
    clearTimeout(this.refreshTimer);
    if (typeof this.options.token !== "function") return;
    const left = expiresAtMs - Date.now();
    const before = this.options.refreshBeforeMs ?? Math.min(60_000, left / 5);
    const ws = this.ws;
    const at = Math.max(1000, left - before);
    this.refreshTimer = setTimeout(() => void this.refresh(ws, expiresAtMs), at);
  }

  /** Before expiry: `auth` again if the token function gives a new token; else look again shortly. */
  private async refresh(ws: WebSocketLike | undefined, expiresAtMs: number): Promise<void> {
    if (ws !== this.ws || this.closed) return;
    try {
      const renewed = await this.authenticate(true);
      if (!renewed && ws === this.ws && Date.now() < expiresAtMs) {
        this.refreshTimer = setTimeout(
          () => void this.refresh(ws, expiresAtMs),
          Math.max(250, Math.min(5000, (expiresAtMs - Date.now()) / 2)),
        );
      }
    } catch (err) {
      if (ws === this.ws) this.emit("error", err as Error);
    }
  }

  // ── requests ───────────────────────────────────────────────────────────

  /**
   * Sends `{id, method, params}` once the client is ready and resolves with the result;
   * an error reply rejects with its typed error (errors.ts), a timeout or a close with a
   * {@link TransportError} (order methods: an `order_status_unknown` {@link UnavailableError}).
   */
  async request<R = unknown>(method: string, params?: unknown, timeoutMs = this.requestTimeoutMs): Promise<R> {
    const started = Date.now();
    await this.whenReady(timeoutMs);
    return this.send<R>(method, params, Math.max(1, timeoutMs - (Date.now() - started)));
  }

  /** Sends on the current socket now (the client's own requests, while it is not ready yet). */
  private send<R>(method: string, params: unknown, timeoutMs = this.requestTimeoutMs): Promise<R> {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN) {
      const error = new TransportError(`not connected: cannot send ${method}`);
      // Nothing was sent: safe to repeat.
      this.dropped.add(error);
      return Promise.reject(error);
    }
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          method.startsWith("order.")
            ? statusUnknown(method, `no reply within ${timeoutMs} ms`)
            : new TransportError(`no reply to ${method} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (r: unknown) => void, reject, timer });
      try {
        this.sendText(ws, JSON.stringify(params === undefined ? { id, method } : { id, method, params }));
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new TransportError(`cannot send ${method}`, err));
      }
    });
  }

  private sendText(ws: WebSocketLike, text: string): void {
    ws.send(text);
    this.unacknowledged = 0;
  }

  private failPending(error: (method: string) => Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      const e = error(p.method);
      if (e instanceof UnavailableError) this.dropped.add(e);
      p.reject(e);
    }
  }

  /** `ping` (the JSON method, answered by the shard). */
  ping(): Promise<{ pong: true; time: number }> {
    return this.request("ping");
  }

  // ── order entry ────────────────────────────────────────────────────────

  /**
   * `order.place`. Without a `client_order_id` the client gives one, so that a placement
   * whose socket dropped before the reply is sent again once after the reconnect: the
   * desk answers the first outcome (`replayed: true`) if it got through.
   */
  async placeOrder(order: NewOrder): Promise<OrderReply> {
    const params = { ...order, client_order_id: order.client_order_id ?? randomId() };
    try {
      return await this.request<OrderReply>("order.place", params);
    } catch (err) {
      // Only the client's own verdict (the socket dropped) is retried, never the desk's.
      if (!(err instanceof Error) || !this.dropped.has(err) || this.closed) throw err;
      return this.request<OrderReply>("order.place", params);
    }
  }

  /** `order.amend`: the new total `size`, `price` and/or `stop_price`. */
  amendOrder(amend: AmendOrder): Promise<OrderReply> {
    return this.request<OrderReply>("order.amend", amend);
  }

  /** `order.cancel`. */
  cancelOrder(ref: OrderRef): Promise<OrderReply> {
    return this.request<OrderReply>("order.cancel", ref);
  }

  /** `order.cancel_all`: every open order, or those of one instrument and/or side. */
  cancelAll(filter: CancelAllFilter = {}): Promise<CancelAllReply> {
    return this.request<CancelAllReply>("order.cancel_all", filter);
  }

  // ── public streams ─────────────────────────────────────────────────────

  /**
   * Subscribes a stream (kept across reconnects until {@link unsubscribe}); resolves
   * once the server accepted it. A refusal (`unknown_instrument` …) rejects with its
   * typed error and leaves nothing subscribed.
   */
  async subscribe(channel: PublicChannel, instrument: string): Promise<void> {
    await this.hold(channel, instrument);
  }

  /** Drops a stream: its iterators end, its book stops updating. */
  async unsubscribe(channel: PublicChannel, instrument: string): Promise<void> {
    const key = streamKey(channel, instrument);
    const s = this.streams.get(key);
    if (!s) return;
    this.forget(s);
    if (this.isReady) await this.send("unsubscribe", { channels: [channel], instruments: [instrument] });
  }

  /** The streams the client keeps (`"<channel>:<instrument>"`, and `user`). */
  subscriptions(): string[] {
    const out: string[] = [...this.streams.keys()];
    if (this.user.holders > 0) out.push("user");
    return out;
  }

  /** The seq of the last message passed on for a stream (undefined before its snapshot). */
  lastSeq(channel: PublicChannel | "user", instrument?: string): number | undefined {
    if (channel === "user") return this.user.last;
    return this.streams.get(streamKey(channel, instrument ?? ""))?.last;
  }

  /**
   * The messages of one stream, subscribing it if needed: a snapshot, then updates in
   * order without gaps (after a resync, a new snapshot). Breaking out of the loop
   * releases the subscription (unsubscribed when nothing else holds it).
   */
  stream<C extends PublicChannel>(channel: C, instrument: string): AsyncIterableIterator<ChannelMessage<C>> {
    const s = this.ensure(channel, instrument);
    s.holders++;
    const queue = new AsyncQueue<MarketMessage>(() => {
      s.queues.delete(queue);
      s.waiting.delete(queue);
      this.release(s);
    });
    s.queues.add(queue);
    if (s.last !== undefined) {
      // The stream is past its snapshot: this iterator starts at a fresh one.
      s.waiting.add(queue);
      this.requestSnapshot(s).catch((err: Error) => queue.end(err));
    } else {
      this.subscribeNow(s).catch((err: Error) => queue.end(err));
    }
    return queue as unknown as AsyncIterableIterator<ChannelMessage<C>>;
  }

  /** The maintained level-2 book of an instrument (subscribing `level2` if needed); one object per instrument. */
  book(instrument: string): OrderBook {
    const existing = this.books.get(instrument);
    if (existing && !existing.released) return existing;
    const s = this.ensure("level2", instrument);
    s.holders++;
    const book = new OrderBook(instrument, () => {
      this.books.delete(instrument);
      s.book = undefined;
      this.release(s);
    });
    s.book = book;
    this.books.set(instrument, book);
    // A book joining a stream past its snapshot ignores updates until a fresh one (asked for).
    (s.last !== undefined ? this.requestSnapshot(s) : this.subscribeNow(s)).catch((err: Error) => {
      book.fail(err);
      this.emit("error", err);
    });
    return book;
  }

  private ensure(channel: PublicChannel, instrument: string): Stream {
    if (!(PUBLIC_CHANNELS as readonly string[]).includes(channel)) {
      throw new TypeError(`unknown channel ${channel}: one of ${PUBLIC_CHANNELS.join(", ")}`);
    }
    const key = streamKey(channel, instrument);
    let s = this.streams.get(key);
    if (!s) {
      s = {
        key,
        channel,
        instrument,
        last: undefined,
        synced: false,
        repairing: undefined,
        holders: 0,
        queues: new Set(),
        waiting: new Set(),
        book: undefined,
        subscribing: undefined,
      };
      this.streams.set(key, s);
    }
    return s;
  }

  private async hold(channel: PublicChannel, instrument: string): Promise<void> {
    const s = this.ensure(channel, instrument);
    s.holders++;
    await this.subscribeNow(s);
  }

  /** Subscribes a stream on the current socket, unless that socket has it already. */
  private async subscribeNow(s: Stream): Promise<void> {
    await this.whenReady(this.requestTimeoutMs);
    if (this.streams.get(s.key) !== s) return;
    if (s.subscribing?.generation !== this.generation) {
      s.repairing ??= Date.now();
      s.subscribing = {
        generation: this.generation,
        promise: this.send<SubscriptionsResult>("subscribe", this.streamParams(s.channel, [s])),
      };
    }
    try {
      await s.subscribing.promise;
    } catch (err) {
      if (err instanceof Platform3Error) this.forget(s, err);
      throw err;
    }
  }

  /** Asks the server for a fresh snapshot of a subscribed stream (it re-syncs a stream subscribed again without `resume_from`). */
  private async requestSnapshot(s: Stream): Promise<void> {
    await this.whenReady(this.requestTimeoutMs);
    if (this.streams.get(s.key) !== s) return;
    s.repairing ??= Date.now();
    const promise = this.send<SubscriptionsResult>("subscribe", { channels: [s.channel], instruments: [s.instrument] });
    s.subscribing = { generation: this.generation, promise };
    await promise;
  }

  private release(s: Stream): void {
    s.holders--;
    if (s.holders > 0 || this.streams.get(s.key) !== s) return;
    this.forget(s);
    if (this.isReady) {
      this.send("unsubscribe", { channels: [s.channel], instruments: [s.instrument] }).catch(() => {});
    }
  }

  /** Removes a stream from the client (its iterators end, with `error` if given). */
  private forget(s: Stream, error?: Error): void {
    if (this.streams.get(s.key) !== s) return;
    this.streams.delete(s.key);
    s.holders = 0;
    for (const q of [...s.queues]) q.end(error);
    s.queues.clear();
    s.waiting.clear();
    if (s.book) {
      this.books.delete(s.instrument);
      if (error) s.book.fail(error);
      else s.book.end();
      s.book = undefined;
    }
  }

  /** `subscribe` params of streams of one channel, with `resume_from` where the server can replay. */
  private streamParams(channel: PublicChannel, streams: readonly Stream[]): Record<string, unknown> {
    const params: Record<string, unknown> = { channels: [channel], instruments: streams.map((s) => s.instrument) };
    if (RESUMABLE_CHANNELS.includes(channel)) {
      const resume: Record<string, number> = {};
      const needSnapshot = (s: Stream) => s.waiting.size > 0 || (s.book !== undefined && s.book.seq < 0);
      for (const s of streams) if (s.last !== undefined && !needSnapshot(s)) resume[s.key] = s.last;
      if (Object.keys(resume).length > 0) params.resume_from = resume;
    }
    return params;
  }

  /** After a (re)connect: every stream again, resuming from its last seq; then the user channel. */
  private resubscribeAll(): void {
    const byChannel = new Map<PublicChannel, Stream[]>();
    for (const s of this.streams.values()) {
      s.repairing = Date.now();
      const list = byChannel.get(s.channel) ?? [];
      list.push(s);
      byChannel.set(s.channel, list);
    }
    for (const [channel, list] of byChannel) {
      for (let i = 0; i < list.length; i += 100) {
        const chunk = list.slice(i, i + 100);
        const promise = this.send("subscribe", this.streamParams(channel, chunk));
        for (const s of chunk) s.subscribing = { generation: this.generation, promise };
        promise.catch((err: Error) => this.resubscribeFailed(chunk, err));
      }
    }
    if (this.user.holders > 0) this.userSubscribeNow().catch(() => {});
  }

  private resubscribeFailed(streams: readonly Stream[], err: Error): void {
    if (err instanceof TransportError) return; // the socket went: the next one resubscribes
    this.emit("error", err);
    // Refused for good (the instrument was delisted …): those streams end.
    if ((err as Platform3Error).code !== "rate_limited" && (err as Platform3Error).code !== "unavailable") {
      for (const s of streams) this.forget(s, err);
    }
  }

  /** Repairs one stream on the current socket: resubscribe with `resume_from` (or for a snapshot). */
  private repair(s: Stream): void {
    s.synced = false;
    s.repairing = Date.now();
    if (!this.ws) return;
    this.send("subscribe", this.streamParams(s.channel, [s])).catch((err: Error) => this.resubscribeFailed([s], err));
  }

  private gap(stream: string, expected: number, got: number): void {
    this.emit("gap", { stream, expected, got });
  }

  // ── the user channel ───────────────────────────────────────────────────

  /**
   * The account's `user` channel (needs a token): a snapshot, then order, fill and balance
   * messages with contiguous seqs; after a gap or a reconnect, a fresh snapshot. Breaking
   * out of the loop releases it.
   */
  userEvents(): AsyncIterableIterator<UserEvent> {
    this.user.holders++;
    const queue = new AsyncQueue<UserEvent>(() => {
      this.user.queues.delete(queue);
      this.releaseUser();
    });
    this.user.queues.add(queue);
    this.userSubscribeNow().catch((err: Error) => queue.end(err));
    return queue;
  }

  /** Subscribes the `user` channel (kept across reconnects until {@link unsubscribeUser}); events: `user`. */
  async subscribeUser(): Promise<void> {
    this.user.holders++;
    await this.userSubscribeNow();
  }

  private async userSubscribeNow(): Promise<void> {
    await this.whenReady(this.requestTimeoutMs);
    const u = this.user;
    if (u.holders === 0) return;
    if (u.subscribing?.generation !== this.generation) {
      u.repairing = Date.now();
      u.subscribing = { generation: this.generation, promise: this.send("subscribe", { channels: ["user"] }) };
    }
    await u.subscribing.promise;
  }

  async unsubscribeUser(): Promise<void> {
    this.user.holders = 0;
    for (const q of [...this.user.queues]) q.end();
    this.user.queues.clear();
    this.user.synced = false;
    this.user.last = undefined;
    if (this.isReady) await this.send("unsubscribe", { channels: ["user"] });
  }

  private releaseUser(): void {
    this.user.holders--;
    if (this.user.holders > 0) return;
    this.user.holders = 0;
    this.user.synced = false;
    this.user.last = undefined;
    if (this.isReady) this.send("unsubscribe", { channels: ["user"] }).catch(() => {});
  }

  private repairUser(): void {
    this.user.synced = false;
    this.user.repairing = Date.now();
    if (!this.ws || this.user.holders === 0) return;
    this.send("subscribe", { channels: ["user"] }).catch((err: Error) => {
      if (!(err instanceof TransportError)) this.emit("error", err);
    });
  }

  // ── incoming frames ────────────────────────────────────────────────────

  private frame(ws: WebSocketLike, text: string): void {
    this.armWatchdog(ws);
    if (text === "pong") return;
    let frame: Message | { type: "batch"; messages: Message[] };
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof frame !== "object" || frame === null) return;
    const messages = "type" in frame && frame.type === "batch" ? frame.messages : [frame as Message];
    this.unacknowledged += messages.length;
    for (const m of messages) {
      if (ws !== this.ws) return;
      this.message(ws, m);
    }
    // Show the shard the client keeps up well before its soft limit.
    const soft = this.welcome?.limits.unacknowledged.soft ?? 2000;
    if (this.unacknowledged >= soft / 4 && ws === this.ws && ws.readyState === OPEN) this.sendText(ws, "ping");
  }

  private message(ws: WebSocketLike, m: Message): void {
    if ("id" in m && !("type" in m)) return this.reply(m as ReplyMessage);
    switch ((m as { type?: string }).type) {
      case "welcome":
        void this.welcomed(ws, m as WelcomeMessage);
        return;
      case "heartbeat":
        return this.heartbeat(ws, m as HeartbeatMessage);
      case "resumed":
        return this.resumed(m as ResumedMessage);
      case "resync":
        return this.resync(m as ResyncMessage);
      case "error":
        return this.streamError(m as StreamErrorMessage);
      case "snapshot":
      case "update":
        if ((m as { channel?: string }).channel === "user") return this.userMessage(m as UserEvent);
        return this.market(m as MarketMessage);
      case "order":
      case "fill":
      case "balance":
        return this.userMessage(m as UserEvent);
      default:
        return;
    }
  }

  private reply(m: ReplyMessage): void {
    if (typeof m.id !== "number") {
      if (m.error) this.emit("error", replyError(m.error));
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.error) p.reject(replyError(m.error));
    else p.resolve(m.result);
  }

  private heartbeat(ws: WebSocketLike, m: HeartbeatMessage): void {
    if (ws.readyState === OPEN) this.sendText(ws, "ping");
    this.emit("heartbeat", m);
    const now = Date.now();
    const patience = Math.max(this.watchdogMs, 3000);
    for (const s of this.streams.values()) {
      if (s.repairing !== undefined) {
        if (now - s.repairing > patience) this.repair(s);
        continue;
      }
      const seq = m.seqs[s.key];
      if (typeof seq === "number" && s.synced && s.last !== undefined && seq > s.last) {
        // The last message(s) never came.
        this.gap(s.key, s.last + 1, seq + 1);
        this.repair(s);
      }
    }
    if (this.user.holders > 0) {
      if (this.user.repairing !== undefined) {
        if (now - this.user.repairing > patience) this.repairUser();
      } else {
        const seq = m.seqs.user;
        if (typeof seq === "number" && this.user.synced && this.user.last !== undefined && seq > this.user.last) {
          this.gap("user", this.user.last + 1, seq + 1);
          this.repairUser();
        }
      }
    }
  }

  private resumed(m: ResumedMessage): void {
    const s = this.streams.get(streamKey(m.channel, m.instrument));
    if (!s) return;
    this.emit("resumed", m);
    if (s.last === undefined || m.from_seq !== s.last + 1) {
      // A resume from somewhere else than where the client is: ask for a snapshot instead.
      s.last = undefined;
      this.repair(s);
      return;
    }
    s.synced = true;
    s.repairing = undefined;
  }

  private resync(m: ResyncMessage): void {
    this.emit("resync", m);
    if (m.channel === "user") {
      this.user.synced = false;
      this.user.repairing ??= Date.now();
      return;
    }
    const s = this.streams.get(streamKey(m.channel, m.instrument ?? ""));
    if (!s) return;
    // A fresh snapshot follows.
    s.synced = false;
    s.repairing ??= Date.now();
  }

  private streamError(m: StreamErrorMessage): void {
    const error = replyError({ ...m, code: m.code, message: m.message });
    if (m.channel === "user") {
      this.user.synced = false;
      // The session ended (token expired or revoked): renew it and come back, if the token can be renewed.
      if (typeof this.options.token === "function" && this.user.holders > 0) {
        const ws = this.ws;
        this.authenticate(true)
          .then((session) => {
            if (session && ws === this.ws) this.repairUser();
            else this.endUser(error);
          })
          .catch((err: Error) => this.endUser(err));
        return;
      }
      this.endUser(error);
      return;
    }
    const s = this.streams.get(streamKey(m.channel, m.instrument ?? ""));
    this.emit("error", error);
    if (s) this.forget(s, error);
  }

  private endUser(error: Error): void {
    this.emit("error", error);
    for (const q of [...this.user.queues]) q.end(error);
    this.user.queues.clear();
    this.user.holders = 0;
    this.user.last = undefined;
  }

  private market(m: MarketMessage): void {
    const s = this.streams.get(streamKey(m.channel, m.instrument));
    if (!s) return;
    if (m.type === "snapshot") {
      s.last = m.seq;
      s.synced = true;
      s.repairing = undefined;
    } else {
      if (!s.synced) return; // a repair is under way: its replay or snapshot covers this
      if (s.last !== undefined && m.seq <= s.last) return; // seen already
      if (s.last === undefined || m.first_seq !== s.last + 1) {
        this.gap(s.key, (s.last ?? -1) + 1, m.first_seq);
        this.repair(s);
        return;
      }
      s.last = m.seq;
    }
    if (m.channel === "level2") s.book?.apply(m);
    if (m.type === "snapshot") s.waiting.clear();
    for (const q of s.queues) if (!s.waiting.has(q)) q.push(m);
    this.emit("message", m);
    (this.emit as (e: PublicChannel, m: MarketMessage) => void)(m.channel, m);
  }

  private userMessage(m: UserEvent): void {
    const u = this.user;
    if (u.holders === 0) return;
    if (m.type === "snapshot") {
      u.last = m.seq;
      u.synced = true;
      u.repairing = undefined;
    } else {
      if (!u.synced) return;
      if (u.last !== undefined && m.seq <= u.last) return;
      if (u.last === undefined || m.seq !== u.last + 1) {
        this.gap("user", (u.last ?? -1) + 1, m.seq);
        this.repairUser();
        return;
      }
      u.last = m.seq;
    }
    for (const q of u.queues) q.push(m);
    this.emit("user", m);
  }
}

/**
 * A level-2 book kept by a {@link FeedClient} (`client.book("BTC-USD")`): `bids` and `asks`
 * as `[price, size]` decimal strings, best first, at `seq`. It follows the client through
 * reconnects (resumed, or replaced by a fresh snapshot after a resync): it never applies
 * an update out of sequence. Events: `change`; or iterate {@link OrderBook.changes}.
 */
export class OrderBook extends Emitter<{ change: (change: BookChange) => void; error: (error: Error) => void }> {
  readonly instrument: string;
  private readonly state: Level2Book;
  private readonly queues = new Set<AsyncQueue<BookChange>>();
  private readonly onRelease: () => void;
  private waiters: (() => void)[] = [];
  /** True once released ({@link close}) or ended by the client. */
  released = false;
  private failure: Error | undefined;

  constructor(instrument: string, onRelease: () => void) {
    super();
    this.instrument = instrument;
    this.state = new Level2Book(instrument);
    this.onRelease = onRelease;
  }

  /** Bids, best (highest) first. */
  get bids(): PriceSize[] {
    return this.state.bids;
  }

  /** Asks, best (lowest) first. */
  get asks(): PriceSize[] {
    return this.state.asks;
  }

  /** The level2 seq the book is at (-1 before its first snapshot). */
  get seq(): number {
    return this.state.seq;
  }

  /** Epoch ms of the last change applied. */
  get time(): number {
    return this.state.time;
  }

  /** Both sides to `depth` levels, with the seq: the shape of REST's L2 book. */
  levels(depth?: number): { seq: number; bids: PriceSize[]; asks: PriceSize[] } {
    return this.state.levels(depth);
  }

  bestBid(): PriceSize | undefined {
    return this.state.bestBid();
  }

  bestAsk(): PriceSize | undefined {
    return this.state.bestAsk();
  }

  /** Resolves once the book is at `seq` or beyond (default: its first snapshot); rejects after `timeoutMs`. */
  waitFor(seq = 0, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.failure) {
          reject(this.failure);
          return true;
        }
        if (this.state.synced && this.state.seq >= seq) {
          resolve();
          return true;
        }
        if (this.released) {
          reject(new TransportError(`the ${this.instrument} book was closed`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new TransportError(
            `the ${this.instrument} book did not reach seq ${seq} within ${timeoutMs} ms (at ${this.seq})`,
          ),
        );
      }, timeoutMs);
      const waiter = () => {
        if (check()) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== waiter);
        }
      };
      this.waiters.push(waiter);
    });
  }

  /** Changes as they are applied: snapshots (the first one, and after a resync) and updates. */
  changes(): AsyncIterableIterator<BookChange> {
    const queue = new AsyncQueue<BookChange>(() => this.queues.delete(queue));
    if (this.released) queue.end(this.failure);
    else this.queues.add(queue);
    return queue;
  }

  /** Stops keeping this book (the client unsubscribes level2 if nothing else holds it). */
  close(): void {
    if (this.released) return;
    this.end();
    this.onRelease();
  }

  /** @internal A level2 message that passed the client's seq checks. */
  apply(m: ChannelMessage<"level2">): void {
    let change: BookChange;
    if (m.type === "snapshot") {
      this.state.applySnapshot(m);
      change = {
        type: "snapshot",
        instrument: this.instrument,
        seq: m.seq,
        bids: this.state.bids,
        asks: this.state.asks,
      };
    } else {
      const result = this.state.applyUpdate(m);
      if (result !== "applied") return;
      change = { type: "update", instrument: this.instrument, first_seq: m.first_seq, seq: m.seq, changes: m.changes };
    }
    for (const q of this.queues) q.push(change);
    this.emit("change", change);
    for (const w of [...this.waiters]) w();
  }

  /** @internal */
  end(): void {
    if (this.released) return;
    this.released = true;
    for (const q of this.queues) q.end(this.failure);
    this.queues.clear();
    for (const w of [...this.waiters]) w();
  }

  /** @internal */
  fail(error: Error): void {
    this.failure = error;
    this.emit("error", error);
    this.end();
  }
}
