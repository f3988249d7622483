/**
 * The feed client: one WebSocket to `GET /v1/ws` that survives drops. {@link FeedClient}
 * is the facade; each job lives in a module of its own, wired here:
 *
 * - connection.ts: the socket; connect, reconnect with backoff and jitter, the heartbeat
 *   watchdog, pings, the readiness gate;
 * - requests.ts: request and reply, with deadlines;
 * - auth.ts: `auth` on every (re)connect, and again before the session expires when the
 *   token function gives a new token;
 * - market-streams.ts (state: stream-state.ts): the public streams, resumed after a
 *   reconnect or a gap with `resume_from`; order-book.ts: the level-2 books they feed;
 * - user-channel.ts: the private `user` channel;
 * - orders.ts: order entry (`order.*`);
 * - frames.ts: incoming frames as messages, routed by type.
 *
 * Consumers never see a gap: only contiguous updates, or a snapshot.
 */
import { Authenticator } from "./auth.ts";
import { Connection } from "./connection.ts";
import { Emitter } from "./emitter.ts";
import { replyError } from "./errors.ts";
import { type MessageHandlers, routeMessage } from "./frames.ts";
import { MarketStreams } from "./market-streams.ts";
import type { EmitFeedEvent, FeedClientOptions, FeedEvents } from "./options.ts";
import type { OrderBook } from "./order-book.ts";
import { OrderEntry } from "./orders.ts";
import { Requests } from "./requests.ts";
import { SOCKET_OPEN, type WebSocketConstructor, type WebSocketLike } from "./socket.ts";
import type {
  AmendOrder,
  AuthResult,
  CancelAllFilter,
  CancelAllReply,
  ChannelMessage,
  HeartbeatMessage,
  NewOrder,
  OrderRef,
  OrderReply,
  PublicChannel,
  ResyncMessage,
  StreamErrorMessage,
  UserEvent,
  WelcomeMessage,
} from "./types.ts";
import { UserChannel } from "./user-channel.ts";

/** A repair (resubscribe) without an answer for this long, at least, is sent again. */
/** Backoff of `auth` retries after a failure on a live socket, ms. */
const AUTH_RETRY_BASE_MS = 1000;
const AUTH_RETRY_MAX_MS = 30_000;

const MIN_REPAIR_PATIENCE_MS = 3000;

export class FeedClient extends Emitter<FeedEvents> {
  readonly url: string;

  private readonly options: FeedClientOptions;
  private readonly connection: Connection;
  private readonly requests: Requests;
  private readonly auth: Authenticator;
  private readonly streams: MarketStreams;
  private readonly user: UserChannel;
  private readonly orders: OrderEntry;

  constructor(options: FeedClientOptions) {
    super();
    this.options = options;
    this.url = options.url;
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new TypeError("no WebSocket: pass options.WebSocket (this runtime has no global one)");
    const emit: EmitFeedEvent = (event, ...args) => this.emit(event, ...args);
    const handlers: MessageHandlers = {
      reply: (m) => this.requests.reply(m),
      welcome: (ws, m) => void this.welcomed(ws, m),
      heartbeat: (ws, m) => this.heartbeat(ws, m),
      resumed: (m) => this.streams.resumed(m),
      resync: (m) => this.resync(m),
      streamError: (m) => this.streamError(m),
      market: (m) => this.streams.market(m),
      user: (m) => this.user.message(m),
    };
    this.connection = new Connection(options, WS, emit, {
      message: (ws, m) => routeMessage(ws, m, handlers),
      socketLost: (code, reason) => {
        this.auth.socketLost();
        this.requests.socketClosed(code, reason);
        this.streams.socketLost();
        this.user.socketLost();
      },
      clientClosed: () => {
        this.auth.stopRefresh();
        this.requests.clientClosed();
        this.streams.endIterators();
        this.user.endIterators();
        this.streams.endBooks();
      },
    });
    this.requests = new Requests(this.connection, emit, options.requestTimeoutMs ?? 10_000);
    this.auth = new Authenticator(options, this.connection, this.requests, emit);
    this.streams = new MarketStreams(this.connection, this.requests, emit);
    this.user = new UserChannel(this.connection, this.requests, this.auth, emit);
    this.orders = new OrderEntry(this.requests, this.connection);
  }

