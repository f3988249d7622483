/**
 * `npm run ops:dashboard-shot [-- --seconds 120] [--out docs/images/dashboard.png]`: the
 * venue dashboard with real data, as a PNG. It starts the Worker (Miniflare) with a local
 * Postgres behind the Neon bridge, a real Prometheus (Debian's) scraping it with ops/'s
 * config and rules (time compressed 12×, as in test/node/alerts-e2e.test.ts, and so are the
 * panels' own ranges), drives
 * traffic for `--seconds` (two traders whose orders cross, a WebSocket subscriber that
 * answers heartbeats, some
 * unauthenticated calls), then asks Prometheus every query of
 * ops/grafana/dashboards/platform3.json over the run, renders the panels
 * (scripts/dashboard/render.ts) and photographs the page with Chromium (playwright-core,
 * `--chromium` or /usr/bin/chromium). Grafana draws the same JSON in production.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { BENCH_RATE_LIMITS, createTraders, listInstrument, nextOrder, SYMBOL } from "../bench/orders/setup.ts";
import { sleep, startServer, stopServer } from "../bench/runtime.ts";
import { type Dashboard, type PanelData, type RangeSeries, renderDashboard } from "./dashboard/render.ts";
import { startNeonWsBridge } from "./neon-ws-bridge.ts";
import { dbmate, startPostgresServer } from "./postgres-server.ts";
import { compressRuleTimes, opsPrometheusFiles, startPrometheus } from "./prometheus-server.ts";

const ROOT = join(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "120" },
    out: { type: "string", default: join(ROOT, "docs/images/dashboard.png") },
    chromium: { type: "string", default: "/usr/bin/chromium" },
  },
});
const seconds = Math.max(20, Number(values.seconds));
const cleanups: Array<() => unknown> = [];

async function main(): Promise<void> {
  const pg = await startPostgresServer();
  cleanups.push(() => pg.stop());
  await dbmate(pg.url, ["up"], { quiet: true });
  const bridge = await startNeonWsBridge({ pgHost: pg.host, pgPort: pg.port });
  cleanups.push(() => bridge.close());
  const server = await startServer({
    runtime: "miniflare",
    label: "dashboard",
    vars: {
      DATABASE_URL: pg.url,
      NEON_WS_PROXY: bridge.wsProxy,
      METRICS_PUSH_INTERVAL_MS: "500",
      RATE_LIMITS: BENCH_RATE_LIMITS,
    },
  });
  cleanups.push(() => stopServer());
  const prometheus = await startPrometheus(opsPrometheusFiles(new URL(server.base).host));
  cleanups.push(() => prometheus.stop());

  await listInstrument(server.base, SYMBOL);
  const traders = await createTraders(server.base, 2, `dash-${Date.now().toString(36)}`);
  const socket = new WebSocket(
    `${server.base.replace(/^http/, "ws")}/v1/ws?subscribe=level2:${SYMBOL},trades:${SYMBOL}`,
  );
  socket.onmessage = () => {};
  // A well-behaved subscriber: its frames tell the shard it is reading (no slow-consumer drops).
  const heartbeat = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send("ping"), 2_000);
  cleanups.push(() => {
    clearInterval(heartbeat);
    socket.close();
  });

  const from = Date.now() / 1000;
  const until = Date.now() + seconds * 1000;
  console.error(`driving traffic for ${seconds} s against ${server.base}; Prometheus at ${prometheus.url}`);
  let n = 0;
  while (Date.now() < until) {
    const trader = traders[n % traders.length];
    const order = nextOrder("dash");
    await Promise.all([
      fetch(`${server.base}/v1/orders`, {
        method: "POST",
        headers: { ...trader?.headers, "content-type": "application/json" },
        body: JSON.stringify(order),
      }).then((r) => r.arrayBuffer()),
      // Some callers without credentials: the auth-failure panel.
      n % 10 === 0 ? fetch(`${server.base}/v1/orders`).then((r) => r.arrayBuffer()) : undefined,
    ]);
    n++;
    // Busier in the middle third, so the panels show a change.
    const elapsed = (Date.now() / 1000 - from) / seconds;
    await sleep(elapsed > 0.33 && elapsed < 0.66 ? 25 : 80);
  }
  await sleep(3_000);
  const to = Date.now() / 1000;

  const dashboard = JSON.parse(readFileSync(join(ROOT, "ops/grafana/dashboards/platform3.json"), "utf8")) as Dashboard;
  const data: PanelData = new Map();
  for (const panel of dashboard.panels) {
    const answers: RangeSeries[][] = [];
    for (const target of panel.targets) {
      const query = new URLSearchParams({
        // The rules' windows are compressed 12×; the panels' own ranges are too.
        query: compressRuleTimes(target.expr.replaceAll("$environment", "development")),
        start: String(from),
        end: String(to),
        step: "2",
      });
      const res = await fetch(`${prometheus.url}/api/v1/query_range?${query}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: RangeSeries[] } };
      if (body.status !== "success") throw new Error(`${panel.title}: ${target.expr}: ${body.error}`);
      answers.push(body.data?.result ?? []);
    }
    data.set(panel.id, answers);
  }
  const note = `npm run ops:dashboard-shot: ${n} orders over ${seconds} s on npm run dev's runtime, scraped by Prometheus every second (rule windows ÷12)`;
  const page = join(tmpdir(), `p3-dashboard-${process.pid}.html`);
  writeFileSync(page, renderDashboard(dashboard, data, from, to, note));
  const browser = await chromium.launch({ executablePath: values.chromium, args: ["--no-sandbox"] });
  cleanups.push(() => browser.close());
  const tab = await browser.newPage({ viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1 });
  await tab.goto(`file://${page}`);
  await tab.screenshot({ path: values.out as string, fullPage: true });
  console.log(`wrote ${values.out} (${dashboard.panels.length} panels; the page: ${page})`);
}

try {
  await main();
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
}
