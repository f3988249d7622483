/**
 * An Account's metrics (there are too many accounts to scrape): orders reaching a status,
 * holds open, and the settlement lag of each fill, pushed to the metrics hub the account's
 * name hashes to at most once per `METRICS_PUSH_INTERVAL_MS`. Counting is a few increments
 * after a commit; the push runs off the request (a timer armed by the first change after a
 * push), so an account that goes quiet still pushes its last changes.
 *
 * Open holds are a summed gauge: each account pushes the change in its own count, and the
 * hub adds the changes up. The count last pushed is kept in the object's KV, so an account
 * that was evicted and wakes up pushes only the difference, never its whole count again.
 */

import { METRICS } from "../../shared/metrics/catalogue.ts";
import { MetricsPusher, pushIntervalMs } from "../../shared/metrics/pusher.ts";
import { MetricsRegistry } from "../../shared/metrics/registry.ts";
import { hubShards } from "../metrics-hub/contract.ts";
import type { MetricsHub } from "../metrics-hub/index.ts";
import { hubForSource } from "../metrics-hub/stub.ts";
import type { DeskMetrics } from "./orders/desk-core.ts";
import type { ReachedStatus } from "./orders/record.ts";

export interface AccountMetricsEnv {
  METRICS_HUB?: DurableObjectNamespace<MetricsHub>;
  METRICS_HUB_SHARDS?: string;
  METRICS_PUSH_INTERVAL_MS?: string;
}

const PUSHED_HOLDS_KEY = "metrics:pushed_open_holds";

export class AccountMetrics implements DeskMetrics {
  private readonly registry = new MetricsRegistry();
  private readonly orders = this.registry.counter(METRICS.accountOrders);
  private readonly holds = this.registry.gauge(METRICS.accountOpenHolds);
  private readonly lag = this.registry.histogram(METRICS.accountSettlementLag);
  private readonly pusher: MetricsPusher;
  private readonly intervalMs: number;
  private readonly env: AccountMetricsEnv;
  private readonly kv: SyncKvStorage;
  private readonly source: string;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `openHolds`: the account's count, read before each push. */
  constructor(env: AccountMetricsEnv, kv: SyncKvStorage, account: string, openHolds: () => number) {
    this.env = env;
    this.kv = kv;
    this.source = `account:${account}`;
    this.intervalMs = pushIntervalMs(env.METRICS_PUSH_INTERVAL_MS);
    this.pusher = new MetricsPusher(this.registry, {
      holder: "account",
      intervalMs: this.intervalMs,
      beforeDrain: () => this.holds.set(undefined, openHolds()),
    });
    // What the hub already has of this account's holds is the base the next push differs from.
    this.holds.set(undefined, kv.get<number>(PUSHED_HOLDS_KEY) ?? 0);
    this.registry.drain();
  }

  reached(status: ReachedStatus, n = 1): void {
    if (n <= 0) return;
    this.orders.inc({ status }, n);
    this.schedule();
  }

  settled(fills: readonly { time_ms: number }[], now: number): void {
    for (const fill of fills) this.lag.observe(undefined, Math.max(0, now - fill.time_ms) / 1000);
    if (fills.length > 0) this.schedule();
  }

  /** Pushes what changed now (after any push under way); true when the hub took it. */
  async flush(now = Date.now()): Promise<boolean> {
    const ns = this.env.METRICS_HUB;
    if (!ns) return true;
    const ok = await this.pusher.flush(now, (drained) =>
      hubForSource(ns, this.source, hubShards(this.env.METRICS_HUB_SHARDS)).report(this.source, drained),
    );
    if (ok) this.kv.put(PUSHED_HOLDS_KEY, this.pushedHolds());
    return ok;
  }

  private pushedHolds(): number {
    const family = this.registry.snapshot().find((f) => f.name === METRICS.accountOpenHolds.name);
    const sample = family?.samples[0];
    return sample && !("counts" in sample) ? sample.value : 0;
  }

  /** One push per interval, on a timer: the change that arms it is never delayed by it. */
  private schedule(): void {
    if (this.timer !== undefined || !this.env.METRICS_HUB) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().then((ok) => {
        if (!ok) this.schedule();
      });
    }, this.intervalMs);
  }
}
