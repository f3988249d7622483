/**
 * The KPI cards computed from two scrapes of /v1/admin/metrics (names: docs/operations.md
 * "Metrics", shared/metrics/catalogue.ts): each card's value now, its change since the previous
 * scrape and, for counters, the rate per second over that interval. Pure: tested without a page.
 */
import type { Reading } from "./metrics.ts";
import { buckets, quantile, type Sample, series, sum } from "./prometheus.ts";

export type Unit = "count" | "ratio" | "seconds" | "up";

export interface Kpi {
  id: string;
  label: string;
  value: number | undefined;
  unit: Unit;
  /** Current − previous; undefined on the first scrape or when either is missing. */
  change: number | undefined;
  /** Per second between the scrapes (counters only). */
  perSecond?: number | undefined;
  /** How the value reads: bad (red) for errors, good (green) for all up. */
  tone?: "good" | "warn" | "bad" | undefined;
  note?: string;
}

interface Pair {
  now: Sample[];
  before: Sample[] | undefined;
  seconds: number | undefined;
}

function counter(p: Pair, id: string, label: string, name: string, match: Record<string, string> = {}): Kpi {
  const value = sum(p.now, name, match);
  const old = p.before ? sum(p.before, name, match) : undefined;
  // A counter that went down is a holder that restarted (a reset): no change is known then.
  const change = value !== undefined && old !== undefined && value >= old ? value - old : undefined;
  const perSecond = change !== undefined && p.seconds ? change / p.seconds : undefined;
  return { id, label, value, unit: "count", change, perSecond };
}

function gauge(p: Pair, id: string, label: string, name: string, match: Record<string, string> = {}): Kpi {
  const value = sum(p.now, name, match);
  const old = p.before ? sum(p.before, name, match) : undefined;
  return {
    id,
    label,
    value,
    unit: "count",
    change: value !== undefined && old !== undefined ? value - old : undefined,
  };
}

/** 5xx answers as a share of all answers between the two scrapes. */
function errorRatio(p: Pair): Kpi {
  const all = (s: Sample[]) => sum(s, "p3_http_requests_total") ?? 0;
  const errors = (s: Sample[]) =>
    series(s, "p3_http_requests_total")
      .filter((x) => x.labels.code?.startsWith("5"))
      .reduce((a, x) => a + x.value, 0);
  const ratio = (s: Sample[]) => (all(s) > 0 ? errors(s) / all(s) : 0);
  let value: number | undefined;
  if (p.before) {
    const requests = all(p.now) - all(p.before);
    const failed = errors(p.now) - errors(p.before);
    value = requests > 0 && failed >= 0 ? failed / requests : 0;
  }
  return {
    id: "error-ratio",
    label: "5xx ratio (last interval)",
    value,
    unit: "ratio",
    change: undefined,
    tone: value === undefined ? undefined : value > 0 ? "bad" : "good",
    note: `since start ${(ratio(p.now) * 100).toFixed(2)} %`,
  };
}

function componentsUp(p: Pair): Kpi {
  const up = series(p.now, "p3_component_up");
  const down = up.filter((s) => s.value !== 1).length;
  const wasDown = p.before ? series(p.before, "p3_component_up").filter((s) => s.value !== 1).length : undefined;
  return {
    id: "components",
    label: "Components up",
    value: up.length - down,
    unit: "count",
    change: wasDown === undefined ? undefined : wasDown - down,
    tone: up.length === 0 ? undefined : down === 0 ? "good" : "bad",
    note: `${down} down of ${up.length}`,
  };
}

function breakersOpen(p: Pair): Kpi {
  const open = (s: Sample[]) => series(s, "p3_breaker_state").filter((x) => x.value > 0).length;
  const value = open(p.now);
  return {
    id: "breakers",
    label: "Breakers not closed",
    value,
    unit: "count",
    change: p.before ? value - open(p.before) : undefined,
    tone: value === 0 ? "good" : "bad",
  };
}

function orderLatency(p: Pair): Kpi {
  const name = "p3_http_request_duration_seconds";
  const match = { route_class: "order_entry" };
  const value = p.before
    ? quantile(0.99, buckets(p.now, name, match), buckets(p.before, name, match))
    : quantile(0.99, buckets(p.now, name, match));
  return {
    id: "order-p99",
    label: "Order entry p99",
    value,
    unit: "seconds",
    change: undefined,
    note: p.before ? "last interval" : "since start",
  };
}

export function kpis(current: Reading, previous: Reading | undefined): Kpi[] {
  const p: Pair = {
    now: current.samples,
    before: previous?.samples,
    seconds: previous ? Math.max((current.at - previous.at) / 1000, 0.001) : undefined,
  };
  return [
    counter(p, "requests", "HTTP requests", "p3_http_requests_total"),
    errorRatio(p),
    counter(p, "orders-placed", "Orders placed (books)", "p3_book_commands_total", { type: "place" }),
    counter(p, "orders-accepted", "Orders accepted (accounts)", "p3_account_orders_total", { status: "accepted" }),
    counter(p, "trades", "Trades", "p3_book_trades_total"),
    counter(p, "rejects", "Book rejects", "p3_book_rejects_total"),
    gauge(p, "open-orders", "Open orders (held)", "p3_account_open_holds"),
    gauge(p, "feed-sockets", "Feed sockets", "p3_feed_sockets"),
    gauge(p, "feed-subscriptions", "Feed subscriptions", "p3_feed_subscriptions"),
    counter(p, "feed-drops", "Feed drops", "p3_feed_drops_total"),
    counter(p, "auth-failures", "Auth failures", "p3_auth_failures_total"),
    counter(p, "rate-limited", "Rate limited", "p3_rate_limit_decisions_total", { outcome: "limited" }),
    counter(p, "dead-letters", "Dead letters stored", "p3_dead_letters_stored_total"),
    orderLatency(p),
    componentsUp(p),
    breakersOpen(p),
  ];
}

/** The components the scrape reached or not, worst first. */
export function components(current: Reading): { component: string; up: boolean }[] {
  return series(current.samples, "p3_component_up")
    .map((s) => ({ component: s.labels.component ?? "?", up: s.value === 1 }))
    .sort((a, b) => Number(a.up) - Number(b.up) || a.component.localeCompare(b.component, "en", { numeric: true }));
}
