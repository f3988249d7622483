/**
 * scripts/prometheus-server.ts: a real Prometheus (ops/'s config and rules) and a real
 * Alertmanager (ops/'s routes) start on free loopback ports, Prometheus loads every rule
 * and delivers the always-firing Watchdog to Alertmanager, and both stop leaving no
 * process and no directory behind. Skips without the Debian binaries (fails under CI).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  hasBinary,
  type MonitoringServer,
  startAlertmanager,
  startPrometheus,
} from "../../scripts/prometheus-server.ts";
import { freePort } from "../../scripts/redis-server.ts";

const OPS = new URL("../../ops/", import.meta.url).pathname;
const ready = hasBinary("prometheus") && hasBinary("prometheus-alertmanager");
if (!ready && process.env.CI) {
  throw new Error(
    "prometheus and prometheus-alertmanager are required in CI: apt-get install -y prometheus prometheus-alertmanager",
  );
}
if (!ready) console.warn("prometheus-server: prometheus or prometheus-alertmanager missing; skipping");

let prometheus: MonitoringServer | undefined;
let alertmanager: MonitoringServer | undefined;

/** Processes whose command line names `dir` (Linux /proc). */
function processesIn(dir: string): string[] {
  if (!existsSync("/proc")) return [];
  return readdirSync("/proc")
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
        return cmd.includes(dir) ? [`${pid}: ${cmd}`] : [];
      } catch {
        return []; // gone meanwhile
      }
    });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.runIf(ready)("scripts/prometheus-server.ts", () => {
  beforeAll(async () => {
    alertmanager = await startAlertmanager(readFileSync(`${OPS}alertmanager/alertmanager.yml`, "utf8"));
    // The committed config, evaluating every second, alerting to this Alertmanager and
    // scraping a port nothing listens on (the venue is not needed to load and run rules).
    const config = readFileSync(`${OPS}prometheus/prometheus.yml`, "utf8")
      .replace(/evaluation_interval: \d+s/, "evaluation_interval: 1s")
      .replace('targets: ["127.0.0.1:9093"]', `targets: ["127.0.0.1:${alertmanager.port}"]`)
      .replace('targets: ["127.0.0.1:8787"]', `targets: ["127.0.0.1:${await freePort()}"]`);
    prometheus = await startPrometheus({
      "prometheus.yml": config,
      "platform3-token": "dev-operator-token\n",
      "rules/recording.yml": readFileSync(`${OPS}prometheus/rules/recording.yml`, "utf8"),
      "rules/alerts.yml": readFileSync(`${OPS}prometheus/rules/alerts.yml`, "utf8"),
    });
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
  });

  it("starts Prometheus with every rule of ops/ loaded", async () => {
    const res = await fetch(`${prometheus?.url}/api/v1/rules`);
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { groups: { name: string; rules: { name: string }[] }[] } };
    const loaded = data.groups.flatMap((g) => g.rules.map((r) => r.name)).sort();
    const declared = ["recording.yml", "alerts.yml"]
      .flatMap((f) => [
        ...readFileSync(`${OPS}prometheus/rules/${f}`, "utf8").matchAll(/^\s*- (?:record|alert): (\S+)/gm),
      ])
      .map((m) => m[1] as string)
      .sort();
    expect(loaded).toEqual(declared);
    expect(data.groups.map((g) => g.name)).toContain("platform3-recording");
  });

  it("starts Alertmanager, ready, and Prometheus delivers the Watchdog to it", async () => {
    expect((await fetch(`${alertmanager?.url}/-/ready`)).status).toBe(200);
    const watchdog = await until(
      "the Watchdog in Alertmanager",
      async () => {
        const alerts = (await (await fetch(`${alertmanager?.url}/api/v2/alerts`)).json()) as {
          labels: Record<string, string>;
        }[];
        return alerts.find((a) => a.labels.alertname === "Watchdog");
      },
      30_000,
    );
    expect(watchdog.labels.severity).toBe("info");
  }, 40_000);

  it("stops both: no process, no port, no directory left", async () => {
    const servers = [prometheus, alertmanager] as MonitoringServer[];
    for (const server of servers) {
      expect(processesIn(server.dir).length, `${server.url} runs`).toBeGreaterThan(0);
      await server.stop();
      expect(processesIn(server.dir)).toEqual([]);
      expect(existsSync(server.dir)).toBe(false);
      await expect(fetch(`${server.url}/-/ready`)).rejects.toThrow();
    }
    prometheus = undefined;
    alertmanager = undefined;
  }, 30_000);
});
