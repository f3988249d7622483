/**
 * `npm run bench:load`: a fixed-time mixed load against the local stack, then a
 * reconciliation that fails the run on any discrepancy.
 *
 *   npm run bench:load [-- --seconds 30 --accounts 24 --instruments 3 --subscribers 1000
 *                          --faults --short --json --runtime miniflare|wrangler-dev]
 *
 * 1. Starts the stack (stack.ts): fresh Postgres + Neon bridge, Redis when installed,
 *    the Worker with its objects and Queue consumer in workerd.
 * 2. Lists the instruments, creates and funds the accounts (half trade over HTTP,
 *    half over their feed socket), one token each.
 * 3. Same-run ratio: `--ratio-seconds` of the HTTP traders calling the no-op route
 *    (one no-op Durable Object call behind the same auth and limits), then as long
 *    placing and cancelling orders over HTTP: `order_vs_noop` = order requests/s ÷
 *    no-op requests/s (the number the CI regression check compares, bench/check.ts).
 * 4. Opens the subscribers (trades of one instrument each, every 10th level2 too).
 * 5. The load: every trader places and cancels for `--seconds` (HTTP: 1 request in
 *    flight each; WebSocket: 4), with `--faults` the fault schedule (faults.ts).
 * 6. Every account cancels all; reconciliation (reconcile.ts).
 * Prints orders/s (order requests answered: places and cancels), latency p50/p99/p99.9
 * (first send to definite answer, retries included), feed delivery latency (the
 * book's trade time to the subscriber's receipt, same machine clock), errors by
 * status, and the reconciliation; `--json` ends with one JSON line. Exit 1 when
 * anything does not reconcile (and, without `--faults`, on any error reply).
 */
import { parseArgs } from "node:util";
import { parseRuntime } from "../runtime.ts";
import { fmtInt, fmtNum } from "../stats.ts";
import { type FaultTally, runFaults } from "./faults.ts";
import { cancelEverything, reconcile } from "./reconcile.ts";
import { createTraders, faultRoutesMounted, instrumentSymbols, listInstruments } from "./setup.ts";
import { startLoadStack } from "./stack.ts";
import { openSubscribers } from "./subscribers.ts";
import { LoadResults, runNoop, runTrader } from "./traders.ts";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string" },
    accounts: { type: "string", default: "24" },
    instruments: { type: "string", default: "3" },
    subscribers: { type: "string" },
    "level2-every": { type: "string", default: "10" },
    "ratio-seconds": { type: "string" },
    "http-inflight": { type: "string", default: "1" },
    "ws-inflight": { type: "string", default: "4" },
    faults: { type: "boolean", default: false },
    short: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    runtime: { type: "string", default: "miniflare" },
    verbose: { type: "boolean", default: false },
  },
});

const short = args.short;
const SECONDS = Number(args.seconds ?? (short ? 15 : 30));
const SUBSCRIBERS = Number(args.subscribers ?? 1000);
const RATIO_SECONDS = Number(args["ratio-seconds"] ?? (short ? 4 : 6));
const started = Date.now();
const log = (line: string): void => {
  if (!args.json || args.verbose)
    console.error(`load ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s ${line}`);
  else console.error(line);
};
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

