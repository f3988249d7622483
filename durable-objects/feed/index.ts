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
 * (`pushUser`, `user-channel.ts`) for as long as its token's grant lasts
 * (`user-grants.ts`). With cancel-on-disconnect, closing the socket — even
 * after hibernation — cancels the account's open orders.
 *
 * Who gets a socket: `connect.ts` and `admission.ts` (per address, per shard,
 * headroom for authenticated sockets), `account-sockets.ts` (per account),
 * `idle.ts` (sockets that hold nothing are closed).
 */
import { DurableObject } from "cloudflare:workers";
import type { FeedLimits } from "../../shared/feed/limits.ts";
import type { FeedMessage } from "../../shared/feed/messages.ts";
import {
  CLOSE_CODES,
  errorFrame,
  type FeedErrorCode,
  frameBytes,
  type HeartbeatMessage,
  parseRequest,
  type ReplyErrorCode,
  type ReplyFrame,
  type RequestId,
  USER_CHANNEL,
} from "../../shared/feed/protocol.ts";
import type { MetricsSnapshot } from "../../shared/metrics/registry.ts";
import type { RevokedSessions, UserMessage } from "../account/contract.ts";
import { accountStub } from "../account/stub.ts";
import { AccountSockets } from "./account-sockets.ts";
import { Occupancy } from "./admission.ts";
import { Books, type BooksEnv } from "./books.ts";
import { Connections } from "./connect.ts";
import { IdleSockets } from "./idle.ts";
import { LiveFeedLimits, type LiveLimitsEnv } from "./live-limits.ts";
import { shardMetrics } from "./metrics.ts";
import { isOrderMethod, OrderEntry } from "./orders.ts";
import { type Answer, type SessionEnv, Sessions } from "./session.ts";
import { StreamIndex } from "./stream-index.ts";
import { SubscribeRequests } from "./subscribe.ts";
import { FeedSocket, type SocketHooks } from "./subscriptions.ts";
import { FeedTraffic } from "./traffic.ts";
import { UserChannels } from "./user-channel.ts";
import { UserGrants } from "./user-grants.ts";

export interface FeedEnv extends LiveLimitsEnv, BooksEnv, SessionEnv {}

/** The Worker names the shard it forwards an upgrade to (the object may not know its own name). */
export const SHARD_HEADER = "x-feed-shard";

export class FeedShard extends DurableObject<FeedEnv> {
  /** Updated in place by a new `feed` version, so every part holding it sees the new limits. */
  private readonly limits: FeedLimits;
  /** The FEED_* vars with the live `feed` section over them (live-limits.ts). */
  private readonly live: LiveFeedLimits;
  private readonly books: Books;
  private readonly sockets = new Map<WebSocket, FeedSocket>();
  /** Who is on which public stream, and the fan-out of books' batches (stream-index.ts). */
  private readonly streams: StreamIndex;
  /** Frames, drops, slow-consumer closes and delivery lag since the shard started (traffic.ts). */
  private readonly traffic = new FeedTraffic();
  private readonly hooks: SocketHooks = { closed: (socket) => void this.drop(socket), traffic: this.traffic };
  private readonly users: UserChannels;
  private readonly grants: UserGrants;
  private readonly sessions: Sessions;
  private readonly orders: OrderEntry;
  /** Slots by address and authentication (admission.ts); sockets by account across shards (account-sockets.ts). */
  private readonly occupancy = new Occupancy<WebSocket>();
  private readonly accounts: AccountSockets;
  private readonly idle: IdleSockets;
  private readonly connections: Connections;
  private readonly requests: SubscribeRequests;
  /** Sockets already dropped (their close event must not cancel twice). */
  private readonly dropped = new WeakSet<WebSocket>();
  private name: string | undefined;

