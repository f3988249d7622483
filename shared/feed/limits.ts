/**
 * A feed shard's limits, read once from the environment and checked eagerly,
 * and the per-connection counters that enforce them.
 */

/** Environment variables of the feed shard (all optional, decimal integers). */
export interface FeedLimitsEnv {
  /** Most sockets one shard holds; the Worker tries the next shard past it (default 1000). */
  FEED_MAX_SOCKETS_PER_SHARD?: string;
  /** Heartbeat interval, ms (default 5000). */
  FEED_HEARTBEAT_MS?: string;
  /** Most streams one socket may subscribe (default 100). */
  FEED_MAX_SUBSCRIPTIONS?: string;
  /** Messages sent without any frame from the client before level2 deltas pause (default 2000). */
  FEED_SLOW_SOFT_LIMIT?: string;
  /** Messages sent without any frame from the client before the socket is closed (default 10000). */
  FEED_SLOW_HARD_LIMIT?: string;
  /** Order requests (`order.*`) one socket may send per second, beside the other requests (default 1000). */
  FEED_ORDERS_PER_SECOND?: string;
  /** Sockets one client address (IPv6: its /64) may hold across the shards (default 50). */
  FEED_MAX_SOCKETS_PER_IP?: string;
  /** Authenticated sockets one account may hold across the shards (default 200). */
  FEED_MAX_SOCKETS_PER_ACCOUNT?: string;
  /** A socket that has neither authenticated nor subscribed for this long is closed, ms (default 10000). */
  FEED_IDLE_TIMEOUT_MS?: string;
  /** Share of a shard's sockets unauthenticated ones may fill, above 0 and at most 1 (default 0.8). */
  FEED_UNAUTHENTICATED_SHARE?: string;
}

export interface FeedLimits {
  maxSockets: number;
  heartbeatMs: number;
  maxSubscriptions: number;
  /** Requests one socket may send per second (order requests apart). */
  messagesPerSecond: number;
  /** Order requests one socket may send per second: a trading connection's own budget. */
  ordersPerSecond: number;
  /** Limit violations (rate, subscriptions) a socket may commit before it is closed. */
  maxViolations: number;
  /** Largest request frame, bytes. */
  maxFrameBytes: number;
  /** Streams the upgrade URL may name: they become tags, and a socket has at most 10. */
  maxUrlStreams: number;
  slowSoft: number;
  slowHard: number;
  /** A stream without pushes for this long is checked against its book (a lost push would otherwise go unnoticed). */
  probeQuietMs: number;
  /** Sockets of one client address (across shards: see durable-objects/feed/admission.ts). */
  maxSocketsPerIp: number;
  /** Authenticated sockets of one account, across shards. */
  maxSocketsPerAccount: number;
  /** Without a session and without subscriptions for this long, a socket is closed. */
  idleTimeoutMs: number;
  /**
   * Unauthenticated sockets one shard holds at most: `FEED_UNAUTHENTICATED_SHARE` of
   * `maxSockets`, so the rest is kept for authenticated ones (at least 1).
   */
  maxUnauthenticated: number;
}

const DEFAULTS = {
  FEED_MAX_SOCKETS_PER_SHARD: 1000,
  FEED_HEARTBEAT_MS: 5000,
  FEED_MAX_SUBSCRIPTIONS: 100,
  FEED_SLOW_SOFT_LIMIT: 2000,
  FEED_SLOW_HARD_LIMIT: 10_000,
  FEED_ORDERS_PER_SECOND: 1000,
  FEED_MAX_SOCKETS_PER_IP: 50,
  FEED_MAX_SOCKETS_PER_ACCOUNT: 200,
  FEED_IDLE_TIMEOUT_MS: 10_000,
} as const;

const DEFAULT_UNAUTHENTICATED_SHARE = 0.8;

function share(env: FeedLimitsEnv): number {
  const raw = env.FEED_UNAUTHENTICATED_SHARE;
  if (raw === undefined || raw === "") return DEFAULT_UNAUTHENTICATED_SHARE;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 1) {
    throw new Error(
      `FEED_UNAUTHENTICATED_SHARE="${raw}" is not a number above 0 and at most 1: fix it in wrangler.toml [vars] (default ${DEFAULT_UNAUTHENTICATED_SHARE}).`,
    );
  }
  return n;
}

function positive(env: FeedLimitsEnv, name: keyof typeof DEFAULTS): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return DEFAULTS[name];
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new Error(
      `${name}="${raw}" is not a positive integer: fix it in wrangler.toml [vars] (default ${DEFAULTS[name]}).`,
    );
  }
  return n;
}

/** Reads and validates the limits; throws naming the variable at fault. */
export function feedLimits(env: FeedLimitsEnv): FeedLimits {
  const slowSoft = positive(env, "FEED_SLOW_SOFT_LIMIT");
  const slowHard = positive(env, "FEED_SLOW_HARD_LIMIT");
  if (slowHard <= slowSoft) {
    throw new Error(`FEED_SLOW_HARD_LIMIT (${slowHard}) must exceed FEED_SLOW_SOFT_LIMIT (${slowSoft}).`);
  }
  const maxSockets = positive(env, "FEED_MAX_SOCKETS_PER_SHARD");
  return {
    maxSockets,
    heartbeatMs: positive(env, "FEED_HEARTBEAT_MS"),
    maxSubscriptions: positive(env, "FEED_MAX_SUBSCRIPTIONS"),
    messagesPerSecond: 50,
    ordersPerSecond: positive(env, "FEED_ORDERS_PER_SECOND"),
    maxViolations: 5,
    maxFrameBytes: 16 * 1024,
    maxUrlStreams: 10,
    slowSoft,
    slowHard,
    probeQuietMs: 30_000,
    maxSocketsPerIp: positive(env, "FEED_MAX_SOCKETS_PER_IP"),
    maxSocketsPerAccount: positive(env, "FEED_MAX_SOCKETS_PER_ACCOUNT"),
    idleTimeoutMs: positive(env, "FEED_IDLE_TIMEOUT_MS"),
    maxUnauthenticated: Math.max(1, Math.floor(share(env) * maxSockets)),
  };
}

/** Fixed one-second window of inbound requests. */
export class RateWindow {
  private readonly perSecond: number;
  private windowStart = 0;
  private count = 0;

  constructor(perSecond: number) {
    this.perSecond = perSecond;
  }

  /** Counts one request; false when it is over the limit. */
  allow(now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.count = 0;
    }
    this.count++;
    return this.count <= this.perSecond;
  }
}
