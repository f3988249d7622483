/**
 * What this isolate's Redis uses did, for `GET /v1/health` (its `redis`
 * field) and for tests. Counters start at zero with the isolate; no imports,
 * so every Redis module and the system route can share them.
 */

/** The uses of Redis besides the rate limiter (which reports its own fallbacks). */
export const REDIS_USES = ["market_data", "revocation", "idempotency"] as const;
export type RedisUse = (typeof REDIS_USES)[number];

export interface UseCounters {
  /** Redis commands that answered (reads and writes). */
  successes: number;
  /** Reads Redis answered with something usable (a fresh ticker, a revoked family, a stored outcome). */
  hits: number;
  /** Commands that failed or timed out (each opens the breaker). */
  failures: number;
  /** Commands not sent because the breaker was open after a failure. */
  skipped: number;
  /** Reads answered without Redis because it failed or was skipped: the authoritative object answered. */
  fallbacks: number;
}

const zero = (): UseCounters => ({ successes: 0, hits: 0, failures: 0, skipped: 0, fallbacks: 0 });

const counters: Record<RedisUse, UseCounters> = {
  market_data: zero(),
  revocation: zero(),
  idempotency: zero(),
};

/** Adds one to a counter of `use`. */
export function count(use: RedisUse, field: keyof UseCounters): void {
  counters[use][field] += 1;
}

/** A copy of every use's counters. */
export function redisCounters(): Record<RedisUse, UseCounters> {
  return {
    market_data: { ...counters.market_data },
    revocation: { ...counters.revocation },
    idempotency: { ...counters.idempotency },
  };
}

/** Test hook: every counter back to zero. */
export function resetRedisCounters(): void {
  for (const use of REDIS_USES) counters[use] = zero();
}
