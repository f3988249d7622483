/**
 * GCRA (generic cell rate algorithm): an exact, O(1)-state rate limit. A limit
 * of `limit` units per `windowMs` is a bucket of `limit` units that refills one
 * unit every `windowMs / limit` ms; the only state per rule is the theoretical
 * arrival time (TAT), the instant the bucket is full again. No window
 * boundaries, so a burst can never reach twice the limit.
 *
 * Pure TypeScript: the RateLimiter Durable Object and the in-memory backend use
 * it, and it is tested in plain Node with an injected clock.
 */

/** One limit to check for one subject (`ip:…` or `key:…`). */
export interface LimitRule {
  /** The limited identity: `ip:203.0.113.7`, `ip:2001:db8:1:2::/64`, `key:k_123`. */
  subject: string;
  /** The limit's public name, reported in 429s: `ip:all`, `ip:auth`, `key:all`, `key:order_entry`. */
  name: string;
  /** Units per window (a positive integer). */
  limit: number;
  /** Window, ms: the bucket refills completely in this time. */
  windowMs: number;
  /** Units this request takes (its route-class weight, or 1); 0 only reports. */
  cost: number;
  /**
   * Units already admitted elsewhere (an edge isolate's local decisions, reported late):
   * taken even beyond the limit, so the debt delays the requests that follow.
   */
  force?: boolean;
}

/** The state of one rule after (or, when denied, instead of) taking a request. */
export interface LimitOutcome {
  name: string;
  limit: number;
  windowMs: number;
  /** Whole units left. */
  remaining: number;
  /** Until the bucket is full again, ms (RateLimit-Reset). */
  resetMs: number;
  /** Whether this rule alone lets the request through. */
  allowed: boolean;
  /** Denied rules only: until this request's cost fits, ms (Retry-After). */
  retryAfterMs?: number;
}

/** Float slack so that `n × (window / limit)` sums never deny a request that fits exactly. */
const EPSILON = 1e-6;

/**
 * A table of TATs. Each rule of a `check` decides on its own: a rule that lets
 * the request through counts it even if another rule refuses it (as with
 * Upstash, where every rule is its own script), and a refusing rule spends
 * nothing, so a client that keeps hammering past a 429 is not locked out longer.
 */
export class GcraTable {
  readonly #tat = new Map<string, number>();
  readonly #maxEntries: number;

  /** `maxEntries`: above this many tracked rules, full (expired) ones are swept. */
  constructor(maxEntries = 100_000) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#tat.size;
  }

  check(rules: readonly LimitRule[], now: number): LimitOutcome[] {
    const outcomes = rules.map((rule) => {
      const key = `${rule.subject}\u0000${rule.name}`;
      const interval = rule.windowMs / rule.limit;
      const tat = Math.max(this.#tat.get(key) ?? now, now);
      // A report of units already spent may go into debt, but never more than one window of it.
      const next = rule.force
        ? Math.min(tat + rule.cost * interval, now + 2 * rule.windowMs)
        : tat + rule.cost * interval;
      const allowed = rule.force === true || next - now <= rule.windowMs + EPSILON;
      if (allowed && next > now) this.#tat.set(key, next);
      const at = allowed ? next : tat;
      const outcome: LimitOutcome = {
        name: rule.name,
        limit: rule.limit,
        windowMs: rule.windowMs,
        remaining: Math.max(0, Math.floor((rule.windowMs - (at - now)) / interval + EPSILON)),
        resetMs: Math.max(0, at - now),
        allowed,
      };
      if (!allowed) outcome.retryAfterMs = Math.max(0, next - now - rule.windowMs);
      return outcome;
    });
    if (this.#tat.size > this.#maxEntries) this.sweep(now);
    return outcomes;
  }

  /** Forgets rules whose bucket is full again (their TAT has passed). */
  sweep(now: number): void {
    for (const [key, tat] of this.#tat) if (tat <= now) this.#tat.delete(key);
  }
}
