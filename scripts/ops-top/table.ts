/**
 * The KPIs `ops:top` shows, from two readings of `/v1/admin/metrics` taken
 * `seconds` apart: rates from counter differences, p99s from bucket differences,
 * gauges as read. Metric names: shared/metrics/catalogue.ts.
 */
import { buckets, matches, quantile, type Sample, total } from "./parse.ts";

export interface Reading {
  at: number;
  samples: Sample[];
}

export interface BookRow {
  instrument: string;
  up: boolean | undefined;
  commandsPerS: number;
  tradesPerS: number;
  rejectsPerS: number;
  outboxDepth: number;
  oldestAgeS: number;
}

export interface Kpis {
  seconds: number;
  requestsPerS: number;
  errorRatio: number;
  ordersPerS: number;
  tradesPerS: number;
  orderP99S: number | undefined;
  settlementP99S: number | undefined;
  queueLagP99S: number | undefined;
  deadLetters: number;
  feedSockets: number;
  feedDropsPerS: number;
  breakers: { dependency: string; state: "closed" | "half-open" | "open" }[];
  books: BookRow[];
}

const rate = (before: Reading, after: Reading, name: string, match: Record<string, string> = {}) => {
  const seconds = Math.max((after.at - before.at) / 1000, 0.001);
  return Math.max(0, total(after.samples, name, match) - total(before.samples, name, match)) / seconds;
};

const p99 = (before: Reading, after: Reading, name: string, match: Record<string, string> = {}) =>
  quantile(0.99, buckets(after.samples, name, match), buckets(before.samples, name, match));

export function kpis(before: Reading, after: Reading): Kpis {
  const requests = rate(before, after, "p3_http_requests_total");
  const errors = after.samples
    .filter((s) => s.name === "p3_http_requests_total" && s.labels.code?.startsWith("5"))
    .reduce((sum, s) => {
      const old = before.samples.find((b) => b.name === s.name && matches(b.labels, s.labels))?.value ?? 0;
      return sum + Math.max(0, s.value - old);
    }, 0);
  const seconds = Math.max((after.at - before.at) / 1000, 0.001);
  const instruments = new Set(
    after.samples
      .filter((s) => s.name.startsWith("p3_book_") && s.labels.instrument)
      .map((s) => s.labels.instrument as string),
  );
  for (const s of after.samples) {
    if (s.name === "p3_component_up" && s.labels.component?.startsWith("book:"))
      instruments.add(s.labels.component.slice(5));
  }
  const books = [...instruments].sort().map((instrument): BookRow => {
    const up = after.samples.find((s) => s.name === "p3_component_up" && s.labels.component === `book:${instrument}`);
    return {
      instrument,
      up: up === undefined ? undefined : up.value === 1,
      commandsPerS: rate(before, after, "p3_book_commands_total", { instrument }),
      tradesPerS: rate(before, after, "p3_book_trades_total", { instrument }),
      rejectsPerS: rate(before, after, "p3_book_rejects_total", { instrument }),
      outboxDepth: total(after.samples, "p3_book_outbox_depth", { instrument }),
      oldestAgeS: total(after.samples, "p3_book_outbox_oldest_age_seconds", { instrument }),
    };
  });
  const states = ["closed", "half-open", "open"] as const;
  return {
    seconds,
    requestsPerS: requests,
    errorRatio: requests > 0 ? errors / seconds / requests : 0,
    ordersPerS: rate(before, after, "p3_book_commands_total", { type: "place" }),
    tradesPerS: rate(before, after, "p3_book_trades_total"),
    orderP99S: p99(before, after, "p3_http_request_duration_seconds", { route_class: "order_entry" }),
    settlementP99S: p99(before, after, "p3_account_settlement_lag_seconds"),
    queueLagP99S: p99(before, after, "p3_consumer_queue_lag_seconds"),
    deadLetters: total(after.samples, "p3_consumer_dead_letters_total"),
    feedSockets: total(after.samples, "p3_feed_sockets"),
    feedDropsPerS: rate(before, after, "p3_feed_drops_total"),
    breakers: after.samples
      .filter((s) => s.name === "p3_breaker_state")
      .map((s) => ({
        dependency: s.labels.dependency ?? "?",
        state: states[Math.min(2, Math.max(0, s.value))] ?? "open",
      })),
    books,
  };
}

const ms = (s: number | undefined) => (s === undefined ? "-" : `${(s * 1000).toFixed(1)} ms`);
const n = (x: number, digits = 1) => x.toFixed(digits);

/** The table as text lines (no colours: it goes to logs and tests as well as terminals). */
export function render(k: Kpis, source: string): string {
  const lines = [
    `platform3 ops:top — ${source} — over ${n(k.seconds)} s`,
    "",
    `requests/s ${n(k.requestsPerS)}   5xx ${(k.errorRatio * 100).toFixed(2)} %   orders/s ${n(k.ordersPerS)}   trades/s ${n(k.tradesPerS)}`,
    `order p99 ${ms(k.orderP99S)}   settlement lag p99 ${ms(k.settlementP99S)}   queue lag p99 ${ms(k.queueLagP99S)}   DLQ ${k.deadLetters}`,
    `feed sockets ${k.feedSockets}   feed drops/s ${n(k.feedDropsPerS)}`,
    `breakers: ${k.breakers.length === 0 ? "none reported" : k.breakers.map((b) => `${b.dependency} ${b.state}`).join(", ")}`,
    "",
    `${"book".padEnd(14)}${"up".padEnd(6)}${"cmd/s".padStart(9)}${"trades/s".padStart(10)}${"rej/s".padStart(8)}${"outbox".padStart(8)}${"oldest".padStart(10)}`,
  ];
  for (const b of k.books) {
    const up = b.up === undefined ? "?" : b.up ? "up" : "DOWN";
    lines.push(
      `${b.instrument.padEnd(14)}${up.padEnd(6)}${n(b.commandsPerS).padStart(9)}${n(b.tradesPerS).padStart(10)}${n(b.rejectsPerS).padStart(8)}${String(b.outboxDepth).padStart(8)}${`${n(b.oldestAgeS)} s`.padStart(10)}`,
    );
  }
  if (k.books.length === 0) lines.push("(no books reported)");
  return lines.join("\n");
}
