/**
 * RateLimiter: the Workers-native rate-limit backend, used when Upstash Redis
 * is not configured (or not reachable). One object per limited subject,
 * addressed by name (`ip:203.0.113.7`, `key:k_123`), so every check of a
 * subject is serialized in one place and exact; subjects spread over as many
 * objects as there are callers.
 *
 * State is in memory (GCRA: one number per rule). Rate limits protect, they do
 * not account: if the object is evicted or restarted its buckets start full,
 * which an idle subject's buckets would be anyway by the time eviction happens.
 */
import { DurableObject } from "cloudflare:workers";
import { GcraTable, type LimitOutcome, type LimitRule } from "../../shared/rate-limit/gcra.ts";

export type { LimitOutcome, LimitRule } from "../../shared/rate-limit/gcra.ts";

export class RateLimiter extends DurableObject {
  readonly #table = new GcraTable(10_000);

  /** Checks `rules` (all of this object's subject): one RPC per subject and request. */
  check(rules: LimitRule[]): LimitOutcome[] {
    return this.#table.check(rules, Date.now());
  }

  /** Does nothing but answer (the object's clock): the cheapest possible RPC, for the `BENCH_ROUTES` no-op route. */
  async ping(): Promise<number> {
    return Date.now();
  }
}
