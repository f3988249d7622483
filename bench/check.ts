/**
 * `npm run bench:check`: the CI performance regression check. Runs short forms of the
 * engine benchmark, the load run, the order benchmark and the feed benchmark, and fails
 * when a figure measured within one run crosses its limit in bench/thresholds.json
 * (`GATES` below): ratios against a baseline of the same run (engine ÷ nodejs-order-book,
 * orders ÷ the no-op route, the feed's p99 ÷ a plain ws server's), the growth of CPU per
 * order from an empty venue to a full one, and one subscriber's latency. The short load
 * run also reconciles (lost, doubled, gaps, money) and fails on any discrepancy.
 * Prints one JSON line at the end: the figures, their limits and `ok`.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const thresholds = JSON.parse(readFileSync(join(ROOT, "bench", "thresholds.json"), "utf8")) as Record<string, number>;

/** Runs an npm script, streaming its stderr, and returns the JSON of its last stdout line. */
function runJson(script: string, args: string[]): Promise<{ code: number; json: Record<string, unknown> | undefined }> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", script, "--", ...args, "--json"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("close", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(last);
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? 1, json });
    });
  });
}

/** One gated figure: `field` of a run's JSON against `thresholds[key]`, a floor (min) or a ceiling (max). */
interface Gate {
  run: "engine" | "load" | "orders" | "feed";
  field: string;
  key: string;
  what: string;
}

const GATES: Gate[] = [
  { run: "engine", field: "ratio", key: "engine_vs_baseline_min", what: "engine ÷ nodejs-order-book" },
  { run: "load", field: "order_vs_noop", key: "order_vs_noop_min", what: "load run: order route ÷ no-op route" },
  { run: "orders", field: "http_ratio", key: "http_ratio_min", what: "bench:orders: HTTP orders ÷ no-op route" },
  {
    run: "orders",
    field: "cost_growth",
    key: "cost_growth_max",
    what: "bench:orders: CPU per order, fullest state ÷ empty",
  },
  { run: "feed", field: "p99_ratio", key: "feed_p99_ratio_max", what: "bench:feed: p99 ÷ the plain ws anchor's" },
  {
    run: "feed",
    field: "single_subscriber_p50_ms",
    key: "single_subscriber_p50_ms_max",
    what: "bench:feed: one subscriber, commit → frame p50 (ms)",
  },
];

const runs = {
  engine: await runJson("bench:engine", ["--ops", "300000", "--runs", "3"]),
  load: await runJson("bench:load", ["--short"]),
  orders: await runJson("bench:orders", ["--short"]),
  feed: await runJson("bench:feed", ["--short"]),
};
const failures: string[] = [];
const figures: Record<string, number | boolean> = {};
for (const gate of GATES) {
  const value = Number(runs[gate.run].json?.[gate.field]);
  const limit = thresholds[gate.key] as number;
  figures[`${gate.run}.${gate.field}`] = value;
  figures[gate.key] = limit;
  const ok = gate.key.endsWith("_min") ? value >= limit : value <= limit;
  if (!ok)
    failures.push(
      `${gate.what} is ${value}, ${gate.key.endsWith("_min") ? "below the floor" : "above the ceiling"} ${limit}`,
    );
}
if (runs.load.code !== 0) failures.push("the short load run failed (see its reconciliation above)");
for (const [name, run] of Object.entries(runs)) if (!run.json) failures.push(`${name} printed no JSON result`);
for (const f of failures) console.error(`bench:check FAIL: ${f}`);
console.error(failures.length ? "bench:check FAILED" : "bench:check OK");
console.log(JSON.stringify({ ...figures, load_reconciled: runs.load.code === 0, ok: failures.length === 0 }));
process.exit(failures.length ? 1 : 0);
