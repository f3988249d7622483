/**
 * FeedShard: one of `FEED_SHARDS` Durable Objects holding market-data
 * WebSockets (`feed-0`, `feed-1`, …; the Worker picks one per connection).
 * No socket lives on a book: books push sequenced batches here (`publish`)
 * and the shard fans them out to its sockets.
 *
 * Sockets use the Hibernation API, so an idle shard can leave memory while its
 * sockets stay open; the constructor rebuilds the subscription index from the
 * sockets' tags and attachments (see `subscriptions.ts`). Lifecycle, in
 * partyserver's terms: `fetch` is onConnect, `webSocketMessage` onMessage,
 * `webSocketClose`/`webSocketError` onClose, `alarm` onAlarm (heartbeats).
 * Note that the heartbeat alarm wakes the shard every `FEED_HEARTBEAT_MS`, so
 * a shard with sockets rarely stays hibernated for long.
 *
 * The literal text frame `ping` is answered `pong` by the runtime without
 * waking the shard; JSON requests are handled in `webSocketMessage`.
 *
 * A socket that sent `auth` (a bearer access token, `session.ts`) may also
 * enter orders (`orders.ts`, run by its Account object) and subscribe its
 * account's private `user` channel, which the Account pushes here
 * (`pushUser`, `user-channel.ts`). With cancel-on-disconnect, closing the
 * socket — even after hibernation — cancels the account's open orders.
 */
import { DurableObject } from "cloudflare:workers";
import { type FeedLimits, type FeedLimitsEnv, feedLimits } from "../../shared/feed/limits.ts";
import { type FeedMessage, PUBLIC_CHANNELS } from "../../shared/feed/messages.ts";
import {
  CLOSE_CODES,
  errorFrame,
  type FeedErrorCode,
  frameBytes,
  type HeartbeatMessage,
  isChannel,
  issues,
  parseRequest,
  parseStreamKey,
  parseSubscribeParam,
  type ReplyErrorCode,
  type ReplyFrame,
  type RequestId,
  resumePoint,
  type StreamErrorMessage,
  type StreamKey,
  type StreamsParams,
  StreamsParamsSchema,
  SYMBOL_PATTERN,
  streamKey,
  USER_CHANNEL,
  type WelcomeMessage,
} from "../../shared/feed/protocol.ts";
import type { UserMessage } from "../account/contract.ts";
import { accountStub } from "../account/stub.ts";
import { Books, type BooksEnv } from "./books.ts";
import { isOrderMethod, OrderEntry } from "./orders.ts";
import { type Answer, type Session, type SessionEnv, Sessions } from "./session.ts";
import { type Client, type Cursor, Stream } from "./streams.ts";
import { FeedSocket, type SocketHooks } from "./subscriptions.ts";
import { UserChannels, type UserClient, type UserErrorMessage } from "./user-channel.ts";

export interface FeedEnv extends FeedLimitsEnv, BooksEnv, SessionEnv {}

/** The Worker names the shard it forwards an upgrade to (the object may not know its own name). */
export const SHARD_HEADER = "x-feed-shard";

export class FeedShard extends DurableObject<FeedEnv> {
  private readonly limits: FeedLimits;
  private readonly books: Books;
  private readonly sockets = new Map<WebSocket, FeedSocket>();
  private readonly streams = new Map<StreamKey, Stream>();
  private readonly hooks: SocketHooks = { closed: (socket) => void this.drop(socket) };
  private readonly users: UserChannels;
  private readonly sessions: Sessions;
  private readonly orders: OrderEntry;
  /** Sockets already dropped (their close event must not cancel twice). */
  private readonly dropped = new WeakSet<WebSocket>();
  private name: string | undefined;

