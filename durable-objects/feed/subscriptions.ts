/**
 * Per-socket state of a feed shard, and what of it survives hibernation.
 *
 * A hibernated shard keeps only its sockets, each with its tags and its
 * attachment; on wake the constructor rebuilds everything else from them.
 * Tags are fixed when the socket is accepted, so they can only record the
 * streams named in the upgrade URL (`?subscribe=level2:BTC-USD,...`, at most
 * 10, the runtime's tag limit). Later `subscribe`/`unsubscribe` requests are
 * recorded in the attachment as the difference from the tags: `added`
 * streams, and tagged streams since `removed`. The socket's subscriptions
 * are `tags - removed + added`.
 *
 * Cursors (the last seq sent per stream), rate windows and slow-consumer
 * counters are in memory only: after a wake each cursor is unknown and the
 * stream resyncs the socket with a fresh snapshot at its next update.
 *
 * The attachment also keeps the socket's session (after `auth`), whether it
 * is on its account's `user` channel, its cancel-on-disconnect flag and the
 * client address it connected from, so all of them survive hibernation.
 */

import type { FeedLimits } from "../../shared/feed/limits.ts";
import { RateWindow } from "../../shared/feed/limits.ts";
import { batchFrame } from "../../shared/feed/messages.ts";
import { CLOSE_CODES, parseStreamKey, type StreamKey } from "../../shared/feed/protocol.ts";
import type { Session } from "./identity.ts";
import type { Client, Cursor } from "./streams.ts";
import type { FeedTraffic } from "./traffic.ts";

/** The attachment, namespaced so other state can share the socket later. */
interface Attachment {
  __feed: {
    v: 1;
    connected_at: number;
    added: StreamKey[];
    removed: StreamKey[];
    /** Set by `auth`. */
    session?: Session;
    /** Subscribed to the session account's `user` channel. */
    user?: boolean;
    /** Cancel the account's open orders when this socket closes. */
    cod?: boolean;
    /** The client address the upgrade came from (checked against a key's IP allowlist). */
    ip?: string;
  };
}

export interface SocketHooks {
  /** The shard closed the socket itself (limits): drop it from every stream. */
  closed(socket: FeedSocket): void;
  /** The shard's fan-out counters (frames, drops, slow-consumer closes). */
  readonly traffic: FeedTraffic;
}

export class FeedSocket implements Client {
  readonly ws: WebSocket;
  readonly connectedAt: number;
  /** This socket's streams, each with its cursor (shared with the stream). */
  readonly cursors = new Map<StreamKey, Cursor>();
  readonly rate: RateWindow;
  /** Order requests have their own window, so trading is not throttled by market-data chatter (nor the reverse). */
  readonly orderRate: RateWindow;
  violations = 0;
  /** Order requests in flight: cancel-on-disconnect waits for them. */
  readonly pending = new Set<Promise<unknown>>();
  private sessionState: Session | undefined;
  private userState: boolean;
  private codState: boolean;
  private readonly ipAddress: string | undefined;
  private readonly ctx: DurableObjectState;
  private readonly limits: FeedLimits;
  private readonly hooks: SocketHooks;
  private readonly tagged: ReadonlySet<StreamKey>;
  private readonly added: Set<StreamKey>;
  private readonly removed: Set<StreamKey>;
  private closed = false;
  /** Messages sent since the client last sent anything. */
  private unacked = 0;
  /** Messages held by `hold` until `release` sends them as one frame. */
  private held: string[] | undefined;
  private ackedAt: number;

  private constructor(
    ctx: DurableObjectState,
    ws: WebSocket,
    limits: FeedLimits,
    hooks: SocketHooks,
    tagged: StreamKey[],
    state: Attachment["__feed"],
  ) {
    this.ctx = ctx;
    this.ws = ws;
    this.limits = limits;
    this.hooks = hooks;
    this.tagged = new Set(tagged);
    this.added = new Set(state.added);
    this.removed = new Set(state.removed);
    this.connectedAt = state.connected_at;
    this.sessionState = state.session;
    this.userState = state.user ?? false;
    this.codState = state.cod ?? false;
    this.ipAddress = state.ip;
    this.ackedAt = Date.now();
    this.rate = new RateWindow(limits.messagesPerSecond);
    this.orderRate = new RateWindow(limits.ordersPerSecond);
  }

  /** Accepts a new socket for hibernation; `streams` (from the URL) become its tags. */
  static accept(
    ctx: DurableObjectState,
    ws: WebSocket,
    streams: StreamKey[],
    limits: FeedLimits,
    hooks: SocketHooks,
    ip?: string,
  ): FeedSocket {
    ctx.acceptWebSocket(ws, streams);
    const state: Attachment["__feed"] = { v: 1, connected_at: Date.now(), added: [], removed: [] };
    if (ip) state.ip = ip;
    const socket = new FeedSocket(ctx, ws, limits, hooks, streams, state);
    socket.persist();
    return socket;
  }

