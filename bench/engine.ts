/**
 * Matching-engine benchmark: our MatchingEngine vs nodejs-order-book@10.1.1.
 *
 *   npm run bench:engine -- [--ops 1000000] [--seed 42] [--runs 3] [--warmup 0.1]
 *                           [--json] [--check] [--min-ratio 10] [--min-ops-per-s 3000000]
 *                           [--only ours|baseline]
 *
 * Builds one seeded flow up front, warms both engines up on its first part,
 * then times full replays (fresh instance each, engines alternating, median of
 * --runs), then times every command of our engine on its own for p50/p99/p99.9,
 * then replays both untimed to print a fingerprint. `--json` prints one JSON
 * object as the last stdout line; `--check` (or BENCH_CHECK=1) exits 1 when a
 * target fails. Progress goes to stderr.
 */
import { parseArgs } from "node:util";
import type { Command } from "../shared/engine/types.ts";
import * as baseline from "./baseline-nodejs-order-book.ts";
import { generateFlow } from "./flow.ts";
import { type Fingerprint, fingerprintRows, fmtInt, fmtNum, median, percentile, table } from "./stats.ts";

type Ours = typeof import("./ours.ts");

const { values: args } = parseArgs({
  options: {
    ops: { type: "string", default: "1000000" },
    seed: { type: "string", default: "42" },
    runs: { type: "string", default: "3" },
    warmup: { type: "string", default: "0.1" },
    json: { type: "boolean", default: false },
    check: { type: "boolean", default: process.env.BENCH_CHECK === "1" },
    "min-ratio": { type: "string", default: "10" },
    "min-ops-per-s": { type: "string", default: "3000000" },
    only: { type: "string" },
  },
});
const num = (s: string): number => {
  const x = Number(s.replace(/_/g, ""));
  if (!Number.isFinite(x)) throw new Error(`not a number: ${s}`);
  return x;
};
const OPS = num(args.ops);
const SEED = num(args.seed);
const RUNS = Math.max(1, num(args.runs));
const MIN_RATIO = num(args["min-ratio"]);
const MIN_OPS = num(args["min-ops-per-s"]);
if (args.only !== undefined && args.only !== "ours" && args.only !== "baseline")
  throw new Error("--only ours|baseline");
if (!Number.isInteger(OPS) || OPS < 1) throw new Error("--ops must be a positive integer");
const runOurs = args.only !== "baseline";
const runBase = args.only !== "ours";
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
const exposedGc = (globalThis as { gc?: () => void }).gc;
/** Collect between runs when node runs with --expose-gc (the npm script does). */
const gc = exposedGc ?? ((): void => {});

async function loadOurs(): Promise<Ours> {
  try {
    return await import("./ours.ts");
  } catch (err) {
    log(
      "Cannot load shared/engine/index.ts (is MatchingEngine written yet?). Use --only baseline to run the baseline alone.",
    );
    throw err;
  }
}
const ours = runOurs ? await loadOurs() : undefined;

// ---- flow -------------------------------------------------------------------
let t = performance.now();
const flow = generateFlow({ ops: OPS, seed: SEED });
const cmds: readonly Command[] = flow.cmds;
const prepared = baseline.prepare(cmds);
log(`flow: ${fmtInt(OPS)} commands, seed ${SEED}, built in ${fmtNum((performance.now() - t) / 1000)} s`);