  constructor(ctx: DurableObjectState, env: FeedEnv) {
    super(ctx, env);
    this.limits = feedLimits(env);
    this.books = new Books(env, () => this.shardName());
    if (!env.ACCOUNT) throw new Error("FeedShard needs the ACCOUNT binding: declare it in wrangler.toml.");
    this.users = new UserChannels(
      (account) => accountStub(env.ACCOUNT, account),
      () => this.shardName(),
      (client, account, error) => this.userFailed(client, account, error),
    );
    const answer: Answer = {
      reply: (socket, id, result) => this.reply(socket, id, result),
      fail: (socket, id, code, message, details) => this.fail(socket, id, code, message, details),
    };
    this.sessions = new Sessions(env, answer);
    this.orders = new OrderEntry(
      env,
      this.sessions,
      answer,
      async (symbol) => (await this.books.resolve([symbol])).get(symbol) ?? null,
    );
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    this.name = ctx.id.name;
    if (this.name === undefined) {
      void ctx.blockConcurrencyWhile(async () => {
        this.name = await ctx.storage.get<string>("shard_name");
      });
    }
    // Waking from hibernation: rebuild the index from the sockets themselves.
    for (const ws of ctx.getWebSockets()) {
      const socket = FeedSocket.restore(ctx, ws, this.limits, this.hooks);
      this.sockets.set(ws, socket);
      for (const key of socket.subscriptions()) this.join(socket, key);
      // Its cursor is unknown: the next push resyncs it with a snapshot.
      if (socket.user && socket.session) this.users.join(socket, socket.session.account);
    }
  }

  // ── onConnect ────────────────────────────────────────────────────────

  /** Accepts a WebSocket forwarded by the Worker; 503 when this shard is full. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("FeedShard only accepts WebSocket upgrades (connect through GET /v1/ws).", { status: 426 });
    }
    if (this.name === undefined) {
      const given = request.headers.get(SHARD_HEADER);
      if (!given) return new Response(`Forward upgrades with the ${SHARD_HEADER} header.`, { status: 400 });
      this.name = given;
      await this.ctx.storage.put("shard_name", given);
    }
    if (this.sockets.size >= this.limits.maxSockets) {
      return new Response(`Feed shard ${this.name} holds ${this.sockets.size} sockets, its limit.`, { status: 503 });
    }
    const url = new URL(request.url);
    const max = Math.min(this.limits.maxUrlStreams, this.limits.maxSubscriptions);
    const parsed = parseSubscribeParam(url.searchParams.get("subscribe"), max);
    if ("error" in parsed) return new Response(parsed.error, { status: 400 });

    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    const ip = request.headers.get("cf-connecting-ip") ?? undefined;
    const socket = FeedSocket.accept(this.ctx, server, parsed.keys, this.limits, this.hooks, ip);
    this.sockets.set(server, socket);
    const welcome: WelcomeMessage = {
      type: "welcome",
      shard: this.shardName(),
      heartbeat_ms: this.limits.heartbeatMs,
      limits: {
        max_subscriptions: this.limits.maxSubscriptions,
        messages_per_second: this.limits.messagesPerSecond,
        orders_per_second: this.limits.ordersPerSecond,
        unacknowledged: { soft: this.limits.slowSoft, hard: this.limits.slowHard },
      },
    };
    socket.sendJson(welcome);
    for (const key of parsed.keys) this.syncStream(socket, key);
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + this.limits.heartbeatMs);
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  // ── onMessage ────────────────────────────────────────────────────────

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const socket = this.sockets.get(ws);
    if (!socket?.open) return;
    const now = Date.now();
    socket.acknowledge(now);
    this.drain(socket);
    const max = this.limits.maxFrameBytes;
    const text = typeof message === "string" && frameBytes(message, max) <= max ? message : undefined;
    const request = text === undefined ? undefined : parseRequest(text);
    const ordering = request?.ok === true && isOrderMethod(request.method);
    if (!(ordering ? socket.orderRate : socket.rate).allow(now)) {
      const limit = ordering
        ? `${this.limits.ordersPerSecond} order requests`
        : `${this.limits.messagesPerSecond} requests`;
      return this.violation(
        socket,
        request?.id ?? null,
        "rate_limited",
        `More than ${limit} in a second: slow down (the literal "ping" frame is not counted).`,
      );
    }
    if (typeof message !== "string") {
      return this.fail(socket, null, "invalid_request", "Send requests as JSON text frames, not binary.");
    }
    if (!request) {
      return this.fail(socket, null, "message_too_large", `Requests are at most ${this.limits.maxFrameBytes} bytes.`);
    }
    if (!request.ok) return this.fail(socket, request.id, request.code, request.message);
    switch (request.method) {
      case "subscribe":
        return this.subscribe(socket, request.id, request.params);
      case "unsubscribe":
        return this.unsubscribe(socket, request.id, request.params);
      case "list":
        return this.reply(socket, request.id, { subscriptions: this.subscriptionsOf(socket) });
      case "ping":
        return this.reply(socket, request.id, { pong: true, time: now });
      case "auth":
        return this.sessions.auth(socket, request.id, request.params);
      case "session.cancel_on_disconnect":
        return this.sessions.setCancelOnDisconnect(socket, request.id, request.params);
      default:
        if (isOrderMethod(request.method))
          return this.orders.handle(socket, request.id, request.method, request.params);
    }
  }

  private async subscribe(socket: FeedSocket, id: RequestId, raw: unknown): Promise<void> {
    const streams = await this.requestedStreams(socket, id, raw);
    if (!streams || !socket.open) return;
    let session: Session | undefined;
    if (streams.user) {
      session = this.sessions.require(socket, id, "read", "The user channel");
      if (!session || !(await this.sessions.stillValid(socket, id, session)) || !socket.open) return;
    }
    const fresh = streams.keys.filter((k) => !socket.cursors.has(k));
    const freshUser = streams.user && !socket.user ? 1 : 0;
    const held = socket.cursors.size + (socket.user ? 1 : 0);
    if (held + fresh.length + freshUser > this.limits.maxSubscriptions) {
      return this.violation(
        socket,
        id,
        "too_many_subscriptions",
        `A socket may hold ${this.limits.maxSubscriptions} subscriptions; it has ${held} and asked for ${fresh.length + freshUser} more: unsubscribe some or open another socket.`,
      );
    }
    socket.record(fresh, []);
    if (freshUser) socket.recordSession({ user: true });
    this.reply(socket, id, { subscriptions: this.subscriptionsOf(socket) });
    // Already subscribed streams are synced again: the client asked for their state.
    for (const key of streams.keys) {
      const parsed = parseStreamKey(key);
      const resumeFrom = parsed ? resumePoint(streams.params, parsed.channel, parsed.instrument) : undefined;
      this.syncStream(socket, key, resumeFrom === undefined ? {} : { resumeFrom });
    }
    if (session) {
      this.users.join(socket, session.account);
      this.users.sync(socket, session.account);
    }
  }

  private async unsubscribe(socket: FeedSocket, id: RequestId, raw: unknown): Promise<void> {
    const streams = await this.requestedStreams(socket, id, raw);
    if (!streams || !socket.open) return;
    const present = streams.keys.filter((k) => socket.cursors.has(k));
    socket.record([], present);
    for (const key of present) this.leave(socket, key);
    if (streams.user && socket.user) {
      socket.recordSession({ user: false });
      if (socket.session) this.users.leave(socket, socket.session.account);
    }
    this.reply(socket, id, { subscriptions: this.subscriptionsOf(socket) });
  }

  /** What `list` and `subscribe` answer: the socket's streams, and `user` when it is on that channel. */
  private subscriptionsOf(socket: FeedSocket): string[] {
    const out: string[] = socket.subscriptions();
    if (socket.user) out.push(USER_CHANNEL);
    return out;
  }

