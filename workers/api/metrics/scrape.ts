/**
 * What `GET /v1/admin/metrics` gathers, all at once and each within its deadline
 * (`METRICS_SCRAPE_TIMEOUT_MS`, default 2000 ms):
 *  - every listed instrument's book (`OrderBook.metrics()`; the instrument registry lists them);
 *  - every feed shard (`FeedShard.metrics()`, where the class has it);
 *  - every hub shard (`MetricsHub.snapshot()`), after this isolate pushed what it had not yet,
 *    so every scrape, whichever isolate answers it, sees the same totals (if that push fails,
 *    its changes are shown from here and pushed later).
 * Each source is a component of `p3_component_up` (1 answered, 0 not): `book:<symbol>`,
 * `feed:<shard name>`, `hub:<n>`, `instrument-registry`. One that does not answer also counts
 * `p3_metrics_source_errors_total{source}` (`book`, `feed`, `hub`, `registry`) in this
 * isolate's registry, which reaches the output with its next push. A source that is down
 * never fails the scrape.
 */
import { FeedShard } from "../../../durable-objects/feed/index.ts";
import { registryStub } from "../../../durable-objects/instrument-registry/index.ts";
import { hubShards } from "../../../durable-objects/metrics-hub/contract.ts";
import { hubStub } from "../../../durable-objects/metrics-hub/stub.ts";
import type { Instrument } from "../../../shared/instruments/schema.ts";
import { METRICS } from "../../../shared/metrics/catalogue.ts";
import { toPrometheusText } from "../../../shared/metrics/exposition.ts";
import { isMetricsSnapshot, MetricsRegistry, type MetricsSnapshot } from "../../../shared/metrics/registry.ts";
import type { Env } from "../env.ts";
import { allShardNames } from "../feed/regions.ts";
import { bookFor } from "../instruments.ts";
import { countSourceError, flushEdgeMetrics, unpushedEdgeMetrics } from "./edge.ts";

/** Deadline of each source, ms, unless `METRICS_SCRAPE_TIMEOUT_MS` says otherwise. */
export const DEFAULT_SCRAPE_TIMEOUT_MS = 2_000;

/** What one source answered (or did not). */
export interface SourceResult {
  component: string;
  /** The kind counted in `p3_metrics_source_errors_total{source}` when it failed. */
  kind: "book" | "feed" | "hub" | "registry";
  snapshot?: MetricsSnapshot;
  error?: string;
}

/** The scrape's Prometheus text. */
export async function gatherMetrics(env: Env): Promise<string> {
  const timeoutMs = scrapeTimeoutMs(env.METRICS_SCRAPE_TIMEOUT_MS);
  const [books, feeds, hubs] = await Promise.all([
    gatherBooks(env, timeoutMs),
    gatherFeeds(env, timeoutMs),
    gatherHubs(env, timeoutMs),
  ]);
  const scrape = new MetricsRegistry();
  const up = scrape.gauge(METRICS.up);
  const snapshots: MetricsSnapshot[] = [];
  for (const result of [...books, ...feeds, ...hubs.results]) {
    up.set({ component: result.component }, result.snapshot ? 1 : 0);
    if (result.snapshot) snapshots.push(result.snapshot);
    else countSourceError(result.kind);
  }
  if (hubs.unpushed) snapshots.push(hubs.unpushed);
  return toPrometheusText([...snapshots, scrape.snapshot()]);
}

function scrapeTimeoutMs(text: string | undefined): number {
  const n = Number(text);
  return text !== undefined && text.trim() !== "" && Number.isFinite(n) && n > 0
    ? Math.min(n, 30_000)
    : DEFAULT_SCRAPE_TIMEOUT_MS;
}

/** `work()` within `timeoutMs`: its value, or why not. */
async function within<T>(
  timeoutMs: number,
  work: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const pending = work();
    pending.catch(() => undefined); // a late rejection after the deadline is not unhandled
    return { ok: true, value: await Promise.race([pending, deadline]) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** One source's snapshot, checked for shape. */
async function source(
  component: string,
  kind: SourceResult["kind"],
  timeoutMs: number,
  read: () => Promise<unknown>,
): Promise<SourceResult> {
  const answer = await within(timeoutMs, read);
  if (!answer.ok) return { component, kind, error: answer.error };
  if (!isMetricsSnapshot(answer.value)) return { component, kind, error: "the answer is not a metrics snapshot" };
  return { component, kind, snapshot: answer.value };
}

async function gatherBooks(env: Env, timeoutMs: number): Promise<SourceResult[]> {
  // The registry itself, not the isolate's cache: a book listed a moment ago is scraped too.
  const listed = await within(timeoutMs, () => registryStub(env.INSTRUMENTS).list());
  const registry: SourceResult = { component: "instrument-registry", kind: "registry" };
  if (!listed.ok) return [{ ...registry, error: listed.error }];
  const books = await Promise.all(
    listed.value.map((instrument: Instrument) =>
      source(`book:${instrument.symbol}`, "book", timeoutMs, () => bookFor(env, instrument).metrics()),
    ),
  );
  return [{ ...registry, snapshot: [] }, ...books];
}

/** Whether the FeedShard class answers `metrics()` (until it does, feed shards are not scraped). */
const feedHasMetrics = typeof (FeedShard.prototype as { metrics?: unknown }).metrics === "function";

async function gatherFeeds(env: Env, timeoutMs: number): Promise<SourceResult[]> {
  if (!feedHasMetrics || !env.FEED_SHARD) return [];
  return Promise.all(
    allShardNames(env).map((name) => {
      const stub = env.FEED_SHARD.getByName(name) as unknown as { metrics(): Promise<unknown> };
      return source(`feed:${name}`, "feed", timeoutMs, () => stub.metrics());
    }),
  );
}

async function gatherHubs(
  env: Env,
  timeoutMs: number,
): Promise<{ results: SourceResult[]; unpushed?: MetricsSnapshot }> {
  if (!env.METRICS_HUB) return { results: [] };
  const shards = hubShards(env.METRICS_HUB_SHARDS);
  const pushed = await within(timeoutMs, () => flushEdgeMetrics(env));
  const unpushed = pushed.ok && pushed.value ? undefined : unpushedEdgeMetrics(env);
  const results = await Promise.all(
    Array.from({ length: shards }, (_, i) =>
      source(`hub:${i}`, "hub", timeoutMs, () => hubStub(env.METRICS_HUB, i).snapshot()),
    ),
  );
  return unpushed ? { results, unpushed } : { results };
}
