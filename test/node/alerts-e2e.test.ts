/**
 * The alerting pipeline end to end with the real servers: the Worker (Miniflare) with
 * Postgres behind the Neon bridge, a real Prometheus scraping `GET /v1/admin/metrics`
 * with ops/'s rules, and a real Alertmanager with ops/'s routes delivering to a local
 * webhook. Orders flow; the local Postgres is stopped; `PostgresWritesFailing` fires
 * and reaches the pager receiver with severity `page`; Postgres comes back (a new
 * server on the same port); the alert resolves.
 *
 * Time is scaled so the run takes about a minute: the rules' `for:` and range windows
 * are divided by 12 (`for: 1m` → `5s`, `[2m]` → `[10s]`), scrapes and evaluations are
 * every second. The expressions, labels and routes are the committed ones.
 */

import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTraders, listInstrument, nextOrder, SYMBOL, type Trader } from "../../bench/orders/setup.ts";
import { startServer, stopServer } from "../../bench/runtime.ts";
import { startNeonWsBridge } from "../../scripts/neon-ws-bridge.ts";
import { dbmate, findPostgresBin, type PostgresServer, startPostgresServer } from "../../scripts/postgres-server.ts";
import {
  hasBinary,
  type MonitoringServer,
  opsPrometheusFiles,
  startAlertmanager,
  startPrometheus,
} from "../../scripts/prometheus-server.ts";

const OPS = new URL("../../ops/", import.meta.url).pathname;
const ready = hasBinary("prometheus") && hasBinary("prometheus-alertmanager") && findPostgresBin() !== undefined;
if (!ready) console.warn("alerts-e2e: prometheus, prometheus-alertmanager or Postgres missing; skipping");

interface Notification {
  receiver: string;
  status: "firing" | "resolved";
  alerts: { status: string; labels: Record<string, string> }[];
}

const notifications: Notification[] = [];
let webhook: ReturnType<typeof createServer>;
let prometheus: MonitoringServer;
let alertmanager: MonitoringServer;
let pg: PostgresServer;
let base: string;
let trader: Trader;
let trading = true;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

async function body(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}

beforeAll(async () => {
  if (!ready) return;
  webhook = createServer(async (req, res) => {
    notifications.push(JSON.parse(await body(req)) as Notification);
    res.writeHead(200).end();
  });
  await new Promise<void>((r) => webhook.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => webhook.close(r)));
  const hook = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}`;

  pg = await startPostgresServer();
  cleanups.push(() => pg.stop());
  await dbmate(pg.url, ["up"], { quiet: true });
  const bridge = await startNeonWsBridge({ pgHost: pg.host, pgPort: pg.port });
  cleanups.push(() => bridge.close());
  const server = await startServer({
    runtime: "miniflare",
    label: "alerts",
    vars: {
      DATABASE_URL: pg.url,
      NEON_WS_PROXY: bridge.wsProxy,
      METRICS_PUSH_INTERVAL_MS: "500",
      EVENTS_RETRY_DELAY_SECONDS: "1",
    },
  });
  cleanups.push(() => stopServer());
  base = server.base;

  const routes = readFileSync(`${OPS}alertmanager/alertmanager.yml`, "utf8")
    .replace(/https:\/\/(pager|tickets|chat)\.example\.com\/[\w-]+/g, (_, who) => `${hook}/${who}`)
    .replace(/group_wait: \d+s/g, "group_wait: 1s")
    .replace(/group_interval: \d+m/g, "group_interval: 1s");
  alertmanager = await startAlertmanager(routes);
  cleanups.push(() => alertmanager.stop());

  prometheus = await startPrometheus(opsPrometheusFiles(new URL(base).host, alertmanager.port));
  cleanups.push(() => prometheus.stop());

  await listInstrument(base, SYMBOL);
  [trader] = (await createTraders(base, 1, `alerts-${Date.now().toString(36)}`)) as [Trader];
  // Orders keep flowing in the background: every one is an event for the consumer to write.
  void (async () => {
    while (trading) {
      await fetch(`${base}/v1/orders`, {
        method: "POST",
        headers: { ...trader.headers, "content-type": "application/json" },
        body: JSON.stringify(nextOrder("alerts")),
      }).then(
        (r) => r.arrayBuffer(),
        () => undefined,
      );
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  cleanups.push(() => {
    trading = false;
  });
}, 240_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
});

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const pagerSaw = (status: "firing" | "resolved") =>
  notifications.find(
    (n) =>
      n.receiver === "pager" &&
      n.alerts.some((a) => a.labels.alertname === "PostgresWritesFailing" && a.status === status),
  );

describe.runIf(ready)("alerts end to end", () => {
  it("Prometheus scrapes the venue with the operator token", async () => {
    const target = await waitFor(
      "a healthy scrape",
      async () => {
        const res = await fetch(`${prometheus.url}/api/v1/targets`);
        const { data } = (await res.json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
        return data.activeTargets.find((t) => t.health === "up");
      },
      30_000,
    );
    expect(target.lastError).toBe("");
  }, 60_000);

  it("pages when Postgres stops, and resolves when it is back", async () => {
    expect(pagerSaw("firing")).toBeUndefined();
    const port = pg.port;
    await pg.stop();
    const firing = await waitFor("PostgresWritesFailing to page", () => pagerSaw("firing"), 90_000);
    const alert = firing.alerts.find((a) => a.labels.alertname === "PostgresWritesFailing");
    expect(alert?.labels.severity).toBe("page");
    // Back: a fresh server on the same port, migrated; the queue's retries now succeed.
    pg = await startPostgresServer({ port });
    await dbmate(pg.url, ["up"], { quiet: true });
    await waitFor("PostgresWritesFailing to resolve", () => pagerSaw("resolved"), 120_000);
    // Only the pager got it: routing by severity.
    const elsewhere = notifications.filter(
      (n) => n.receiver !== "pager" && n.alerts.some((a) => a.labels.alertname === "PostgresWritesFailing"),
    );
    expect(elsewhere).toEqual([]);
  }, 240_000);
});