  /** Validates `subscribe`/`unsubscribe` params; answers the error and returns undefined if invalid. */
  private async requestedStreams(
    socket: FeedSocket,
    id: RequestId,
    raw: unknown,
  ): Promise<{ keys: StreamKey[]; params: StreamsParams; user: boolean } | undefined> {
    const parsed = StreamsParamsSchema.safeParse(raw);
    if (!parsed.success) {
      this.fail(
        socket,
        id,
        "invalid_params",
        `params are {channels: [...], instruments: [...], resume_from?}: ${issues(parsed.error)}`,
      );
      return undefined;
    }
    const params = parsed.data;
    const user = params.channels.includes(USER_CHANNEL);
    const channels = params.channels.filter((c) => c !== USER_CHANNEL);
    const badChannels = channels.filter((c) => !isChannel(c));
    if (badChannels.length > 0) {
      this.fail(
        socket,
        id,
        "unknown_channel",
        `Unknown channel ${badChannels.join(", ")}; use ${[...PUBLIC_CHANNELS, USER_CHANNEL].join(", ")}.`,
      );
      return undefined;
    }
    if (channels.length > 0 && params.instruments === undefined) {
      this.fail(
        socket,
        id,
        "invalid_params",
        `params are {channels: [...], instruments: [...], resume_from?}: instruments: required for ${channels.join(", ")}`,
      );
      return undefined;
    }
    const symbols = channels.length > 0 ? [...new Set(params.instruments)] : [];
    const malformed = symbols.filter((s) => !SYMBOL_PATTERN.test(s));
    let resolved: Map<string, unknown>;
    try {
      resolved = await this.books.resolve(symbols.filter((s) => SYMBOL_PATTERN.test(s)));
    } catch (err) {
      this.fail(socket, id, "unavailable", `The instrument registry did not answer (${String(err)}); retry shortly.`);
      return undefined;
    }
    const unknown = [...malformed, ...symbols.filter((s) => resolved.get(s) === null)];
    if (unknown.length > 0) {
      this.fail(socket, id, "unknown_instrument", `Unknown instrument ${unknown.join(", ")}: see GET /v1/instruments.`);
      return undefined;
    }
    const keys: StreamKey[] = [];
    for (const instrument of symbols) {
      for (const channel of new Set(channels)) {
        if (isChannel(channel)) keys.push(streamKey(channel, instrument));
      }
    }
    return { keys, params, user };
  }

