import { describe, expect, it } from "vitest";
import { MetricsAccumulator } from "./accumulator.ts";
import { METRICS } from "./catalogue.ts";
import { MetricsPusher } from "./pusher.ts";
import { MetricsRegistry, type MetricsSnapshot, type ScalarSample } from "./registry.ts";

const families = (s: MetricsSnapshot) => Object.fromEntries(s.map((f) => [f.name, f.samples]));

describe("metrics pusher", () => {
  it("pushes at most once per interval, and never while a push is under way", async () => {
    const r = new MetricsRegistry();
    const pushes: MetricsSnapshot[] = [];
    const pusher = new MetricsPusher(r, { holder: "edge", intervalMs: 5_000 });
    const send = async (d: MetricsSnapshot) => {
      pushes.push(d);
    };
    r.counter(METRICS.httpRequests).inc({ route_class: "system", method: "GET", code: "200" });
    expect(await pusher.pushIfDue(0, send)).toBe(true);
    r.counter(METRICS.httpRequests).inc({ route_class: "system", method: "GET", code: "200" });
    expect(pusher.pushIfDue(4_999, send)).toBeUndefined();
    expect(await pusher.pushIfDue(5_000, send)).toBe(true);
    expect(pushes.map((p) => families(p).p3_http_requests_total?.[0])).toEqual([
      { labels: { route_class: "system", method: "GET", code: "200" }, value: 1 },
      { labels: { route_class: "system", method: "GET", code: "200" }, value: 1 },
    ]);
  });

  it("keeps the changes of a failed push for the next one, counts the error, and never throws", async () => {
    const r = new MetricsRegistry();
    const hub = new MetricsAccumulator();
    const pusher = new MetricsPusher(r, { holder: "consumer", intervalMs: 0 });
    const latency = r.histogram(METRICS.consumerWriteDuration);
    r.counter(METRICS.consumerRetries).inc({ sink: "postgres" }, 2);
    latency.observe(undefined, 0.02);
    expect(await pusher.pushIfDue(0, () => Promise.reject(new Error("hub down")))).toBe(false);
    // The cumulative view is unchanged by the failed drain.
    expect(families(r.snapshot()).p3_consumer_retries_total).toEqual([{ labels: { sink: "postgres" }, value: 2 }]);
    r.counter(METRICS.consumerRetries).inc({ sink: "postgres" });
    latency.observe(undefined, 0.2);
    expect(await pusher.pushIfDue(1, async (d) => hub.absorb("consumer:a", d, 1))).toBe(true);
    const total = families(hub.snapshot(1));
    expect(total.p3_consumer_retries_total).toEqual([{ labels: { sink: "postgres" }, value: 3 }]);
    const written = total.p3_consumer_postgres_write_duration_seconds?.[0] as { count: number; sum: number };
    expect(written.count).toBe(2);
    expect(written.sum).toBeCloseTo(0.22, 9);
    expect(total.p3_metrics_push_errors_total).toEqual([{ labels: { holder: "consumer" }, value: 1 }]);
  });

  it("gives up on a push that does not answer within its timeout", async () => {
    const r = new MetricsRegistry();
    const pusher = new MetricsPusher(r, { holder: "edge", intervalMs: 0, timeoutMs: 20 });
    r.counter(METRICS.authFailures).inc({ reason: "token_expired" });
    expect(await pusher.pushIfDue(0, () => new Promise(() => {}))).toBe(false);
    expect(families(pusher.peek()).p3_auth_failures_total).toEqual([{ labels: { reason: "token_expired" }, value: 1 }]);
  });

  it("reads breakers before each drain, so max gauges travel as they are", async () => {
    const r = new MetricsRegistry();
    let open = true;
    const gauge = r.gauge(METRICS.breakerState);
    const pusher = new MetricsPusher(r, {
      holder: "edge",
      intervalMs: 0,
      beforeDrain: () => gauge.set({ dependency: "redis" }, open ? 2 : 0),
    });
    const seen: number[] = [];
    const send = async (d: MetricsSnapshot) => {
      seen.push((families(d).p3_breaker_state?.[0] as ScalarSample | undefined)?.value ?? -1);
    };
    await pusher.pushIfDue(0, send);
    open = false;
    await pusher.pushIfDue(1, send);
    expect(seen).toEqual([2, 0]);
  });
});
