/**
 * ops/: Prometheus's config, recording and alert rules (with their unit tests),
 * Alertmanager's routes and the Grafana dashboard, checked with the real Debian
 * tools (promtool, amtool; `.ci/run` installs them). Every metric the rules and the
 * dashboard name exists in shared/metrics/catalogue.ts.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_METRICS } from "../../shared/metrics/catalogue.ts";

const OPS = new URL("../../ops/", import.meta.url).pathname;
const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const tools = has("promtool") && has("amtool");
if (!tools && process.env.CI) {
  throw new Error(
    "promtool and amtool are required in CI for test/node/ops-rules.test.ts: apt-get install -y prometheus prometheus-alertmanager",
  );
}
if (!tools)
  console.warn(
    "ops-rules: promtool/amtool missing (apt-get install prometheus prometheus-alertmanager); skipping their checks",
  );

function run(tool: string, ...args: string[]) {
  const out = spawnSync(tool, args, { cwd: OPS, encoding: "utf8" });
  return { status: out.status, stdout: out.stdout, output: `${out.stdout}${out.stderr}` };
}

/** Metric names in a PromQL expression: identifiers not followed by `(` or inside `{…}`, minus keywords. */
function metricsOf(expr: string): string[] {
  const noStrings = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "");
  const words = noStrings.match(/[a-zA-Z_:][a-zA-Z0-9_:]*(?!\s*\()/g) ?? [];
  const keywords = new Set([
    "by",
    "without",
    "on",
    "ignoring",
    "and",
    "or",
    "unless",
    "bool",
    "group_left",
    "group_right",
    "offset",
    "le",
  ]);
  return words.filter((w) => !keywords.has(w) && !/^\d/.test(w) && (w.startsWith("p3") || w === "up"));
}

const [recording, alerting] = ["recording.yml", "alerts.yml"].map((f) =>
  readFileSync(join(OPS, "prometheus/rules", f), "utf8"),
) as [string, string];
const rules = [recording, alerting];
const recorded = new Set([...recording.matchAll(/record:\s*(\S+)/g)].map((m) => m[1] as string));
const known = new Set(ALL_METRICS.map((m) => m.name));

/**
 * What the promtool unit tests expect of each alert: the severities it fires with, and
 * whether some case expects it silent. Each `- alertname:` case runs to the next case or group.
 */
function unitTestCases(tests: string): Map<string, { fires: Set<string>; silent: boolean }> {
  const cases = new Map<string, { fires: Set<string>; silent: boolean }>();
  for (const group of tests.split(/\n\s*- name: /)) {
    for (const block of group.split(/\n\s*- alertname: /).slice(1)) {
      const name = (block.split("\n")[0] as string).trim();
      const c = cases.get(name) ?? { fires: new Set<string>(), silent: false };
      if (/exp_alerts: \[\]/.test(block)) c.silent = true;
      for (const m of block.matchAll(/severity: (page|ticket|info)\b/g)) c.fires.add(m[1] as string);
      cases.set(name, c);
    }
  }
  return cases;
}

function knownMetric(name: string): boolean {
  if (name === "up" || recorded.has(name) || known.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return known.has(base) && ALL_METRICS.find((m) => m.name === base)?.type === "histogram";
}

describe("ops/ Prometheus, Alertmanager and Grafana", () => {
  it.runIf(tools)("promtool accepts the config and the rules", () => {
    const config = run("promtool", "check", "config", "prometheus/prometheus.yml");
    expect(config.status, config.output).toBe(0);
    const checked = run("promtool", "check", "rules", "prometheus/rules/recording.yml", "prometheus/rules/alerts.yml");
    expect(checked.status, checked.output).toBe(0);
  });

  it.runIf(tools)(
    "every alert passes its promtool unit tests",
    () => {
      const files = readdirSync(join(OPS, "prometheus/tests")).map((f) => `prometheus/tests/${f}`);
      const tested = run("promtool", "test", "rules", ...files);
      expect(tested.status, tested.output).toBe(0);
      // Each alert fires, with its own severity only, in some case, and is silent in another
      // (the Watchdog is never silent).
      const cases = unitTestCases(files.map((f) => readFileSync(join(OPS, f), "utf8")).join("\n"));
      for (const block of alerting.split(/\n\s*- alert: /).slice(1)) {
        const name = (block.split("\n")[0] as string).trim();
        const severity = /severity: (page|ticket|info)/.exec(block)?.[1];
        expect([...(cases.get(name)?.fires ?? [])], `${name} fires with severity ${severity} in a unit test`).toEqual([
          severity,
        ]);
        if (name !== "Watchdog") expect(cases.get(name)?.silent, `${name} is silent in a unit test`).toBe(true);
      }
    },
    60_000,
  );

  it.runIf(tools)("amtool accepts Alertmanager's config and routes each severity to its receiver", () => {
    const checked = run("amtool", "check-config", "alertmanager/alertmanager.yml");
    expect(checked.status, checked.output).toBe(0);
    for (const [severity, receiver] of [
      ["page", "pager"],
      ["ticket", "tickets"],
      ["info", "info"],
    ]) {
      const route = run(
        "amtool",
        "config",
        "routes",
        "test",
        "--config.file=alertmanager/alertmanager.yml",
        `severity=${severity}`,
      );
      expect(route.stdout.trim(), route.output).toBe(receiver);
    }
  });

  it("gives every alert a severity of page, ticket or info and a runbook that docs/observability.md has", () => {
    const docs = readFileSync(new URL("../../docs/observability.md", import.meta.url), "utf8").toLowerCase();
    const blocks = alerting.split(/\n\s*- alert: /).slice(1);
    expect(blocks.length).toBeGreaterThan(10);
    for (const block of blocks) {
      const name = block.split("\n")[0] as string;
      expect(block, name).toMatch(/severity: (page|ticket|info) \}/);
      expect(block, name).toContain(`runbook: docs/observability.md#${name.toLowerCase()}`);
      expect(docs, `a runbook section for ${name}`).toContain(`### ${name.toLowerCase()}`);
    }
  });

  it("names only metrics the venue exports (or recording rules) in the rules and the dashboard", () => {
    const exprs = [
      ...rules.join("\n").matchAll(/expr:\s*(\|[\s\S]*?)(?=\n\s+(?:labels|for|annotations|- |$))|expr:\s*(.+)/g),
    ].map((m) => m[1] ?? m[2] ?? "");
    const dashboard = JSON.parse(readFileSync(join(OPS, "grafana/dashboards/platform3.json"), "utf8")) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.panels.length).toBeGreaterThan(8);
    for (const panel of dashboard.panels) exprs.push(...panel.targets.map((t) => t.expr));
    const unknown = exprs.flatMap(metricsOf).filter((name) => !knownMetric(name));
    expect(unknown).toEqual([]);
  });
});
