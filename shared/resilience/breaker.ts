/**
 * A circuit breaker for one dependency, per isolate or object: closed (calls go through)
 * until `failureThreshold` calls in a row fail; then open (calls are refused at once, no
 * time spent waiting on a dependency that is down) for a cool-off; then half-open: one
 * call is let through as a probe (the others are still refused); its success closes the
 * breaker, its failure opens it again for twice as long (capped). Cool-offs carry
 * jitter (between half and all of the nominal time), so isolates that opened together
 * probe at different moments. Pure: the clock and the randomness are injected.
 */
import { CircuitOpenError } from "./errors.ts";

export type BreakerState = "closed" | "open" | "half_open";

/** The state as the `p3_breaker_state` gauge reads it. */
export const BREAKER_GAUGE: Record<BreakerState, 0 | 1 | 2> = { closed: 0, half_open: 1, open: 2 };

export interface BreakerOptions {
  /** Failures in a row that open the breaker (default 3). */
  failureThreshold?: number;
  /** The first cool-off, ms (default 5000). */
  coolOffMs?: number;
  /** The longest cool-off, ms (default 60000). */
  maxCoolOffMs?: number;
  /** How long a probe may stay unanswered before another is let through, ms (default 30000). */
  probeTimeoutMs?: number;
  clock?: () => number;
  random?: () => number;
}

export class CircuitBreaker {
  readonly name: string;
  private readonly threshold: number;
  private readonly baseCoolOff: number;
  private readonly maxCoolOff: number;
  private readonly probeTimeout: number;
  private readonly clock: () => number;
  private readonly random: () => number;
  private failures = 0;
  private openUntil = 0;
  private coolOff: number;
  /** When the probe in flight was let through (0: none). */
  private probeAt = 0;
  private opened = false;
  /** The last failure, for logs and refusals. */
  lastError: string | undefined;

  constructor(name: string, options: BreakerOptions = {}) {
    this.name = name;
    this.threshold = Math.max(1, options.failureThreshold ?? 3);
    this.baseCoolOff = Math.max(1, options.coolOffMs ?? 5_000);
    this.maxCoolOff = Math.max(this.baseCoolOff, options.maxCoolOffMs ?? 60_000);
    this.probeTimeout = options.probeTimeoutMs ?? 30_000;
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.coolOff = this.baseCoolOff;
  }

  state(now = this.clock()): BreakerState {
    if (!this.opened) return "closed";
    return now < this.openUntil ? "open" : "half_open";
  }

  /** Ms until a call may be let through again (0 when one may be now). */
  retryAfterMs(now = this.clock()): number {
    if (!this.opened) return 0;
    if (now < this.openUntil) return this.openUntil - now;
    return this.probeAt !== 0 && now - this.probeAt < this.probeTimeout ? this.probeTimeout - (now - this.probeAt) : 0;
  }

  /** Whether a call may go now; in half-open, true for one probe at a time. */
  allow(now = this.clock()): boolean {
    const state = this.state(now);
    if (state === "closed") return true;
    if (state === "open") return false;
    if (this.probeAt !== 0 && now - this.probeAt < this.probeTimeout) return false;
    this.probeAt = now;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.opened = false;
    this.probeAt = 0;
    this.coolOff = this.baseCoolOff;
    this.lastError = undefined;
  }

  failure(error?: unknown, now = this.clock()): void {
    this.lastError = error === undefined ? this.lastError : error instanceof Error ? error.message : String(error);
    if (this.opened) {
      // A failed probe (or a call that started before the breaker opened): open again, longer.
      if (now >= this.openUntil) {
        this.coolOff = Math.min(this.maxCoolOff, this.coolOff * 2);
        this.open(now);
      }
      return;
    }
    this.failures++;
    if (this.failures >= this.threshold) this.open(now);
  }

  /** Runs `fn` behind the breaker: refused with {@link CircuitOpenError} while open. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const now = this.clock();
    if (!this.allow(now)) throw new CircuitOpenError(this.name, this.retryAfterMs(now), this.lastError);
    try {
      const value = await fn();
      this.success();
      return value;
    } catch (err) {
      this.failure(err);
      throw err;
    }
  }

  private open(now: number): void {
    this.opened = true;
    this.probeAt = 0;
    this.openUntil = now + Math.ceil(this.coolOff / 2 + this.random() * (this.coolOff / 2));
  }
}
