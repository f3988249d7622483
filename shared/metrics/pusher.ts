/**
 * How a holder too numerous to scrape (an edge isolate, the queue consumer, an Account)
 * gets its metrics to a hub: at most once per interval, what its registry counted since
 * the last push (`drain()`) goes to `send`, the holder's call to its hub. A push that fails
 * or times out gives the changes back (`undrain`), so the next one carries them, and counts
 * `p3_metrics_push_errors_total{holder}`: delivery is at least once (a push that timed out
 * but landed later is counted twice), and a push never throws.
 */
import { METRICS } from "./catalogue.ts";
import type { Counter, MetricsRegistry, MetricsSnapshot } from "./registry.ts";

/** Longest time between two pushes of one holder, unless `METRICS_PUSH_INTERVAL_MS` says otherwise. */
export const DEFAULT_PUSH_INTERVAL_MS = 5_000;
/** How long a push may take before it counts as failed, ms. */
export const DEFAULT_PUSH_TIMEOUT_MS = 2_000;

/** The holder's call to its hub with what it drained. */
export type PushSend = (drained: MetricsSnapshot) => Promise<unknown>;

export interface PusherOptions {
  /** Kind of holder (`edge`, `consumer`, `account`): the label of its push errors. */
  holder: string;
  /** At most one push per this many ms (default {@link DEFAULT_PUSH_INTERVAL_MS}). */
  intervalMs?: number;
  timeoutMs?: number;
  /** Runs before each drain: sets gauges read off state (a breaker's). */
  beforeDrain?: () => void;
}

/** The interval from an environment variable's text, else the default. */
export function pushIntervalMs(text: string | undefined): number {
  const n = Number(text);
  return text !== undefined && text.trim() !== "" && Number.isFinite(n) && n >= 0 ? n : DEFAULT_PUSH_INTERVAL_MS;
}

export class MetricsPusher {
  private readonly registry: MetricsRegistry;
  private readonly options: PusherOptions;
  private readonly errors: Counter;
  private lastAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<boolean> | undefined;

  constructor(registry: MetricsRegistry, options: PusherOptions) {
    this.registry = registry;
    this.options = options;
    this.errors = registry.counter(METRICS.pushErrors);
  }

  /** Whether a push is due at `now`: the interval has passed and none is under way. */
  isDue(now: number): boolean {
    return this.pending === undefined && now - this.lastAt >= (this.options.intervalMs ?? DEFAULT_PUSH_INTERVAL_MS);
  }

  /** Starts a push if one is due; its promise (hand it to `waitUntil`), else undefined. */
  pushIfDue(now: number, send: PushSend): Promise<boolean> | undefined {
    return this.isDue(now) ? this.push(now, send) : undefined;
  }

  /** Pushes now, after any push under way; true when the hub took it (or there was nothing to push). */
  async flush(now: number, send: PushSend): Promise<boolean> {
    if (this.pending) await this.pending;
    return this.push(now, send);
  }

  /** What a push would carry now, without taking it: changes since the last push, max gauges as they are. */
  peek(): MetricsSnapshot {
    this.options.beforeDrain?.();
    const drained = this.registry.drain();
    this.registry.undrain(drained);
    return drained;
  }

  private push(now: number, send: PushSend): Promise<boolean> {
    this.lastAt = now;
    this.options.beforeDrain?.();
    const drained = this.registry.drain();
    if (drained.length === 0) return Promise.resolve(true);
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the hub did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const pushed = (async () => {
      try {
        await Promise.race([send(drained), deadline]);
        return true;
      } catch (err) {
        this.registry.undrain(drained);
        this.errors.inc({ holder: this.options.holder });
        console.warn(
          JSON.stringify({
            level: "warn",
            msg: "metrics push failed",
            holder: this.options.holder,
            error: String(err),
          }),
        );
        return false;
      } finally {
        if (timer !== undefined) clearTimeout(timer);
        this.pending = undefined;
      }
    })();
    this.pending = pushed;
    return pushed;
  }
}
