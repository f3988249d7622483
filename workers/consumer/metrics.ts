/**
 * The event consumer's metrics, one registry per isolate, pushed to the metrics hub after
 * a batch at most once per `METRICS_PUSH_INTERVAL_MS` (`waitUntil`; a failed push waits for
 * the next): batch sizes, Postgres write times, retries by the sink that failed, messages
 * given up (retried on their last attempt, so the Queue dead-letters them), the lag from an
 * event being logged to it being written, when a batch last reached Postgres, the
 * sinks' breakers (breakers.ts), and data quality: events refused by their schema (by
 * type and reason), repeated or late events per key, dead letters stored.
 */

import { hubShards } from "../../durable-objects/metrics-hub/contract.ts";
import type { MetricsHub } from "../../durable-objects/metrics-hub/index.ts";
import { hubForSource } from "../../durable-objects/metrics-hub/stub.ts";
import type { Envelope } from "../../shared/events/envelope.ts";
import { BreakerGauges } from "../../shared/metrics/breakers.ts";
import { METRICS } from "../../shared/metrics/catalogue.ts";
import { MetricsPusher, pushIntervalMs } from "../../shared/metrics/pusher.ts";
import { MetricsRegistry } from "../../shared/metrics/registry.ts";

/** What the consumer reads to push its metrics. */
export interface ConsumerMetricsEnv {
  METRICS_HUB?: DurableObjectNamespace<MetricsHub>;
  METRICS_HUB_SHARDS?: string;
  METRICS_PUSH_INTERVAL_MS?: string;
}

/**
 * Where a failed batch failed: a sink, an event that failed its check with no dead-letter
 * queue bound (`invalid`), or the send to the dead-letter queue (`dlq`).
 */
export type RetryCause = "postgres" | "kafka" | "invalid" | "dlq";

const registry = new MetricsRegistry();
const batchSize = registry.histogram(METRICS.consumerBatchSize);
const writeDuration = registry.histogram(METRICS.consumerWriteDuration);
const retries = registry.counter(METRICS.consumerRetries);
const deadLetters = registry.counter(METRICS.consumerDeadLetters);
const queueLag = registry.histogram(METRICS.consumerQueueLag);
const invalidEvents = registry.counter(METRICS.consumerInvalidEvents);
const reordered = registry.counter(METRICS.consumerReordered);
const deadLettersStored = registry.counter(METRICS.deadLettersStored);
const lastSuccess = registry.gauge(METRICS.consumerLastSuccess);

export function countBatch(messages: number): void {
  batchSize.observe(undefined, messages);
}

/** One batch written to Postgres in `ms`. */
export function countPostgresWrite(ms: number, now = Date.now()): void {
  writeDuration.observe(undefined, ms / 1000);
  lastSuccess.set(undefined, Math.floor(now / 1000));
}

/** A batch's events written to every sink: each one's lag since its object logged it. */
export function countWritten(events: readonly Envelope[], now = Date.now()): void {
  for (const e of events) queueLag.observe(undefined, Math.max(0, now - e.at) / 1000);
}

/**
 * Messages retried because of `cause`; those on their last attempt (`attempts` beyond
 * `maxRetries`, the Queue's `max_retries`) are dead-lettered by the Queue.
 */
export function countRetry(cause: RetryCause, messages: readonly { attempts: number }[], maxRetries: number): void {
  if (messages.length === 0) return;
  retries.inc({ sink: cause });
  const given = messages.filter((m) => m.attempts >= maxRetries + 1).length;
  if (given > 0) deadLetters.inc(undefined, given);
}

/** Events refused by their schema check: `type` is a registered schema name or `unknown`, `reason` a fixed one. */
export function countInvalid(events: readonly { label: string; reason: string }[]): void {
  for (const e of events) invalidEvents.inc({ type: e.label, reason: e.reason });
}

/** A batch's repeated and late events per key (ordering.ts). */
export function countReordered(duplicates: number, outOfOrder: number): void {
  if (duplicates > 0) reordered.inc({ kind: "duplicate" }, duplicates);
  if (outOfOrder > 0) reordered.inc({ kind: "out_of_order" }, outOfOrder);
}

/** Dead letters newly stored, by reason. */
export function countDeadLettersStored(reasons: readonly string[]): void {
  for (const reason of reasons) deadLettersStored.inc({ reason });
}

const breakers = new BreakerGauges();

/** Reports a sink breaker's state as `p3_breaker_state{dependency}`, read before each push. */
export function watchConsumerBreaker(dependency: string, state: () => 0 | 1 | 2): void {
  breakers.watch(dependency, state);
}

let source: string | undefined;
let pusher: MetricsPusher | undefined;

/** Starts a push when one is due; its promise (for `waitUntil`), else undefined. */
export function pushConsumerMetricsIfDue(env: ConsumerMetricsEnv, now = Date.now()): Promise<boolean> | undefined {
  const ns = env.METRICS_HUB;
  if (!ns) return undefined;
  pusher ??= new MetricsPusher(registry, {
    holder: "consumer",
    intervalMs: pushIntervalMs(env.METRICS_PUSH_INTERVAL_MS),
    beforeDrain: () => breakers.read(registry),
  });
  source ??= `consumer:${crypto.randomUUID()}`;
  const name = source;
  return pusher.pushIfDue(now, (drained) =>
    hubForSource(ns, name, hubShards(env.METRICS_HUB_SHARDS)).report(name, drained),
  );
}