  // ── account → shard: the user channel ────────────────────────────────

  /**
   * Delivers an account's user-channel messages to its sockets here.
   * `subscribed: false` tells the account that no socket here is on its channel any more.
   */
  async pushUser(account: string, messages: UserMessage[]): Promise<{ subscribed: boolean }> {
    return { subscribed: this.users.push(account, messages) };
  }

  private userFailed(client: UserClient, account: string, error: UserErrorMessage): void {
    const socket = client as FeedSocket;
    this.users.leave(socket, account);
    if (!socket.open) return;
    socket.recordSession({ user: false });
    socket.sendJson(error);
  }

  private reply(socket: FeedSocket, id: RequestId, result: unknown): void {
    const frame: ReplyFrame = { id, result };
    socket.sendJson(frame);
  }

  private fail(
    socket: FeedSocket,
    id: RequestId | null,
    code: ReplyErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ): void {
    socket.sendJson(errorFrame(id, code, message, details));
  }

  /** Answers a limit violation; too many of them close the socket (1008). */
  private violation(socket: FeedSocket, id: RequestId | null, code: FeedErrorCode, message: string): void {
    this.fail(socket, id, code, message);
    socket.violations++;
    if (socket.violations >= this.limits.maxViolations) {
      socket.close(
        CLOSE_CODES.policy,
        `${socket.violations} limit violations (last: ${code}); reconnect and respect the limits`,
      );
    }
  }

  // ── onClose ──────────────────────────────────────────────────────────

  override async webSocketClose(ws: WebSocket, code: number, _reason: string, _wasClean: boolean): Promise<void> {
    const cancelling = this.disconnected(ws);
    try {
      // Complete the closing handshake (1005/1006 are not codes one may send).
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
    } catch {
      // Already closed.
    }
    await cancelling;
  }

  override async webSocketError(ws: WebSocket, _error: unknown): Promise<void> {
    await this.disconnected(ws);
  }

  /** The client is gone: drops its socket; resolves when cancel-on-disconnect (if any) is done. */
  private disconnected(ws: WebSocket): Promise<void> | undefined {
    const socket = this.sockets.get(ws);
    if (socket) {
      socket.markClosed();
      return this.drop(socket);
    }
    if (this.dropped.has(ws)) return undefined;
    // Not indexed (should not happen): its attachment still says whether to cancel.
    this.dropped.add(ws);
    let ghost: FeedSocket;
    try {
      ghost = FeedSocket.restore(this.ctx, ws, this.limits, this.hooks);
    } catch {
      return undefined;
    }
    ghost.markClosed();
    return this.orders.cancelOnDisconnect(ghost);
  }

  // ── onAlarm: heartbeats ──────────────────────────────────────────────

