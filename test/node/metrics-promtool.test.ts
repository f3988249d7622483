/**
 * The real stack (bench/runtime.ts: the bundled Worker in workerd) scraped after a few
 * orders through the HTTP API: `promtool check metrics` accepts the exposition, the
 * counters moved, and the queue consumer's metrics reach the scrape through the hub.
 * Skips, saying so, where promtool is not installed (PROMTOOL names another binary).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTraders, listInstrument, nextOrder, OPERATOR, SYMBOL } from "../../bench/orders/setup.ts";
import { type Server, startServer, stopServer } from "../../bench/runtime.ts";
import { parsePrometheus, sumOf } from "../prometheus.ts";

const PROMTOOL = process.env.PROMTOOL ?? "/usr/bin/promtool";
const hasPromtool = existsSync(PROMTOOL);
if (!hasPromtool) console.warn(`metrics-promtool: skipped, no promtool at ${PROMTOOL} (set PROMTOOL to its path)`);

let server: Server | undefined;

async function scrape(base: string): Promise<string> {
  const res = await fetch(`${base}/v1/admin/metrics`, { headers: { ...OPERATOR, "cf-connecting-ip": "127.0.0.1" } });
  expect(res.status).toBe(200);
  return res.text();
}

describe.skipIf(!hasPromtool)("the metrics of the running stack", () => {
  beforeAll(async () => {
    server = await startServer({
      runtime: "miniflare",
      label: "metrics-test",
    });
  }, 180_000);
  afterAll(() => stopServer());

  it("passes promtool check metrics after orders, with the counters moved", async () => {
    const base = (server as Server).base;
    await listInstrument(base, SYMBOL);
    const traders = await createTraders(base, 2, `prom-${Date.now().toString(36)}`);
    for (let i = 0; i < 6; i++) {
      const trader = traders[i % 2] as (typeof traders)[number];
      await client(base, trader.headers).expect("POST", "/v1/orders", nextOrder("prom"), 201);
    }
    const text = await scrape(base);
    const check = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(check.stdout + check.stderr, "promtool check metrics").toBe("");
    expect(check.status).toBe(0);
    const parsed = parsePrometheus(text);
    expect(sumOf(parsed, "p3_book_commands_total", { instrument: SYMBOL, type: "place" })).toBe(6);
    expect(sumOf(parsed, "p3_book_trades_total", { instrument: SYMBOL })).toBeGreaterThan(0);
    expect(sumOf(parsed, "p3_http_requests_total", { route_class: "order_entry", code: "201" })).toBe(6);
    expect(sumOf(parsed, "p3_component_up", { component: `book:${SYMBOL}` })).toBe(1);
  }, 120_000);

  it("shows the queue consumer's metrics, pushed to the hub after its first batch", async () => {
    const base = (server as Server).base;
    const deadline = Date.now() + 30_000;
    let batches = 0;
    while (Date.now() < deadline) {
      batches = sumOf(parsePrometheus(await scrape(base)), "p3_consumer_batch_size_count");
      if (batches > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(batches).toBeGreaterThan(0);
  }, 60_000);
});
