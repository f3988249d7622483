/**
 * What a metrics hub holds: the totals of what many holders pushed (their
 * drained changes, added up) and each holder's latest "max" gauges, which count
 * only while fresh (a holder that stopped pushing, such as an edge isolate that
 * was evicted, stops counting after `ttlMs`).
 */
import { mergeSnapshots } from "./exposition.ts";
import { MetricsRegistry, type MetricsSnapshot } from "./registry.ts";

/** A holder that pushes at most this many series per family is still bounded by the hub's cap. */
const MAX_SOURCES = 1_000;

export class MetricsAccumulator {
  private readonly sums: MetricsRegistry;
  private readonly latest = new Map<string, { at: number; gauges: MetricsSnapshot }>();

  private readonly ttlMs: number;

  constructor(ttlMs = 60_000, maxSeries?: number) {
    this.ttlMs = ttlMs;
    this.sums = new MetricsRegistry(maxSeries);
  }

  /** Adds what `source` pushed (a `MetricsRegistry.drain()`) at `now`. */
  absorb(source: string, drained: MetricsSnapshot, now: number): void {
    this.sums.absorb(drained);
    const gauges = drained.filter((f) => f.type === "gauge" && f.aggregate === "max");
    if (gauges.length === 0) return;
    if (!this.latest.has(source) && this.latest.size >= MAX_SOURCES) this.expire(now);
    if (!this.latest.has(source) && this.latest.size >= MAX_SOURCES) return;
    this.latest.set(source, { at: now, gauges });
  }

  /** The totals, and the worst fresh value of each max gauge. */
  snapshot(now: number): MetricsSnapshot {
    this.expire(now);
    return mergeSnapshots([this.sums.snapshot(), ...[...this.latest.values()].map((l) => l.gauges)]);
  }

  /** The totals alone (no max gauges): what a hub persists, and absorbs back after a restart. */
  totals(): MetricsSnapshot {
    return this.sums.snapshot();
  }

  private expire(now: number): void {
    for (const [source, entry] of this.latest) if (now - entry.at > this.ttlMs) this.latest.delete(source);
  }
}