  // Plain fields in earlier versions, so they stay writable.

  /** The welcome of the current socket; undefined while disconnected. */
  get welcome(): WelcomeMessage | undefined {
    return this.connection.welcome;
  }
  set welcome(welcome: WelcomeMessage | undefined) {
    this.connection.welcome = welcome;
  }

  /** The session of the current socket after `auth`. */
  get session(): AuthResult | undefined {
    return this.auth.session;
  }
  set session(session: AuthResult | undefined) {
    this.auth.session = session;
  }

  /** Sockets opened so far (1 after the first connect; each reconnect adds one). */
  get connections(): number {
    return this.connection.connections;
  }
  set connections(count: number) {
    this.connection.connections = count;
  }

  // ── lifecycle ──────────────────────────────────────────────────────────

  /** Opens the socket (if not yet) and resolves once it is ready: welcomed, authenticated, resubscribed. */
  connect(): Promise<void> {
    this.connection.start();
    return this.connection.whenReady(this.options.connectTimeoutMs ?? this.requests.timeoutMs);
  }

  /** True while a socket is open and ready. */
  get connected(): boolean {
    return this.connection.ready;
  }

  /** Closes for good: no reconnect; iterators end, pending requests fail. */
  close(): void {
    this.connection.close();
    // Nothing of the last socket stays visible: no welcome, no session.
    this.connection.welcome = undefined;
    this.auth.socketLost();
  }

  /**
   * Drops the current socket as if the network had failed (the client reconnects and
   * resumes). For tests and for callers that know the connection is bad.
   */
  drop(reason = "dropped by the client"): void {
    this.connection.drop(reason);
  }

  // ── requests ───────────────────────────────────────────────────────────

