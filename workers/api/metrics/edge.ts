/**
 * This isolate's metrics: one registry per isolate (module level) that the edge's
 * middleware counts into (requests, refused credentials, rate-limit decisions, the
 * scrape's unanswered sources), the breakers read before each push, and the pusher that
 * sends the changes to the hub shard this isolate's source hashes to, at most once per
 * `METRICS_PUSH_INTERVAL_MS`. Isolates come and go unseen, so nothing scrapes them: the
 * hub adds up what they pushed (docs/operations.md "Metrics").
 */
import { hubShards } from "../../../durable-objects/metrics-hub/contract.ts";
import { hubForSource } from "../../../durable-objects/metrics-hub/stub.ts";
import { type BreakerGauge, BreakerGauges } from "../../../shared/metrics/breakers.ts";
import { METRICS } from "../../../shared/metrics/catalogue.ts";
import { MetricsPusher, pushIntervalMs } from "../../../shared/metrics/pusher.ts";
import { MetricsRegistry, type MetricsSnapshot } from "../../../shared/metrics/registry.ts";
import type { Env } from "../env.ts";

const registry = new MetricsRegistry();
const requests = registry.counter(METRICS.httpRequests);
const durations = registry.histogram(METRICS.httpDuration);
const authFailures = registry.counter(METRICS.authFailures);
const rateLimitDecisions = registry.counter(METRICS.rateLimitDecisions);
const sourceErrors = registry.counter(METRICS.scrapeErrors);

/** Methods counted by name; anything else a client sends is `other` (the label stays a small set). */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Route class of a request that matched no declared route (404s, probes, random paths): one series. */
export const UNMATCHED = "unmatched";

export function countRequest(routeClass: string, method: string, status: number, seconds: number): void {
  requests.inc({ route_class: routeClass, method: METHODS.has(method) ? method : "other", code: String(status) });
  durations.observe({ route_class: routeClass }, seconds);
}

/** A refused credential: the `reason` its problem carries. */
export function countAuthFailure(reason: string): void {
  authFailures.inc({ reason });
}

/** The outcome of each rate-limit rule a request was checked against. */
export function countRateLimitDecisions(outcomes: readonly { name: string; allowed: boolean }[]): void {
  for (const o of outcomes) rateLimitDecisions.inc({ rule: o.name, outcome: o.allowed ? "allowed" : "limited" });
}

/** No limiter answered for these rules (the request went through unchecked). */
export function countRateLimitUnavailable(rules: readonly { name: string }[]): void {
  for (const r of rules) rateLimitDecisions.inc({ rule: r.name, outcome: "unavailable" });
}

/** A source of the scrape (`book`, `feed`, `hub`, `registry`) that did not answer in time. */
export function countSourceError(kind: string): void {
  sourceErrors.inc({ source: kind });
}

const breakers = new BreakerGauges();

/**
 * Reports a breaker's state as `p3_breaker_state{dependency}` (read before each push; the
 * worst of several breakers of one dependency). Call once per breaker, when it is made.
 */
export function watchBreaker(dependency: string, state: () => BreakerGauge): void {
  breakers.watch(dependency, state);
}

const readBreakers = () => breakers.read(registry);

let source: string | undefined;
let pusher: MetricsPusher | undefined;

/** This isolate's name at the hub (randomness is not allowed at module level in workerd, hence lazily). */
export function edgeSource(): string {
  source ??= `edge:${crypto.randomUUID()}`;
  return source;
}

function pusherFor(env: Env): MetricsPusher {
  pusher ??= new MetricsPusher(registry, {
    holder: "edge",
    intervalMs: pushIntervalMs(env.METRICS_PUSH_INTERVAL_MS),
    beforeDrain: readBreakers,
  });
  return pusher;
}

const sendTo = (env: Env) => (drained: MetricsSnapshot) =>
  hubForSource(env.METRICS_HUB, edgeSource(), hubShards(env.METRICS_HUB_SHARDS)).report(edgeSource(), drained);

/** Starts a push when one is due (hand the promise to `waitUntil`); undefined when none is, or there is no hub. */
export function pushEdgeMetricsIfDue(env: Env, now = Date.now()): Promise<boolean> | undefined {
  if (!env?.METRICS_HUB) return undefined;
  return pusherFor(env).pushIfDue(now, sendTo(env));
}

/** Pushes now (a scrape does, before it reads the hubs); true when the hub took it. */
export function flushEdgeMetrics(env: Env, now = Date.now()): Promise<boolean> {
  if (!env?.METRICS_HUB) return Promise.resolve(false);
  return pusherFor(env).flush(now, sendTo(env));
}

/** What this isolate has not pushed yet, left in place (a scrape whose push failed shows it). */
export function unpushedEdgeMetrics(env: Env): MetricsSnapshot {
  return pusherFor(env).peek();
}
