/**
 * The edge's circuit breakers on Durable Objects, per isolate: one per object (an order
 * book, an account, a feed shard, the registry), so one failing book or account is cut
 * off without refusing every other one of its class; exported as one gauge per class,
 * `p3_breaker_state{dependency="order_book"|"account"|…}`, the worst of that class's
 * breakers (no instrument or account ids as labels).
 *
 * A breaker exists only while its object is failing: it is made at the first
 * infrastructure failure and dropped again at the first success while closed (which is
 * what a closed breaker's success does anyway), so the healthy path costs one map miss
 * and memory holds the failing objects only, at most {@link MAX_FAILING_PER_CLASS} per
 * class (past that the oldest is forgotten).
 */
import { BREAKER_GAUGE, type BreakerOptions, CircuitBreaker } from "../../../shared/resilience/breaker.ts";
import { CircuitOpenError } from "../../../shared/resilience/errors.ts";
import { watchBreaker } from "../metrics/edge.ts";
import { isInfrastructureFailure } from "./failures.ts";

/** The object classes the edge calls through breakers, as `p3_breaker_state`'s `dependency` names them. */
export type ObjectClass = "order_book" | "account" | "instrument_registry" | "feed_shard" | "fees";

export const OBJECT_CLASSES: readonly ObjectClass[] = [
  "order_book",
  "account",
  "instrument_registry",
  "feed_shard",
  "fees",
];

/** Failing objects remembered per class and isolate; beyond, the oldest breaker is dropped. */
export const MAX_FAILING_PER_CLASS = 1_000;

/**
 * Infrastructure failures in a row that open an object's breaker, and its first cool-off.
 * An object that was reset or overloaded is usually back within a second or two, hence
 * a short first cool-off that doubles (with jitter) while probes fail.
 */
export const OBJECT_BREAKER_OPTIONS: BreakerOptions = {
  failureThreshold: 3,
  coolOffMs: 2_000,
  maxCoolOffMs: 30_000,
};

export class ObjectBreakers {
  private readonly byClass = new Map<ObjectClass, Map<string, CircuitBreaker>>();
  private readonly options: BreakerOptions;

  constructor(options: BreakerOptions = OBJECT_BREAKER_OPTIONS) {
    this.options = options;
    for (const name of OBJECT_CLASSES) this.byClass.set(name, new Map());
  }

  /**
   * Runs `call` on object `key` of `cls` behind its breaker: refused at once with
   * {@link CircuitOpenError} while the breaker is open; an infrastructure failure counts
   * against it, any other outcome (an answer, or an exception the object threw itself)
   * counts as the object being up.
   */
  async run<T>(cls: ObjectClass, key: string, call: () => Promise<T>): Promise<T> {
    const breakers = this.byClass.get(cls) as Map<string, CircuitBreaker>;
    const breaker = breakers.get(key);
    if (breaker && !breaker.allow()) {
      throw new CircuitOpenError(`${cls} ${key}`, breaker.retryAfterMs(), breaker.lastError);
    }
    try {
      const value = await call();
      this.recover(breakers, key);
      return value;
    } catch (err) {
      if (isInfrastructureFailure(err)) this.failed(breakers, key, err);
      else this.recover(breakers, key);
      throw err;
    }
  }

  /** The worst state among `cls`'s breakers, as the gauge reads it (0 when none is failing). */
  gauge(cls: ObjectClass): 0 | 1 | 2 {
    let worst: 0 | 1 | 2 = 0;
    for (const breaker of this.byClass.get(cls)?.values() ?? []) {
      worst = Math.max(worst, BREAKER_GAUGE[breaker.state()]) as 0 | 1 | 2;
      if (worst === 2) break;
    }
    return worst;
  }

  /** The state of one object's breaker (`closed` when it has none). */
  state(cls: ObjectClass, key: string): ReturnType<CircuitBreaker["state"]> {
    return this.byClass.get(cls)?.get(key)?.state() ?? "closed";
  }

  /** Forgets every breaker (tests). */
  reset(): void {
    for (const breakers of this.byClass.values()) breakers.clear();
  }

  /** The object answered: its breaker (if a failure made one meanwhile) closes and is dropped. */
  private recover(breakers: Map<string, CircuitBreaker>, key: string): void {
    if (breakers.size === 0) return;
    breakers.get(key)?.success();
    breakers.delete(key);
  }

  private failed(breakers: Map<string, CircuitBreaker>, key: string, err: unknown): void {
    let breaker = breakers.get(key);
    if (!breaker) {
      if (breakers.size >= MAX_FAILING_PER_CLASS) {
        const oldest = breakers.keys().next().value;
        if (oldest !== undefined) breakers.delete(oldest);
      }
      breaker = new CircuitBreaker(key, this.options);
      breakers.set(key, breaker);
    }
    breaker.failure(err);
  }
}

/** This isolate's object breakers. */
export const objectBreakers = new ObjectBreakers();

for (const cls of OBJECT_CLASSES) watchBreaker(cls, () => objectBreakers.gauge(cls));