  /**
   * Sends `{id, method, params}` once the client is ready and resolves with the result;
   * an error reply rejects with its typed error (errors.ts), a timeout or a close with a
   * {@link TransportError} (order methods: an `order_status_unknown` {@link UnavailableError}).
   */
  request<R = unknown>(method: string, params?: unknown, timeoutMs = this.requests.timeoutMs): Promise<R> {
    return this.requests.request<R>(method, params, timeoutMs);
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
  placeOrder(order: NewOrder): Promise<OrderReply> {
    return this.orders.place(order);
  }

  /** `order.amend`: the new total `size`, `price` and/or `stop_price`. */
  amendOrder(amend: AmendOrder): Promise<OrderReply> {
    return this.orders.amend(amend);
  }

  /** `order.cancel`. */
  cancelOrder(ref: OrderRef): Promise<OrderReply> {
    return this.orders.cancel(ref);
  }

  /** `order.cancel_all`: every open order, or those of one instrument and/or side. */
  cancelAll(filter: CancelAllFilter = {}): Promise<CancelAllReply> {
    return this.orders.cancelAll(filter);
  }

  // ── public streams ─────────────────────────────────────────────────────

  /**
   * Subscribes a stream (kept across reconnects until {@link unsubscribe}); resolves
   * once the server accepted it. A refusal (`unknown_instrument` …) rejects with its
   * typed error and leaves nothing subscribed.
   */
  async subscribe(channel: PublicChannel, instrument: string): Promise<void> {
    await this.streams.subscribe(channel, instrument);
  }

  /** Drops a stream: its iterators end, its book stops updating. */
  unsubscribe(channel: PublicChannel, instrument: string): Promise<void> {
    return this.streams.unsubscribe(channel, instrument);
  }

  /** The streams the client keeps (`"<channel>:<instrument>"`, and `user`). */
  subscriptions(): string[] {
    const out: string[] = this.streams.keys();
    if (this.user.held) out.push("user");
    return out;
  }

  /** The seq of the last message passed on for a stream (undefined before its snapshot). */
  lastSeq(channel: PublicChannel | "user", instrument?: string): number | undefined {
    if (channel === "user") return this.user.lastSeq;
    return this.streams.lastSeq(channel, instrument ?? "");
  }

  /**
   * The messages of one stream, subscribing it if needed: a snapshot, then updates in
   * order without gaps (after a resync, a new snapshot). Breaking out of the loop
   * releases the subscription (unsubscribed when nothing else holds it).
   */
  stream<C extends PublicChannel>(channel: C, instrument: string): AsyncIterableIterator<ChannelMessage<C>> {
    return this.streams.stream(channel, instrument);
  }

  /** The maintained level-2 book of an instrument (subscribing `level2` if needed); one object per instrument. */
  book(instrument: string): OrderBook {
    return this.streams.book(instrument);
  }

  // ── the user channel ───────────────────────────────────────────────────

  /**
   * The account's `user` channel (needs a token): a snapshot, then order, fill and balance
   * messages with contiguous seqs; after a gap or a reconnect, a fresh snapshot. Breaking
   * out of the loop releases it.
   */
  userEvents(): AsyncIterableIterator<UserEvent> {
    return this.user.events();
  }

  /** Subscribes the `user` channel (kept across reconnects until {@link unsubscribeUser}); events: `user`. */
  subscribeUser(): Promise<void> {
    return this.user.subscribe();
  }

  /** Drops the `user` channel: its iterators end. */
  unsubscribeUser(): Promise<void> {
    return this.user.unsubscribe();
  }

  // ── wiring ─────────────────────────────────────────────────────────────

  /** A new socket's welcome: auth, resubscribe everything, then ready. */
  private async welcomed(ws: WebSocketLike, welcome: WelcomeMessage): Promise<void> {
    this.connection.welcomed(ws, welcome);
    this.emit("open", welcome);
    if (this.auth.configured) {
      try {
        await this.auth.authenticate(false);
      } catch (err) {
        if (ws !== this.connection.socket) return;
        this.emit("error", err as Error);
        // Ready without a session for now (market data flows); keep trying on this socket.
        this.retryAuth(ws, 0);
      }
    }
    if (ws !== this.connection.socket) return;
    this.streams.resubscribeAll();
    this.user.resubscribe();
    this.connection.markReady();
    this.emit("ready", welcome);
  }

  /**
   * After a failed `auth` (the token function threw, or the token was refused): try again with
   * full-jitter backoff (1 s doubling to 30 s) while this socket lives, then rejoin the user channel.
   */
  private retryAuth(ws: WebSocketLike, attempt: number): void {
    const delay = Math.random() * Math.min(AUTH_RETRY_MAX_MS, AUTH_RETRY_BASE_MS * 2 ** attempt);
    setTimeout(async () => {
      if (ws !== this.connection.socket || this.connection.closed) return;
      try {
        await this.auth.authenticate(false);
        if (ws === this.connection.socket) this.user.resubscribe();
      } catch (err) {
        if (ws !== this.connection.socket) return;
        this.emit("error", err as Error);
        this.retryAuth(ws, attempt + 1);
      }
    }, delay);
  }

  /** Answered with a `ping` frame (the shard then knows the client keeps up); its seqs reveal lost messages. */
  private heartbeat(ws: WebSocketLike, m: HeartbeatMessage): void {
    if (ws.readyState === SOCKET_OPEN) this.connection.sendText(ws, "ping");
    this.emit("heartbeat", m);
    const now = Date.now();
    const patience = Math.max(this.connection.watchdogMs, MIN_REPAIR_PATIENCE_MS);
    this.streams.checkHeartbeat(m, now, patience);
    this.user.checkHeartbeat(m, now, patience);
  }

  private resync(m: ResyncMessage): void {
    this.emit("resync", m);
    if (m.channel === "user") this.user.resync();
    else this.streams.resync(m.channel, m.instrument);
  }

  /** The server ended a stream, or the user channel with its session. */
  private streamError(m: StreamErrorMessage): void {
    const error = replyError({ ...m, code: m.code, message: m.message });
    if (m.channel === "user") this.user.ended(error);
    else this.streams.ended(m.channel, m.instrument, error);
  }
}