async function main(): Promise<number> {
  const stack = await startLoadStack({
    runtime: parseRuntime(args.runtime),
    faults: args.faults,
    verbose: args.verbose,
  });
  try {
    log(`stack up: ${stack.base}; Postgres ${stack.postgres}; ${stack.redis ? stack.redis.version : "no Redis"}`);
    const run = String(Date.now() % 1_000_000);
    const symbols = instrumentSymbols("", Number(args.instruments));
    await listInstruments(stack.base, symbols);
    const { traders, deposits } = await createTraders(stack.base, run, Number(args.accounts), symbols);
    log(
      `${symbols.join(", ")} listed; ${traders.length} accounts funded (${traders.filter((t) => t.via === "ws").length} trade over WebSocket)`,
    );
    if (args.faults && !(await faultRoutesMounted(stack.base, symbols[0] as string)))
      throw new Error("the fault routes are not mounted");

    // ── same-run ratio: order route against the no-op route, HTTP only ────────
    const httpTraders = traders.filter((t) => t.via === "http");
    const lanes = Number(args["http-inflight"]);
    await runNoop(httpTraders, 1, lanes); // warm-up
    const noop = await runNoop(httpTraders, RATIO_SECONDS, lanes);
    const ratioResults = new LoadResults();
    const ratioUntil = Date.now() + RATIO_SECONDS * 1000;
    const ratioStart = performance.now();
    await Promise.all(
      httpTraders.map((t, i) =>
        runTrader(t, 10_000 + i, {
          base: stack.base,
          symbols,
          httpInflight: lanes,
          wsInflight: 0,
          results: ratioResults,
          stopped: () => Date.now() >= ratioUntil,
        }),
      ),
    );
    const orderRate = (ratioResults.places + ratioResults.cancels) / ((performance.now() - ratioStart) / 1000);
    const orderVsNoop = orderRate / noop.perSecond;
    log(
      `ratio: no-op route ${fmtNum(noop.perSecond, 0)}/s, order route ${fmtNum(orderRate, 0)}/s → ${fmtNum(orderVsNoop, 3)}`,
    );

    // ── subscribers, then the load ──────────────────────────────────────────
    const pool = await openSubscribers(stack.base, symbols, SUBSCRIBERS, Number(args["level2-every"]), log);
    log(`${SUBSCRIBERS} subscribers connected; load for ${SECONDS} s${args.faults ? " with faults" : ""}`);
    const results = new LoadResults();
    // The ratio phase's orders are already acknowledged: carry them over for the reconciliation.
    for (const [id, order] of ratioResults.acked) results.acked.set(id, order);
    results.unresolved = ratioResults.unresolved;
    results.countFrom = Date.now();
    const until = Date.now() + SECONDS * 1000;
    const stopped = () => Date.now() >= until;
    const loadStart = performance.now();
    const faultsDone: Promise<FaultTally | undefined> = args.faults
      ? runFaults(
          stack,
          {
            seconds: SECONDS,
            abortEveryMs: 3_000,
            resendEveryMs: 4_000,
            postgresDownMs: Math.min(8_000, SECONDS * 200),
            redisDownMs: Math.min(5_000, SECONDS * 150),
          },
          { books: symbols, accounts: traders.map((t) => t.account) },
          stopped,
          log,
        )
      : Promise.resolve(undefined);
    const progress = setInterval(
      () => log(`  ${fmtInt(results.places + results.cancels)} order requests answered`),
      5_000,
    );
    await Promise.all(
      traders.map((t, i) =>
        runTrader(t, i, {
          base: stack.base,
          symbols,
          httpInflight: lanes,
          wsInflight: Number(args["ws-inflight"]),
          results,
          stopped,
        }),
      ),
    );
    clearInterval(progress);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    pool.counting.on = false;
    const faults = await faultsDone;

    log("load over; every account cancels all, then reconciliation …");
    const undecided = await cancelEverything(traders);
    if (undecided) log(`  ${undecided} accounts could not cancel all`);
    const rec = await reconcile({
      base: stack.base,
      db: { DATABASE_URL: stack.databaseUrl, NEON_WS_PROXY: stack.neonWsProxy },
      symbols,
      traders,
      deposits,
      results,
      subscribers: pool.subscribers,
      deadlineMs: 120_000,
      log,
    });
    pool.close();

    const sorted = [...results.latencies].sort((a, b) => a - b);
    const errors = [...results.errors.values()].reduce((a, b) => a + b, 0);
    const summary = {
      seconds: Math.round(loadSeconds * 10) / 10,
      orders_per_s: Math.round((results.places + results.cancels) / loadSeconds),
      places_per_s: Math.round(results.places / loadSeconds),
      p50_ms: round1(pct(sorted, 50)),
      p99_ms: round1(pct(sorted, 99)),
      p999_ms: round1(pct(sorted, 99.9)),
      feed_p50_ms: pool.feedLatency.percentile(50),
      feed_p99_ms: pool.feedLatency.percentile(99),
      feed_deliveries: pool.feedLatency.count,
      errors,
      errors_by_status: Object.fromEntries(results.errors),
      refusals: Object.fromEntries(results.refusals),
      unresolved: results.unresolved,
      lost: rec.lost,
      doubled: rec.doubled,
      seq_gaps: rec.seq_gaps,
      conserved: rec.conserved,
      ledger_mismatches: rec.ledger_mismatches,
      replay_equal: rec.replay_equal,
      orders: rec.orders,
      trades: rec.trades,
      subscribers: SUBSCRIBERS,
      accounts: traders.length,
      instruments: symbols.length,
      noop_per_s: Math.round(noop.perSecond),
      order_route_per_s: Math.round(orderRate),
      order_vs_noop: Math.round(orderVsNoop * 1000) / 1000,
      faults: faults ?? null,
    };
    const failures: string[] = [...rec.problems];
    if (rec.lost || rec.doubled || rec.seq_gaps || !rec.conserved || rec.ledger_mismatches || !rec.replay_equal) {
      failures.unshift("reconciliation failed");
    }
    if (results.unresolved) failures.push(`${results.unresolved} requests undecided after every retry`);
    if (!args.faults && errors) failures.push(`${errors} error replies without faults`);

    console.error("");
    console.error(
      `orders/s ${fmtInt(summary.orders_per_s)} (places ${fmtInt(summary.places_per_s)}/s) over ${summary.seconds} s; latency p50 ${summary.p50_ms} ms, p99 ${summary.p99_ms} ms, p99.9 ${summary.p999_ms} ms`,
    );
    console.error(
      `feed: ${fmtInt(summary.feed_deliveries)} trade deliveries to ${SUBSCRIBERS} subscribers, p50 ${summary.feed_p50_ms} ms, p99 ${summary.feed_p99_ms} ms`,
    );
    console.error(
      `errors: ${errors} ${JSON.stringify(summary.errors_by_status)}; refusals ${JSON.stringify(summary.refusals)}; replayed places ${results.replayed}`,
    );
    console.error(
      `reconciliation: ${rec.orders} orders, ${rec.trades} trades; lost ${rec.lost}, doubled ${rec.doubled}, seq gaps ${rec.seq_gaps}, conserved ${rec.conserved}, ledger mismatches ${rec.ledger_mismatches}, replay equal ${rec.replay_equal}`,
    );
    console.error(
      `same-run ratio: order route ${summary.order_route_per_s}/s ÷ no-op route ${summary.noop_per_s}/s = ${summary.order_vs_noop}`,
    );
    if (faults) console.error(`faults: ${JSON.stringify(faults)}`);
    for (const f of failures) console.error(`FAIL: ${f}`);
    console.error(failures.length ? "bench:load FAILED" : "bench:load OK: everything reconciles");
    if (args.json) console.log(JSON.stringify(summary));
    return failures.length ? 1 : 0;
  } finally {
    await stack.stop();
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`bench:load: ${(err as Error).stack ?? err}`);
}
process.exit(code);
