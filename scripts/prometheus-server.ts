/**
 * Throwaway Prometheus and Alertmanager (Debian's `prometheus`, `prometheus-alertmanager`)
 * on free loopback ports, in a temp dir, for the alerting tests: given config texts, they
 * start, answer `/-/ready`, and stop (SIGTERM, then SIGKILL) with their data removed.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort } from "./redis-server.ts";

export interface MonitoringServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/** True if `bin` is on the PATH. */
export function hasBinary(bin: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${log()}`);
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready within ${timeoutMs} ms: ${log()}`);
}

async function launch(
  name: string,
  bin: string,
  args: (port: number, dir: string) => string[],
  files: Record<string, string>,
) {
  const dir = mkdtempSync(join(tmpdir(), `p3-${name}-`));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const port = await freePort();
  const child = spawn(bin, args(port, dir), { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr = (stderr + d).slice(-4_000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, () => stderr, 30_000);
  } catch (err) {
    await stop();
    throw new Error(`${name}: ${(err as Error).message}`);
  }
  return { url, port, dir, stop };
}

/** Prometheus with `prometheus.yml` and the other files (rules) written beside it. */
export function startPrometheus(
  files: Record<string, string> & { "prometheus.yml": string },
): Promise<MonitoringServer> {
  return launch(
    "prometheus",
    "prometheus",
    (port, dir) => [
      "--config.file=prometheus.yml",
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      "--web.enable-lifecycle",
      // Alerts that fire before Alertmanager is discovered are dropped and only resent after
      // this delay (default 1m): resend every second so a test sees them at once.
      "--rules.alert.resend-delay=1s",
    ],
    files,
  );
}

/** Alertmanager with `alertmanager.yml`, not clustered. */
export function startAlertmanager(config: string): Promise<MonitoringServer> {
  return launch(
    "alertmanager",
    "prometheus-alertmanager",
    (port, dir) => [
      "--config.file=alertmanager.yml",
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
      `--storage.path=${join(dir, "data")}`,
    ],
    { "alertmanager.yml": config },
  );
}

const OPS = join(import.meta.dirname, "..", "ops");

/** `Nm` → N·5 s, `Ns` → ⌈N/12⌉ s in `for:` and range windows: a minute of the rules in five seconds. */
export function compressRuleTimes(rules: string): string {
  const scale = (n: number, unit: string) => `${unit === "m" ? n * 5 : Math.max(1, Math.ceil(n / 12))}s`;
  return rules
    .replace(/for: (\d+)([ms])\b/g, (_, n, u) => `for: ${scale(Number(n), u)}`)
    .replace(/\[(\d+)([ms])\]/g, (_, n, u) => `[${scale(Number(n), u)}]`);
}

/**
 * ops/prometheus's committed config and rules, for a throwaway Prometheus scraping `target`
 * (host:port) every second, with time compressed ({@link compressRuleTimes}), alerting to
 * Alertmanager on `alertmanagerPort` if given. The development token is the scrape's
 * credential: Prometheus scrapes from loopback, where it is accepted.
 */
export function opsPrometheusFiles(
  target: string,
  alertmanagerPort?: number,
): Record<string, string> & {
  "prometheus.yml": string;
} {
  let config = readFileSync(join(OPS, "prometheus/prometheus.yml"), "utf8")
    .replace(/scrape_interval: \d+s/, "scrape_interval: 1s")
    .replace(/evaluation_interval: \d+s/, "evaluation_interval: 1s")
    .replace(/scrape_timeout: \d+s/, "scrape_timeout: 1s")
    .replace('targets: ["127.0.0.1:8787"]', `targets: ["${target}"]`);
  if (alertmanagerPort !== undefined) {
    config = config.replace('targets: ["127.0.0.1:9093"]', `targets: ["127.0.0.1:${alertmanagerPort}"]`);
  }
  const rule = (file: string) =>
    compressRuleTimes(readFileSync(join(OPS, "prometheus/rules", file), "utf8")).replace(
      /interval: 15s/,
      "interval: 1s",
    );
  return {
    "prometheus.yml": config,
    "platform3-token": "dev-operator-token\n",
    "rules/recording.yml": rule("recording.yml"),
    "rules/alerts.yml": rule("alerts.yml"),
  };
}
