/**
 * The MetricsHub object's contract: what holders too numerous to scrape (edge isolates,
 * the queue consumer, Accounts) push, and what a scrape reads. Outside this folder, import
 * the class from `index.ts`, these from here, and the addressing from `stub.ts`.
 */
import type { MetricsSnapshot } from "../../shared/metrics/registry.ts";

export type { MetricsSnapshot } from "../../shared/metrics/registry.ts";

/** Shards of the hub, unless `METRICS_HUB_SHARDS` says otherwise. */
export const DEFAULT_HUB_SHARDS = 4;
/** Most shards `METRICS_HUB_SHARDS` may ask for (each is read by every scrape). */
export const MAX_HUB_SHARDS = 64;

/** What a holder calls. */
export interface MetricsHubRpc {
  /**
   * Adds what `source` drained since its last push (`MetricsRegistry.drain()`): counters,
   * histograms and summed gauges as changes, max gauges as they are. `source` names the
   * holder (`edge:<id>`, `consumer:<id>`, `account:<id>`): it keys only the max gauges, kept
   * per source while fresh, and never becomes a label.
   */
  report(source: string, drained: MetricsSnapshot): Promise<void>;
  /** The totals and the worst fresh max gauges, cumulative (what a scrape reads). */
  snapshot(): Promise<MetricsSnapshot>;
}

/** `METRICS_HUB_SHARDS` as a count of shards, 1 to {@link MAX_HUB_SHARDS}. */
export function hubShards(text: string | undefined): number {
  if (text === undefined || text.trim() === "") return DEFAULT_HUB_SHARDS;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_HUB_SHARDS) {
    throw new Error(
      `METRICS_HUB_SHARDS="${text}" is not an integer from 1 to ${MAX_HUB_SHARDS}: fix it in wrangler.toml.`,
    );
  }
  return n;
}