  /**
   * Sends each socket its streams' last seqs, resumes slow sockets that caught
   * up, checks streams that have been quiet for a while against their book,
   * and re-arms.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const stream of this.streams.values()) {
      if (now - stream.lastPushAt >= this.limits.probeQuietMs) stream.probe(now);
    }
    for (const socket of this.sockets.values()) {
      if (!socket.open) continue;
      socket.refreshAck();
      this.drain(socket);
      const seqs: Record<string, number | null> = {};
      for (const [key, cursor] of socket.cursors) seqs[key] = cursor.syncing !== 0 ? null : (cursor.last ?? null);
      if (socket.user && socket.session) seqs[USER_CHANNEL] = this.users.last(socket, socket.session.account);
      const heartbeat: HeartbeatMessage = { type: "heartbeat", time: now, seqs };
      socket.sendJson(heartbeat);
    }
    if (this.sockets.size > 0) await this.ctx.storage.setAlarm(now + this.limits.heartbeatMs);
  }

  // ── book → shard ─────────────────────────────────────────────────────

  /**
   * Fans a book's batch out to the subscribed sockets, one frame per socket
   * (a `batch` frame when a socket gets several messages). `subscribed: false`
   * tells the book that no socket here wants the instrument any more.
   */
  async publish(instrument: string, messages: FeedMessage[]): Promise<{ subscribed: boolean }> {
    const streams: Stream[] = [];
    for (const channel of PUBLIC_CHANNELS) {
      const stream = this.streams.get(streamKey(channel, instrument));
      if (stream) streams.push(stream);
    }
    if (streams.length === 0) return { subscribed: false };
    // One frame per socket for the whole batch (level2 and trades of a commit travel together).
    const held = streams.length > 1 && messages.length > 1 ? new Set<FeedSocket>() : undefined;
    if (held) {
      for (const stream of streams) {
        for (const client of stream.cursors.keys()) {
          const socket = client as FeedSocket;
          if (held.has(socket)) continue;
          held.add(socket);
          socket.hold();
        }
      }
    }
    try {
      for (const message of messages) this.streams.get(streamKey(message.channel, instrument))?.deliver(message);
    } finally {
      if (held) for (const socket of held) socket.release();
    }
    return { subscribed: true };
  }

  // ── index ────────────────────────────────────────────────────────────

  /** Adds a socket to a stream's index (creating the stream). */
  private join(socket: FeedSocket, key: StreamKey): Cursor {
    let stream = this.streams.get(key);
    if (!stream) {
      const parsed = parseStreamKey(key);
      if (!parsed) throw new Error(`not a stream key: ${key}`);
      stream = new Stream(key, parsed.channel, parsed.instrument, this.books.link(parsed.instrument), (c, s, e) =>
        this.streamFailed(c, s, e),
      );
      this.streams.set(key, stream);
    }
    const cursor = stream.add(socket);
    socket.cursors.set(key, cursor);
    return cursor;
  }

  /** Removes a socket from a stream; the last socket of an instrument unsubscribes the shard from its book. */
  private leave(socket: FeedSocket, key: StreamKey): void {
    socket.cursors.delete(key);
    const stream = this.streams.get(key);
    if (!stream) return;
    stream.remove(socket);
    if (stream.cursors.size > 0) return;
    this.streams.delete(key);
    const instrument = stream.instrument;
    for (const channel of PUBLIC_CHANNELS) if (this.streams.has(streamKey(channel, instrument))) return;
    this.books.link(instrument).unsubscribe();
  }

  /** Subscribes a socket to a stream if needed and brings it in sync (snapshot or replay). */
  private syncStream(socket: FeedSocket, key: StreamKey, options: { resumeFrom?: number } = {}): void {
    const cursor = socket.cursors.get(key) ?? this.join(socket, key);
    this.streams.get(key)?.sync(socket, cursor, options);
  }

  /** Sends a conflated snapshot for each level2 stream held back while the socket was slow. */
  private drain(socket: FeedSocket): void {
    for (const [key, cursor] of socket.cursors) {
      if (!cursor.suspended || socket.slow()) continue;
      cursor.suspended = false;
      this.streams.get(key)?.sync(socket, cursor, { conflated: true });
    }
  }

  /** Forgets a closed socket; resolves when its cancel-on-disconnect (if any) is done. */
  private drop(socket: FeedSocket): Promise<void> | undefined {
    if (!this.sockets.delete(socket.ws)) return undefined;
    this.dropped.add(socket.ws);
    for (const key of [...socket.cursors.keys()]) this.leave(socket, key);
    if (socket.user && socket.session) this.users.leave(socket, socket.session.account);
    return this.orders.cancelOnDisconnect(socket);
  }

  private streamFailed(client: Client, stream: Stream, error: StreamErrorMessage): void {
    const socket = client as FeedSocket;
    socket.record([], [stream.key]);
    this.leave(socket, stream.key);
    socket.sendJson(error);
  }

  private shardName(): string {
    if (this.name === undefined) throw new Error("FeedShard has no name yet: reach it through the Worker's /v1/ws.");
    return this.name;
  }
}
