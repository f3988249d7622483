/**
 * `GET /v1/admin/metrics` through the real app: operators only, Prometheus text that
 * parses, counters that move with orders (the book's, the edge's), label sets that stay
 * bounded under a flood of random paths and unknown instruments, and a book that does not
 * answer shown as `p3_component_up 0` in a 200.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PROMETHEUS_CONTENT_TYPE } from "../../shared/metrics/exposition.ts";
import { createApp } from "../../workers/api/app.ts";
import { type Exposition, parsePrometheus, samplesOf, sumOf } from "../prometheus.ts";
import { fundedTrader } from "./account-helpers.ts";
import { OPERATOR } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import { FeedClient } from "./feed-client.ts";

const BASE = "http://platform3.test/v1";
const operator = { authorization: OPERATOR, "cf-connecting-ip": "198.19.7.1" };

async function scrape(init: RequestInit = { headers: operator }): Promise<Exposition> {
  const res = await exports.default.fetch(`${BASE}/admin/metrics`, init);
  expect(res.status).toBe(200);
  return parsePrometheus(await res.text());
}

let n = 0;
async function instrument(): Promise<string> {
  const symbol = `MX${++n}${Math.random().toString(36).slice(2, 6).toUpperCase()}-USD`;
  await listInstrument(testInstrument(symbol));
  return symbol;
}

describe("GET /v1/admin/metrics", () => {
  it("needs the operator's scope: 401 anonymous, 403 for a trader", async () => {
    const anonymous = await exports.default.fetch(`${BASE}/admin/metrics`);
    expect(anonymous.status).toBe(401);
    const trader = await fundedTrader({}, { "cf-connecting-ip": "198.19.7.2" });
    const refused = await exports.default.fetch(`${BASE}/admin/metrics`, { headers: trader.headers });
    expect(refused.status).toBe(403);
    const text = parsePrometheus(
      await (await exports.default.fetch(`${BASE}/admin/metrics`, { headers: operator })).text(),
    );
    expect(sumOf(text, "p3_auth_failures_total", { reason: "missing_credentials" })).toBeGreaterThan(0);
    expect(sumOf(text, "p3_auth_failures_total", { reason: "missing_scope" })).toBeGreaterThan(0);
  });

  it("answers Prometheus text listing every component up", async () => {
    const symbol = await instrument();
    const res = await exports.default.fetch(`${BASE}/admin/metrics`, { headers: operator });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = parsePrometheus(await res.text());
    for (const component of ["instrument-registry", `book:${symbol}`, "hub:0", "hub:1", "hub:2", "hub:3"]) {
      expect(sumOf(text, "p3_component_up", { component }), component).toBe(1);
    }
    expect(text.types.get("p3_http_requests_total")).toBe("counter");
    expect(text.types.get("p3_book_event_log_rows")).toBe("gauge");
    expect(samplesOf(text, "p3_book_outbox_oldest_age_seconds", { instrument: symbol })).toHaveLength(1);
  });

  it("counts orders in the book and at the edge", async () => {
    const symbol = await instrument();
    const before = await scrape();
    const [buyer, seller] = await Promise.all([
      fundedTrader({ USD: "10000" }, { "cf-connecting-ip": "198.19.7.3" }),
      fundedTrader({ [symbol.split("-")[0] as string]: "10" }, { "cf-connecting-ip": "198.19.7.4" }),
    ]);
    const order = (who: typeof buyer, side: string, i: number) =>
      exports.default.fetch(`${BASE}/orders`, {
        method: "POST",
        headers: { ...who.headers, "content-type": "application/json" },
        body: JSON.stringify({
          client_order_id: `mx-${i}`,
          instrument: symbol,
          side,
          type: "limit",
          price: "100.00",
          size: "1",
        }),
      });
    expect((await order(seller, "sell", 1)).status).toBe(201);
    expect((await order(buyer, "buy", 2)).status).toBe(201);
    const after = await scrape();
    expect(sumOf(after, "p3_book_commands_total", { instrument: symbol, type: "place" })).toBe(2);
    expect(sumOf(after, "p3_book_trades_total", { instrument: symbol })).toBe(1);
    expect(sumOf(after, "p3_book_event_log_rows", { instrument: symbol })).toBeGreaterThan(0);
    const entry = { route_class: "order_entry", method: "POST", code: "201" };
    expect(sumOf(after, "p3_http_requests_total", entry) - sumOf(before, "p3_http_requests_total", entry)).toBe(2);
    const timed = { route_class: "order_entry" };
    expect(sumOf(after, "p3_http_request_duration_seconds_count", timed)).toBeGreaterThanOrEqual(2);
    expect(sumOf(after, "p3_rate_limit_decisions_total", { outcome: "allowed" })).toBeGreaterThan(0);
  });

  it("counts accounts' orders by status, their open holds and settlement lag, pushed to the hub", async () => {
    const symbol = await instrument();
    // Earlier tests' accounts push within their interval (200 ms here): wait for the totals to settle.
    let before = await scrape();
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const again = await scrape();
      const settled = sumOf(again, "p3_account_orders_total") === sumOf(before, "p3_account_orders_total");
      before = again;
      if (settled) break;
    }
    const [buyer, seller] = await Promise.all([
      fundedTrader({ USD: "10000" }, { "cf-connecting-ip": "198.19.7.5" }),
      fundedTrader({ [symbol.split("-")[0] as string]: "10" }, { "cf-connecting-ip": "198.19.7.6" }),
    ]);
    const order = (who: typeof buyer, body: Record<string, string>) =>
      exports.default.fetch(`${BASE}/orders`, {
        method: "POST",
        headers: { ...who.headers, "content-type": "application/json" },
        body: JSON.stringify({ instrument: symbol, type: "limit", size: "1", ...body }),
      });
    expect((await order(seller, { client_order_id: "ax-1", side: "sell", price: "100.00" })).status).toBe(201);
    expect((await order(buyer, { client_order_id: "ax-2", side: "buy", price: "100.00" })).status).toBe(201);
    expect((await order(buyer, { client_order_id: "ax-3", side: "buy", price: "90.00" })).status).toBe(201);
    // More than the buyer has: refused by the account's pre-trade risk.
    const refused = await order(buyer, { client_order_id: "ax-4", side: "buy", price: "90.00", size: "1000" });
    expect(refused.status).toBe(422);

    const delta = (after: Exposition, name: string, labels?: Record<string, string>) =>
      sumOf(after, name, labels) - sumOf(before, name, labels);
    const want = { accepted: 3, filled: 2, rejected: 1 };
    let after = before;
    for (let i = 0; i < 50; i++) {
      after = await scrape();
      const counted = Object.entries(want).every(
        ([status, n]) => delta(after, "p3_account_orders_total", { status }) >= n,
      );
      if (counted && delta(after, "p3_account_settlement_lag_seconds_count") >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const [status, n] of Object.entries(want)) {
      expect(delta(after, "p3_account_orders_total", { status }), status).toBe(n);
    }
    expect(delta(after, "p3_account_settlement_lag_seconds_count")).toBe(2);
    // The resting buy holds funds; the filled orders' holds are released.
    expect(delta(after, "p3_account_open_holds")).toBe(1);
  });

  it("keeps label sets bounded under 2,000 random paths and 50 unknown instruments", async () => {
    for (let i = 0; i < 2_000; i += 100) {
      const ip = { "cf-connecting-ip": `198.19.8.${i / 100}` };
      await Promise.all(
        Array.from({ length: 100 }, (_, k) =>
          exports.default.fetch(`${BASE}/x${i + k}-${Math.random().toString(36).slice(2)}`, { headers: ip }),
        ),
      );
    }
    await Promise.all(
      Array.from({ length: 50 }, (_, k) =>
        exports.default.fetch(`${BASE}/instruments/NOPE${k}-USD/book`, {
          headers: { "cf-connecting-ip": "198.19.7.6" },
        }),
      ),
    );
    const text = await scrape();
    const series = samplesOf(text, "p3_http_requests_total");
    expect(series.length).toBeLessThan(60);
    expect(sumOf(text, "p3_http_requests_total", { route_class: "unmatched" })).toBeGreaterThanOrEqual(2_000);
    for (const s of text.samples) {
      for (const value of Object.values(s.labels)) expect(value).not.toMatch(/NOPE|^x\d/);
    }
  });

  it("shows a book that does not answer as down, and still answers 200", async () => {
    const down = await instrument();
    const up = await instrument();
    const real = env.ORDER_BOOK;
    const silent = real.idFromName(down);
    const books = {
      idFromName: (name: string) => real.idFromName(name),
      get: (id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) =>
        id.equals(silent) ? { metrics: () => new Promise(() => {}) } : real.get(id, options),
    } as unknown as typeof env.ORDER_BOOK;
    const app = createApp();
    const vars = { ...env, ORDER_BOOK: books, METRICS_SCRAPE_TIMEOUT_MS: "300" };
    const get = () => app.request(`${BASE}/admin/metrics`, { headers: operator }, vars);
    const started = Date.now();
    const res = await get();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.status).toBe(200);
    const text = parsePrometheus(await res.text());
    expect(sumOf(text, "p3_component_up", { component: `book:${down}` })).toBe(0);
    expect(sumOf(text, "p3_component_up", { component: `book:${up}` })).toBe(1);
    expect(samplesOf(text, "p3_book_commands_total", { instrument: down })).toHaveLength(0);
    // The error counted by this scrape reaches the output with the isolate's next push.
    const next = parsePrometheus(await (await get()).text());
    expect(sumOf(next, "p3_metrics_source_errors_total", { source: "book" })).toBeGreaterThanOrEqual(1);
  });
  it("reads every feed shard's sockets and subscriptions when scraped", async () => {
    const client = await FeedClient.connect("?subscribe=trades:BTC-USD");
    try {
      const text = await scrape();
      // Every shard of every region in FEED_REGIONS (enam, weur, apac; 2 shards each in tests).
      for (const shard of ["enam", "weur", "apac"].flatMap((r) => [`feed-${r}-0`, `feed-${r}-1`])) {
        expect(sumOf(text, "p3_component_up", { component: `feed:${shard}` }), shard).toBe(1);
      }
      expect(sumOf(text, "p3_feed_sockets")).toBeGreaterThanOrEqual(1);
      expect(sumOf(text, "p3_feed_subscriptions")).toBeGreaterThanOrEqual(1);
    } finally {
      await client.close();
    }
  });
});
