import { describe, expect, it } from "vitest";
import { MetricsAccumulator } from "./accumulator.ts";
import { ALL_METRICS, METRICS } from "./catalogue.ts";
import { toPrometheusText } from "./exposition.ts";
import { MetricsRegistry } from "./registry.ts";

describe("metrics registry", () => {
  it("counts, sets and observes, and renders Prometheus text with cumulative buckets", () => {
    const r = new MetricsRegistry();
    const requests = r.counter(METRICS.httpRequests);
    requests.inc({ route_class: "order_entry", method: "POST", code: "201" });
    requests.inc({ route_class: "order_entry", method: "POST", code: "201" }, 2);
    const latency = r.histogram(METRICS.httpDuration);
    latency.observe({ route_class: "order_entry" }, 0.003);
    latency.observe({ route_class: "order_entry" }, 20);
    const text = toPrometheusText([r.snapshot()]);
    expect(text).toContain("# TYPE p3_http_requests_total counter");
    expect(text).toContain('p3_http_requests_total{route_class="order_entry",method="POST",code="201"} 3');
    expect(text).toContain('p3_http_request_duration_seconds_bucket{route_class="order_entry",le="0.0025"} 0');
    expect(text).toContain('p3_http_request_duration_seconds_bucket{route_class="order_entry",le="0.005"} 1');
    expect(text).toContain('p3_http_request_duration_seconds_bucket{route_class="order_entry",le="+Inf"} 2');
    expect(text).toContain('p3_http_request_duration_seconds_count{route_class="order_entry"} 2');
    expect(text).toContain('p3_http_request_duration_seconds_sum{route_class="order_entry"} 20.003');
  });

  it("caps the label combinations of a metric and counts the overflow", () => {
    const r = new MetricsRegistry(10);
    const rejects = r.counter(METRICS.bookRejects);
    for (let i = 0; i < 1_000; i++) rejects.inc({ instrument: `X${i}-USD`, reason: "price_off_tick" });
    const family = r.snapshot().find((f) => f.name === "p3_book_rejects_total");
    expect(family?.samples).toHaveLength(11);
    expect(family?.samples.at(-1)).toEqual({ labels: { instrument: "_other", reason: "_other" }, value: 990 });
    const overflow = r.snapshot().find((f) => f.name === "p3_metric_series_overflow_total");
    expect(overflow?.samples).toEqual([{ labels: { metric: "p3_book_rejects_total" }, value: 990 }]);
  });

  it("escapes label values so a hostile one cannot break the format", () => {
    const r = new MetricsRegistry();
    r.counter(METRICS.authFailures).inc({ reason: 'a"b\\c\nd' });
    expect(toPrometheusText([r.snapshot()])).toContain('p3_auth_failures_total{reason="a\\"b\\\\c\\nd"} 1');
  });

  it("drains changes, which a hub adds up; max gauges keep the worst fresh value", () => {
    const a = new MetricsRegistry();
    const b = new MetricsRegistry();
    const hub = new MetricsAccumulator(60_000);
    a.counter(METRICS.accountOrders).inc({ status: "filled" }, 2);
    b.counter(METRICS.accountOrders).inc({ status: "filled" }, 3);
    a.gauge(METRICS.accountOpenHolds).add({}, 5);
    b.gauge(METRICS.breakerState).set({ dependency: "redis" }, 2);
    a.gauge(METRICS.breakerState).set({ dependency: "redis" }, 0);
    hub.absorb("a", a.drain(), 0);
    hub.absorb("b", b.drain(), 0);
    a.counter(METRICS.accountOrders).inc({ status: "filled" });
    a.gauge(METRICS.accountOpenHolds).add({}, -2);
    hub.absorb("a", a.drain(), 1_000);
    hub.absorb("a", a.drain(), 2_000); // nothing new: nothing added twice
    const text = toPrometheusText([hub.snapshot(2_000)]);
    expect(text).toContain('p3_account_orders_total{status="filled"} 6');
    expect(text).toContain("p3_account_open_holds 3");
    expect(text).toContain('p3_breaker_state{dependency="redis"} 2');
    // b stopped reporting: after the TTL its open breaker no longer counts.
    expect(toPrometheusText([hub.snapshot(120_000)])).not.toContain('p3_breaker_state{dependency="redis"} 2');
  });

  it("names every metric by the conventions", () => {
    for (const m of ALL_METRICS) {
      expect(m.name).toMatch(/^p3_[a-z0-9_]+$/);
      if (m.type === "counter") expect(m.name).toMatch(/_total$/);
      else expect(m.name).not.toMatch(/_total$/);
      if (m.buckets) expect([...m.buckets]).toEqual([...m.buckets].sort((x, y) => x - y));
    }
  });
});