/** Seconds for one full replay on a fresh instance (construction not timed). */
function timeOurs(o: Ours): number {
  const engine = o.create();
  gc();
  const t0 = process.hrtime.bigint();
  o.replay(engine, cmds, 0, cmds.length);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
function timeBase(): number {
  const ob = baseline.create();
  gc();
  const t0 = process.hrtime.bigint();
  baseline.replay(ob, prepared, 0, cmds.length);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

// ---- warm-up ----------------------------------------------------------------
const warmN = Math.min(cmds.length, Math.floor(cmds.length * num(args.warmup)));
t = performance.now();
// The warmed-up instances stay referenced until the end. Optimized code holds
// the maps (hidden classes) of an engine's objects weakly: once the previous
// instance was dead, the forced GC before each run collected those maps and
// threw the code away (`--trace-deopt`: "weak objects"), so every run began
// by re-optimizing. That fixed cost (~25 ms) is ~10 % of one of our runs and
// ~1 % of a baseline run; a long-lived order book never pays it. Keeping one
// warm instance of each engine alive keeps the maps, and the code, for both.
const warm: unknown[] = [];
if (ours) {
  const engine = ours.create();
  ours.replay(engine, cmds, 0, warmN);
  warm.push(engine);
}
if (runBase) {
  const ob = baseline.create();
  baseline.replay(ob, prepared, 0, warmN);
  warm.push(ob);
}
log(`warm-up: first ${fmtInt(warmN)} commands on throwaway instances, ${fmtNum((performance.now() - t) / 1000)} s`);

// ---- throughput ---------------------------------------------------------------
const oursRate: number[] = [];
const baseRate: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const order = r % 2 === 0 ? ["ours", "base"] : ["base", "ours"];
  for (const which of order) {
    if (which === "ours" && ours) oursRate.push(OPS / timeOurs(ours));
    if (which === "base" && runBase) baseRate.push(OPS / timeBase());
  }
  const parts = [ours ? `ours ${fmtInt(oursRate[r] ?? 0)}` : "", runBase ? `baseline ${fmtInt(baseRate[r] ?? 0)}` : ""];
  log(`run ${r + 1}/${RUNS} (ops/s): ${parts.filter(Boolean).join(", ")}`);
}
const opsPerS = ours ? median(oursRate) : Number.NaN;
const baseOpsPerS = runBase ? median(baseRate) : Number.NaN;
const ratio = opsPerS / baseOpsPerS;

// ---- latency (ours) -----------------------------------------------------------
let p50 = Number.NaN;
let p99 = Number.NaN;
let p999 = Number.NaN;
let pMax = Number.NaN;
let mean = Number.NaN;
let timerNs = Number.NaN;
if (ours) {
  gc();
  const lat = ours.latencies(cmds).sort();
  p50 = percentile(lat, 50) / 1000;
  p99 = percentile(lat, 99) / 1000;
  p999 = percentile(lat, 99.9) / 1000;
  pMax = percentile(lat, 100) / 1000;
  mean = lat.reduce((a, b) => a + b, 0) / lat.length / 1000;
  const probe = new Float64Array(100_000);
  for (let i = 0; i < probe.length; i++) {
    const t0 = process.hrtime.bigint();
    probe[i] = Number(process.hrtime.bigint() - t0);
  }
  timerNs = percentile(probe.sort(), 50);
}

// ---- fingerprints (untimed) ---------------------------------------------------------
const names: string[] = [];
const fps: Fingerprint[] = [];
if (ours) {
  names.push(ours.name);
  fps.push(ours.replayCounted(cmds, flow.orderIds));
}
if (runBase) {
  names.push(baseline.name);
  fps.push(baseline.replayCounted(prepared, flow.orderIds));
}

// ---- report -----------------------------------------------------------------
const m = flow.mix;
const pct = (x: number): string => `${fmtNum((100 * x) / OPS, 1)} %`;
const runsText = (xs: number[]): string => xs.map((x) => fmtNum(x / 1e6, 2)).join(" / ");
const passOps = opsPerS >= MIN_OPS;
const passRatio = ratio >= MIN_RATIO;
const verdict = (ok: boolean): string => (ok ? "PASS" : "FAIL");

console.log(
  `\nMatching-engine benchmark — node ${process.version}, ${fmtInt(OPS)} commands, seed ${SEED}, median of ${RUNS} runs${exposedGc ? "" : " (no --expose-gc)"}`,
);
console.log(
  `flow: limit passive ${pct(m.passive)}, limit marketable ${pct(m.marketable)}, cancel ${pct(m.cancel)}, market ${pct(m.market)}, amend ${pct(m.amend)}\n`,
);
const rows: string[][] = [["engine", "ops/s (median)", "runs (M ops/s)"]];
if (ours) rows.push([ours.name, fmtInt(opsPerS), runsText(oursRate)]);
if (runBase) rows.push([baseline.name, fmtInt(baseOpsPerS), runsText(baseRate)]);
rows.push(["ratio ours/baseline", `${fmtNum(ratio, 1)}×`, ""]);
console.log(table(rows));
if (ours) {
  console.log(
    `\nlatency, ours, per command (µs): p50 ${fmtNum(p50, 3)}  p99 ${fmtNum(p99, 3)}  p99.9 ${fmtNum(p999, 3)}  mean ${fmtNum(mean, 3)}  max ${fmtNum(pMax, 1)}` +
      `  (includes ~${fmtInt(timerNs)} ns hrtime overhead)`,
  );
}
console.log(
  `\n${table([
    ["target", "measured", "result"],
    [`ours >= ${fmtInt(MIN_OPS)} ops/s`, fmtInt(opsPerS), verdict(passOps)],
    [`ours/baseline >= ${MIN_RATIO}×`, `${fmtNum(ratio, 1)}×`, verdict(passRatio)],
  ])}`,
);
console.log(`\n${table(fingerprintRows(names, fps))}`);
console.log(
  "(the engines differ in self-trade prevention and amend semantics, so the fingerprints are close, not equal)",
);

if (args.json) {
  const r = (x: number, d = 3): number | null => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);
  console.log(
    JSON.stringify({
      ops: OPS,
      ops_per_s: r(opsPerS, 0),
      baseline_ops_per_s: r(baseOpsPerS, 0),
      ratio: r(ratio, 2),
      p99_us: r(p99),
      p50_us: r(p50),
      p999_us: r(p999),
      mean_us: r(mean),
      seed: SEED,
      runs: RUNS,
      pass: passOps && passRatio,
    }),
  );
}
if (args.check && !(passOps && passRatio)) process.exitCode = 1;
// Read once at the very end so the warm instances outlive every timed run.
if (warm.length === 0) log("no engine ran");
