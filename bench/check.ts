/**
 * `npm run bench:check`: the CI performance regression check. Runs a short form of
 * the engine benchmark and of the load run, and fails when a ratio measured within
 * one run drops below its floor in bench/thresholds.json:
 * - `engine_vs_baseline`: this engine's commands/s ÷ nodejs-order-book's, same flow, same process;
 * - `order_vs_noop`: `POST /v1/orders` requests/s ÷ the no-op Durable Object route's, same stack.
 * The short load run also reconciles (lost, doubled, gaps, money) and fails on any discrepancy.
 * Prints one JSON line at the end: the ratios, their floors and `ok`.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const thresholds = JSON.parse(readFileSync(join(ROOT, "bench", "thresholds.json"), "utf8")) as {
  engine_vs_baseline_min: number;
  order_vs_noop_min: number;
};

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

const engine = await runJson("bench:engine", ["--ops", "300000", "--runs", "3"]);
const load = await runJson("bench:load", ["--short"]);
const engineRatio = Number(engine.json?.ratio);
const orderRatio = Number(load.json?.order_vs_noop);
const failures: string[] = [];
if (!(engineRatio >= thresholds.engine_vs_baseline_min)) {
  failures.push(`engine ÷ baseline ${engineRatio} is below the floor ${thresholds.engine_vs_baseline_min}`);
}
if (!(orderRatio >= thresholds.order_vs_noop_min)) {
  failures.push(`order route ÷ no-op route ${orderRatio} is below the floor ${thresholds.order_vs_noop_min}`);
}
if (load.code !== 0) failures.push("the short load run failed (see its reconciliation above)");
for (const f of failures) console.error(`bench:check FAIL: ${f}`);
console.error(failures.length ? "bench:check FAILED" : "bench:check OK");
console.log(
  JSON.stringify({
    engine_vs_baseline: engineRatio,
    engine_vs_baseline_min: thresholds.engine_vs_baseline_min,
    order_vs_noop: orderRatio,
    order_vs_noop_min: thresholds.order_vs_noop_min,
    load_reconciled: load.code === 0,
    ok: failures.length === 0,
  }),
);
process.exit(failures.length ? 1 : 0);
