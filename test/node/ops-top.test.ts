/** `npm run ops:top`: reads two scrapes of the metrics endpoint and prints the venue's KPIs. */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { buckets, parsePrometheusText, quantile } from "../../scripts/ops-top/parse.ts";
import { kpis, render } from "../../scripts/ops-top/table.ts";

const scrape = (placed: number, trades: number, slow: number) => `# HELP p3_book_commands_total x
# TYPE p3_book_commands_total counter
p3_book_commands_total{instrument="BTC-USD",type="place"} ${placed}
p3_book_commands_total{instrument="BTC-USD",type="cancel"} 3
p3_book_trades_total{instrument="BTC-USD"} ${trades}
p3_book_outbox_depth{instrument="BTC-USD"} 7
p3_book_outbox_oldest_age_seconds{instrument="BTC-USD"} 1.5
p3_component_up{component="book:BTC-USD"} 1
p3_component_up{component="book:ETH-USD"} 0
p3_http_requests_total{route_class="order_entry",method="POST",code="201"} ${placed}
p3_http_requests_total{route_class="order_entry",method="POST",code="503"} ${slow}
p3_http_request_duration_seconds_bucket{route_class="order_entry",le="0.005"} ${placed - slow}
p3_http_request_duration_seconds_bucket{route_class="order_entry",le="0.1"} ${placed}
p3_http_request_duration_seconds_bucket{route_class="order_entry",le="+Inf"} ${placed + slow}
p3_breaker_state{dependency="postgres"} 2
p3_breaker_state{dependency="redis"} 0
`;

describe("ops:top", () => {
  it("reads labels (escapes included) and histogram quantiles as histogram_quantile does", () => {
    const samples = parsePrometheusText(
      'm{a="x\\"y",b="2"} 3\n# c\nh_bucket{le="1"} 50\nh_bucket{le="2"} 100\nh_bucket{le="+Inf"} 100\n',
    );
    expect(samples[0]).toEqual({ name: "m", labels: { a: 'x"y', b: "2" }, value: 3 });
    expect(quantile(0.5, buckets(samples, "h"))).toBe(1);
    expect(quantile(0.75, buckets(samples, "h"))).toBe(1.5);
    expect(quantile(0.5, new Map())).toBeUndefined();
  });

  it("computes rates and p99 from two readings", () => {
    const before = { at: 0, samples: parsePrometheusText(scrape(100, 10, 0)) };
    const after = { at: 10_000, samples: parsePrometheusText(scrape(300, 30, 2)) };
    const k = kpis(before, after);
    expect(k.ordersPerS).toBe(20);
    expect(k.tradesPerS).toBe(2);
    expect(k.errorRatio).toBeCloseTo(2 / 202, 5);
    expect(k.orderP99S).toBeGreaterThan(0.005);
    expect(k.breakers).toEqual([
      { dependency: "postgres", state: "open" },
      { dependency: "redis", state: "closed" },
    ]);
    expect(k.books.map((b) => [b.instrument, b.up])).toEqual([
      ["BTC-USD", true],
      ["ETH-USD", false],
    ]);
    expect(render(k, "test")).toMatch(/ETH-USD\s+DOWN/);
  });

  it("prints one table from a live endpoint with --once, sending the operator token", async () => {
    let n = 0;
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      n += 1;
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(scrape(100 * n, 10 * n, 0));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const script = new URL("../../scripts/ops-top.ts", import.meta.url).pathname;
      const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, [
          "--experimental-strip-types",
          "--no-warnings",
          script,
          "--url",
          `http://127.0.0.1:${port}`,
          "--token",
          "T0K",
          "--interval",
          "0.2",
          "--once",
        ]);
        let stdout = "";
        child.stdout.on("data", (d) => {
          stdout += d;
        });
        child.on("exit", (code) => resolve({ code, stdout }));
      });
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/orders\/s \d/);
      expect(out.stdout).toMatch(/BTC-USD\s+up/);
      expect(out.stdout).toMatch(/breakers: postgres open, redis closed/);
      expect(seen.every((h) => h === "Bearer T0K")).toBe(true);
    } finally {
      server.close();
    }
  });
});