  constructor(ctx: DurableObjectState, env: FeedEnv) {
    super(ctx, env);
    this.live = new LiveFeedLimits(env);
    this.limits = this.live.limits;
    this.books = new Books(env, () => this.shardName());
    this.streams = new StreamIndex(this.books, this.traffic);
    if (!env.ACCOUNT) throw new Error("FeedShard needs the ACCOUNT binding: declare it in wrangler.toml.");
    this.users = new UserChannels(
      (account) => accountStub(env.ACCOUNT, account),
      () => this.shardName(),
      (client, account, error) => this.grants.failed(client, account, error),
    );
    this.grants = new UserGrants(this.users);
    const stub = (account: string) => accountStub(env.ACCOUNT, account);
    this.accounts = new AccountSockets(stub, () => this.shardName(), this.limits.maxSocketsPerAccount);
    this.idle = new IdleSockets(this.limits.idleTimeoutMs);
    const answer: Answer = {
      reply: (socket, id, result) => this.reply(socket, id, result),
      fail: (socket, id, code, message, details) => this.fail(socket, id, code, message, details),
    };
    this.sessions = new Sessions(env, answer, async (socket, session) => {
      const admitted = await this.accounts.admit(socket.ws, session.account);
      if (admitted.ok && this.sockets.has(socket.ws)) this.occupancy.authenticated(socket.ws);
      return admitted;
    });
    this.requests = new SubscribeRequests({
      ...{ limits: this.limits, books: this.books, streams: this.streams, users: this.users },
      ...{ sessions: this.sessions, idle: this.idle, answer },
      violation: (socket, id, code, message) => this.violation(socket, id, code, message),
    });
    this.orders = new OrderEntry(
      env,
      this.sessions,
      answer,
      async (symbol) => (await this.books.resolve([symbol])).get(symbol) ?? null,
      () => this.live.hints((p) => this.ctx.waitUntil(p)),
    );
    this.connections = new Connections({
      ctx,
      env,
      limits: this.limits,
      hooks: this.hooks,
      sockets: this.sockets,
      occupancy: this.occupancy,
      accounts: this.accounts,
      streams: this.streams,
      shardName: () => this.shardName(),
    });
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
      this.occupancy.add(ws, socket.ip, socket.session !== undefined);
      if (socket.session) this.accounts.restore(ws, socket.session.account);
      for (const key of socket.subscriptions()) this.streams.join(socket, key);
      // Its cursor is unknown: the next push resyncs it with a snapshot.
      if (socket.user && socket.session) this.users.join(socket, socket.session.account);
    }
  }

  // ── onConnect ────────────────────────────────────────────────────────

  /** Accepts a WebSocket forwarded by the Worker, or refuses it (connect.ts). */
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
    await this.live.follow();
    return this.connections.accept(request);
  }

  // ── onMessage ────────────────────────────────────────────────────────

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const socket = this.sockets.get(ws);
    if (!socket?.open) return;
    const now = Date.now();
    socket.acknowledge(now);
    this.streams.drain(socket);
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
        return this.requests.subscribe(socket, request.id, request.params);
      case "unsubscribe":
        return this.requests.unsubscribe(socket, request.id, request.params);
      case "list":
        return this.requests.list(socket, request.id);
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

  // ── account → shard: the user channel ────────────────────────────────

  /**
   * Delivers an account's user-channel messages to its sockets here.
   * `subscribed: false` tells the account that no socket here is on its channel any more.
   */
  async pushUser(account: string, messages: UserMessage[]): Promise<{ subscribed: boolean }> {
    // Nothing private goes to a socket whose token has expired since the last heartbeat.
    this.grants.expire(this.users.clients(account), Date.now());
    return { subscribed: this.users.push(account, messages) };
  }

  /** The Account revoked some of its sessions: their sockets here leave the user channel (user-grants.ts). */
  async sessionsRevoked(account: string, revoked: RevokedSessions): Promise<{ sockets: number }> {
    return { sockets: this.grants.revoke(this.sockets.values(), account, revoked) };
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
   * Ends the user channel of expired tokens, closes idle sockets, renews the
   * accounts' socket counts, sends each socket its streams' last seqs, resumes
   * slow sockets that caught up, checks streams that have been quiet for a
   * while against their book, and re-arms.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    void this.live.follow();
    this.grants.expire(this.sockets.values(), now);
    this.idle.sweep(this.sockets.values(), now);
    this.accounts.renew(now);
    this.streams.probeQuiet(now, this.limits.probeQuietMs);
    for (const socket of this.sockets.values()) {
      if (!socket.open) continue;
      socket.refreshAck();
      this.streams.drain(socket);
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
    return { subscribed: this.streams.publish(instrument, messages) };
  }

  /** This shard's gauges for `GET /v1/admin/metrics` (metrics.ts). */
  async metrics(): Promise<MetricsSnapshot> {
    return shardMetrics(this.name ?? this.ctx.id.name ?? "unnamed", this.sockets.values(), this.traffic);
  }

  /** Readiness probe (`GET /v1/health/ready`): the shard answers, and how many sockets it holds. */
  async ping(): Promise<{ sockets: number }> {
    return { sockets: this.sockets.size };
  }

  // ── sockets ──────────────────────────────────────────────────────────

  /** Forgets a closed socket; resolves when its cancel-on-disconnect (if any) is done. */
  private drop(socket: FeedSocket): Promise<void> | undefined {
    if (!this.sockets.delete(socket.ws)) return undefined;
    this.dropped.add(socket.ws);
    this.occupancy.remove(socket.ws);
    this.accounts.release(socket.ws);
    this.streams.leaveAll(socket);
    if (socket.user && socket.session) this.users.leave(socket, socket.session.account);
    return this.orders.cancelOnDisconnect(socket);
  }

  private shardName(): string {
    if (this.name === undefined) throw new Error("FeedShard has no name yet: reach it through the Worker's /v1/ws.");
    return this.name;
  }
}
