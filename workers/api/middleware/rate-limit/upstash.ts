/**
 * The Upstash backend: `@upstash/ratelimit` token buckets over `@upstash/redis`
 * (HTTP), so limits hold across every edge location that shares the database.
 * A budget of `limit` per `window` is `Ratelimit.tokenBucket(1, window / limit, limit)`:
 * the same refill-one-unit-at-a-time bucket as the Durable Object's GCRA.
 */
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import type { LimiterBackend, LimitOutcome, LimitRule } from "./backend.ts";

export interface UpstashBackendOptions {
  /** Key prefix in Redis (default `p3:rl`). */
  prefix?: string;
  /**
   * Longest wait for Redis, ms (default 1000). `@upstash/ratelimit` answers
   * "allowed" when it times out; this backend rejects instead, so the caller
   * falls back to another limiter rather than letting everything through.
   */
  timeoutMs?: number;
}

/**
 * How the rate limiter's `@upstash/redis` client is configured (the Worker's
 * `@upstash/redis/cloudflare` and Node's `@upstash/redis` alike): fail fast so
 * the fallback answers (no retries, a deadline per HTTP request), and a
 * request's rules travel in one `/pipeline` round trip (auto-pipelining).
 */
export function redisClientConfig(url: string, token: string, timeoutMs: number) {
  return {
    url,
    token,
    retry: { retries: 0, backoff: () => 0 },
    signal: () => AbortSignal.timeout(timeoutMs),
    enableAutoPipelining: true,
    enableTelemetry: false,
  };
}

/** Ratelimit's own way to say "Redis did not answer in time". */
class RedisTimeout extends Error {
  override name = "RedisTimeout";
}

export function upstashBackend(redis: Redis, options: UpstashBackendOptions = {}): LimiterBackend {
  const prefix = options.prefix ?? "p3:rl";
  const timeoutMs = options.timeoutMs ?? 1000;
  // One Ratelimit per (limit, interval): they differ only in their Lua arguments.
  const limiters = new Map<string, Ratelimit>();
  // Identifiers known to be empty until a time: saves Redis round trips under a flood.
  const blocked = new Map<string, number>();

  const limiterFor = (limit: number, intervalMs: number): Ratelimit => {
    const id = `${limit}/${intervalMs}`;
    let limiter = limiters.get(id);
    if (!limiter) {
      limiter = new Ratelimit({
        redis,
        prefix,
        limiter: Ratelimit.tokenBucket(1, `${intervalMs} ms`, limit),
        timeout: timeoutMs,
        analytics: false,
        ephemeralCache: blocked,
        enableProtection: false,
      });
      limiters.set(id, limiter);
    }
    return limiter;
  };

  const checkOne = async (rule: LimitRule): Promise<LimitOutcome> => {
    const intervalMs = Math.max(1, Math.round(rule.windowMs / rule.limit));
    const res = await limiterFor(rule.limit, intervalMs).limit(`${rule.subject}|${rule.name}`, { rate: rule.cost });
    if (res.reason === "timeout") throw new RedisTimeout(`Redis did not answer within ${timeoutMs} ms`);
    const now = Date.now();
    // `reset` is when the next unit arrives; the bucket is full `limit - remaining - 1` units later.
    const untilNext = Math.max(0, res.reset - now);
    const missing = rule.limit - res.remaining;
    const outcome: LimitOutcome = {
      name: rule.name,
      limit: rule.limit,
      windowMs: rule.windowMs,
      remaining: res.remaining,
      resetMs: missing > 0 ? untilNext + (missing - 1) * intervalMs : 0,
      allowed: res.success,
    };
    // A denied request reports no remaining count: assume the bucket is empty (an upper bound).
    if (!res.success) outcome.retryAfterMs = untilNext + Math.max(0, rule.cost - 1) * intervalMs;
    return outcome;
  };

  return {
    name: "upstash",
    async check(rules) {
      return { backend: "upstash", outcomes: await Promise.all(rules.map(checkOne)) };
    },
  };
}