  /** Rebuilds a socket's state after the shard woke up from hibernation. */
  static restore(ctx: DurableObjectState, ws: WebSocket, limits: FeedLimits, hooks: SocketHooks): FeedSocket {
    const tags = ctx.getTags(ws).filter((t): t is StreamKey => parseStreamKey(t) !== undefined);
    const attachment = ws.deserializeAttachment() as Partial<Attachment> | null;
    const state = attachment?.__feed ?? { v: 1, connected_at: Date.now(), added: [], removed: [] };
    return new FeedSocket(ctx, ws, limits, hooks, tags, state);
  }

  /** The streams this socket is subscribed to, as persisted. */
  subscriptions(): StreamKey[] {
    const out: StreamKey[] = [];
    for (const key of this.tagged) if (!this.removed.has(key)) out.push(key);
    for (const key of this.added) out.push(key);
    return out;
  }

  /** Records subscription changes in the attachment (so they survive hibernation). */
  record(subscribed: Iterable<StreamKey>, unsubscribed: Iterable<StreamKey>): void {
    for (const key of subscribed) {
      if (this.tagged.has(key)) this.removed.delete(key);
      else this.added.add(key);
    }
    for (const key of unsubscribed) {
      if (this.tagged.has(key)) this.removed.add(key);
      else this.added.delete(key);
    }
    this.persist();
  }

  /** The session set by `auth`, if any. */
  get session(): Session | undefined {
    return this.sessionState;
  }

  /** On the session account's `user` channel. */
  get user(): boolean {
    return this.userState;
  }

  /** Cancels the account's open orders when the socket closes. */
  get cancelOnDisconnect(): boolean {
    return this.codState;
  }

  get ip(): string | undefined {
    return this.ipAddress;
  }

  /** Records the session state in the attachment (so it survives hibernation). */
  recordSession(change: { session?: Session; user?: boolean; cancelOnDisconnect?: boolean }): void {
    if (change.session !== undefined) this.sessionState = change.session;
    if (change.user !== undefined) this.userState = change.user;
    if (change.cancelOnDisconnect !== undefined) this.codState = change.cancelOnDisconnect;
    this.persist();
  }

  private persist(): void {
    const state: Attachment["__feed"] = {
      v: 1,
      connected_at: this.connectedAt,
      added: [...this.added],
      removed: [...this.removed],
    };
    if (this.sessionState) state.session = this.sessionState;
    if (this.userState) state.user = true;
    if (this.codState) state.cod = true;
    if (this.ipAddress) state.ip = this.ipAddress;
    const attachment: Attachment = { __feed: state };
    this.ws.serializeAttachment(attachment);
  }

  get open(): boolean {
    return !this.closed;
  }

  send(text: string): void {
    if (this.closed) {
      this.hooks.traffic.droppedClosed++;
      return;
    }
    if (this.held) this.held.push(text);
    else if (!this.write(text)) return;
    this.unacked++;
    if (this.unacked > this.limits.slowHard && !this.refreshAck()) {
      this.hooks.traffic.slowDisconnects++;
      this.close(
        CLOSE_CODES.slowConsumer,
        `slow consumer: ${this.unacked} messages without a frame from you; read faster and answer heartbeats with "ping"`,
      );
    }
  }

  /**
   * Holds what is sent until `release`, which sends it as one frame: the
   * message alone, or a `batch` of several (see `shared/feed/messages.ts`).
   * Each message still counts towards the slow-consumer limits.
   */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held;
    this.held = undefined;
    if (held && held.length > 0 && !this.closed) this.write(batchFrame(held));
  }

  private write(frame: string): boolean {
    try {
      this.ws.send(frame);
      this.hooks.traffic.frames++;
      return true;
    } catch {
      // The peer is gone; its close event cleans up.
      this.closed = true;
      this.hooks.traffic.droppedClosed++;
      return false;
    }
  }

  /** Sends a JSON value. */
  sendJson(value: unknown): void {
    this.send(JSON.stringify(value));
  }

  /**
   * Workerd gives no `bufferedAmount` (it is undefined), so "slow" means: more
   * than the soft limit of messages sent since the client's last frame.
   */
  slow(): boolean {
    return this.unacked >= this.limits.slowSoft && !this.refreshAck();
  }

  skipped(): void {
    this.hooks.traffic.droppedSlow++;
  }

  /** Any frame from the client acknowledges everything sent before it. */
  acknowledge(now: number): void {
    this.unacked = 0;
    this.ackedAt = now;
  }

  /** A literal `ping` is answered by the runtime without waking the shard; its timestamp counts as an ack. */
  refreshAck(): boolean {
    const at = this.ctx.getWebSocketAutoResponseTimestamp(this.ws)?.getTime();
    if (at !== undefined && at > this.ackedAt) {
      this.acknowledge(at);
      return true;
    }
    return false;
  }

  /** Closes the socket with a code and a reason naming the cause and the fix. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    try {
      // Close reasons are limited to 123 bytes.
      this.ws.close(code, reason.slice(0, 120));
    } catch {
      // Already closing.
    }
    this.hooks.closed(this);
  }

  /** Marks the socket gone (the client closed it). */
  markClosed(): void {
    this.closed = true;
  }
}
