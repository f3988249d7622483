/**
 * Order entry benchmark, end to end on this machine.
 *
 *   npm run bench:orders -- [--runtime miniflare|miniflare-entry] [--accounts 50]
 *                           [--concurrency 48] [--seconds 5] [--rounds 3]
 *                           [--phases noop,orders,graphql,connect,batch,balances,book,health]
 *                           [--ws-sockets 16] [--ws-window 64] [--ws-rate auto] [--ws-seconds 5]
 *                           [--states 10,1000,10000] [--state-orders 1000] [--backlog 100000]
 *                           [--storage ram|disk] [--short] [--json] [--check] [--verbose]
 *
 * Runs the Worker in workerd with fresh state (bench/runtime.ts) and
 * `BENCH_ROUTES="true"` (the no-op route, the backlog route), a high `MAX_OPEN_ORDERS`
 * and budgets that give every trader (its own key and client IP) room for about 500
 * orders/s; the rate limiter runs as in production. Then:
 *  1. lists `BENCH-USD`, `BENCHB-USD` and `BENCHS-USD` (open, 24x7, fees 10/20 bps),
 *     creates --accounts traders with a read+trade key each, funds them, gets tokens;
 *  2. over HTTP, --concurrency requests in flight on keep-alive connections, each from
 *     the next trader, --rounds rounds of --seconds per phase, phases rotating:
 *       - `noop`: `POST /v1/bench/noop`, the same auth and rate limits as order entry
 *         and one no-op Durable Object RPC (the baseline);
 *       - `orders`: `POST /v1/orders`, limit orders of 1 lot alternating buy and sell at
 *         99.99 / 100.00 / 100.01, so about half cross and settle;
 *       - `graphql`, `connect`: the same orders through `POST /v1/graphql` (placeOrder) and
 *         `POST /platform3.v1.TradingService/PlaceOrder` (Connect JSON): the same operation;
 *       - `batch`: the same orders, 20 per `POST /v1/orders/batch`, one side per batch;
 *       - `balances`: `GET /v1/accounts/me/balances` (one Account object read);
 *       - `book`: one place command straight on a book through the operator route;
 *       - `health`: `GET /v1/health` (public);
 *     throughput is the median of the rounds, and `http_ratio` the median of each
 *     round's orders / noop; `graphql_ratio` and `connect_ratio` of each round's
 *     graphql / orders and connect / orders (target ≥ 0.8 each);
 *  3. one request in flight: `POST /v1/orders` against `GET /v1/time` (unloaded p50);
 *  4. CPU per order as the venue fills up (states.ts): workerd's CPU time (every thread;
 *     the edge and every object share the process) while --state-orders orders cross on
 *     `BENCHS-USD` between 4 accounts holding 0, then each of --states, open orders, and
 *     then with --backlog rows in the book's log and outbox: `cpu_us_per_order` (empty
 *     venue) and `cost_growth` (the worst state over the empty one). Where the CPU goes:
 *     `npm run profile:orders`;
 *  5. over WebSocket (`GET /v1/ws`, `auth` then `order.place`), --ws-sockets sockets
 *     with --ws-window requests outstanding each, paced to --ws-rate requests/s
 *     ("auto": 90 % of the per-connection limit `welcome` advertises; 0: unpaced).
 * Only Miniflare runtimes (the CPU is read off Miniflare's workerd process). The objects'
 * SQLite files are in RAM (--storage disk: on the VM's disk, where every commit's fsync
 * on the request thread is measured too; Cloudflare's storage has no such fsync). `--json` prints
 * one JSON object as the last stdout line; `--check` (or BENCH_CHECK=1) exits 1 when a
 * target of issue #15 is missed. Progress goes to stderr.
 */
import { parseArgs } from "node:util";
import { Http } from "../../test/client/index.ts";
import { parseRuntime, parseStorage, startServer, stopServer } from "../runtime.ts";
import { fmtInt, fmtNum, median, percentile, table } from "../stats.ts";
import { DESCRIBE, errorKinds, load, outcomes, PHASES, type Phase, type PhaseResult } from "./http-load.ts";
import { BENCH_RATE_LIMITS, BOOK_SYMBOL, createTraders, listInstrument, SYMBOL } from "./setup.ts";
import { measureStates, type StateFigure } from "./states.ts";
import { wsLoad } from "./ws-load.ts";

const { values: args } = parseArgs({
  options: {
    accounts: { type: "string", default: "50" },
    concurrency: { type: "string", default: "48" },
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    "warmup-seconds": { type: "string", default: "2" },
    phases: { type: "string", default: PHASES.join(",") },
    "ws-sockets": { type: "string", default: "16" },
    "ws-window": { type: "string", default: "64" },
    "ws-rate": { type: "string", default: "auto" },
    "ws-seconds": { type: "string", default: "5" },
    states: { type: "string", default: "10,1000,10000" },
    "state-orders": { type: "string", default: "1000" },
    backlog: { type: "string", default: "100000" },
    "max-minutes": { type: "string", default: "12" },
    runtime: { type: "string", default: "miniflare" },
    storage: { type: "string", default: "ram" },
    short: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
    check: { type: "boolean", default: process.env.BENCH_CHECK === "1" },
  },
});
// --short (CI's regression check): fewer and shorter rounds, one open-order state and a smaller backlog.
if (args.short) {
  Object.assign(args, {
    rounds: "2",
    seconds: "3",
    phases: "noop,orders",
    states: "1000",
    "state-orders": "600",
    backlog: "20000",
    "ws-seconds": "2",
  });
}
const num = (name: keyof typeof args, min = 1): number => {
  const x = Number(args[name]);
  if (!Number.isFinite(x) || x < min) throw new Error(`--${name} must be a number ≥ ${min}, got ${args[name]}`);
  return x;
};
const RUNTIME = parseRuntime(args.runtime);
if (RUNTIME === "wrangler-dev")
  throw new Error("bench:orders profiles the isolate: use --runtime miniflare or miniflare-entry");
const WS_RATE = args["ws-rate"] === "auto" ? "auto" : Number(args["ws-rate"]);
if (WS_RATE !== "auto" && !(Number.isFinite(WS_RATE) && WS_RATE >= 0)) {
  throw new Error(`--ws-rate is "auto", 0 (unpaced) or requests per second per socket; got ${args["ws-rate"]}`);
}
const LEVELS = (args.states ?? "")
  .split(",")
  .filter(Boolean)
  .map((s) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--states takes open-order counts, got ${s}`);
    return n;
  });
/** The targets of issue #15 (DESIGN.md "Performance anchors"), checked with --check. */
const TARGETS = {
  http_ratio: 0.35,
  protocol_ratio: 0.8,
  ws_orders_per_s: 3_000,
  cpu_us_per_order: 1_500,
  cost_growth: 1.3,
  unloaded_over_time_ms: 3,
};
const STATE_SYMBOL = "BENCHS-USD";
const log = (msg: string) => process.stderr.write(`[bench:orders] ${msg}\n`);
let finished = false;

const phases = (args.phases ?? "").split(",").map((p) => p.trim()) as Phase[];
for (const p of phases) if (!PHASES.includes(p)) throw new Error(`--phases takes ${PHASES.join(", ")}; got ${p}`);
for (const p of ["noop", "orders"] as const) {
  if (!phases.includes(p)) throw new Error(`--phases must include ${p} (the ratio compares them)`);
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

function pooled(results: PhaseResult[]): Float64Array {
  const all = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0));
  let at = 0;
  for (const r of results) {
    all.set(r.latencies, at);
    at += r.latencies.length;
  }
  return all.sort();
}

/** p50 of `GET /v1/time` with one request in flight: the floor of a round trip through this runtime. */
async function timeP50(base: string, seconds: number): Promise<number> {
  const http = new Http({ base, headers: { "cf-connecting-ip": "10.99.0.1" } });
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    await (await http.send("GET", "/v1/time")).text();
    latencies.push(performance.now() - t0);
  }
  return percentile(Float64Array.from(latencies).sort(), 50);
}

async function main(): Promise<void> {
  const budget = setTimeout(() => {
    log(`took longer than --max-minutes ${args["max-minutes"]}: giving up`);
    stopServer();
    process.exit(2);
  }, num("max-minutes") * 60_000);
  budget.unref();

  log(`starting ${RUNTIME} …`);
  const server = await startServer({
    runtime: RUNTIME,
    storage: parseStorage(args.storage),
    verbose: args.verbose,
    label: "bench-orders",
    vars: { BENCH_ROUTES: "true", MAX_OPEN_ORDERS: "1000000", RATE_LIMITS: BENCH_RATE_LIMITS },
  });
  const { base } = server;
  log(`up at ${base}`);
  for (const symbol of [SYMBOL, BOOK_SYMBOL, STATE_SYMBOL]) await listInstrument(base, symbol);
  log(`creating and funding ${args.accounts} accounts …`);
  const traders = await createTraders(base, num("accounts"));
  const stateTraders = await createTraders(base, 4, "state");
  const http = { seconds: num("seconds"), concurrency: num("concurrency"), symbol: SYMBOL };

  log(`warming up (${phases.join(", ")}) …`);
  for (const p of phases) await load(base, p, traders, { ...http, seconds: num("warmup-seconds") / phases.length });
  errorKinds.clear();
  outcomes.clear();

  const byPhase = new Map<Phase, PhaseResult[]>(phases.map((p) => [p, []]));
  const ratios: number[] = [];
  // GraphQL and Connect placements over REST's in the same round (issue 19: ≥ 0.8 each).
  const protocolRatios = { graphql: [] as number[], connect: [] as number[] };
  const rounds = num("rounds");
  for (let r = 0; r < rounds; r++) {
    // Rotate the order each round, so drift (heating, compaction, other load) hits every phase alike.
    const order = phases.map((_, i) => phases[(i + r) % phases.length] as Phase);
    const line: string[] = [];
    const thisRound = new Map<Phase, PhaseResult>();
    for (const p of order) {
      const result = await load(base, p, traders, http);
      byPhase.get(p)?.push(result);
      thisRound.set(p, result);
      line.push(`${p} ${fmtInt(result.perSecond)}/s`);
    }
    const o = thisRound.get("orders");
    const n = thisRound.get("noop");
    if (o && n) ratios.push(o.perSecond / n.perSecond);
    for (const p of ["graphql", "connect"] as const) {
      const x = thisRound.get(p);
      if (o && x) protocolRatios[p].push(x.perSecond / o.perSecond);
    }
    log(`round ${r + 1}/${rounds}: ${line.join(", ")}`);
  }

  // Latency without queueing: one request at a time, an order against GET /v1/time.
  const unloadedOrders = await load(base, "orders", traders, { ...http, seconds: 2, concurrency: 1 });
  const unloadedNoop = await load(base, "noop", traders, { ...http, seconds: 2, concurrency: 1 });
  const timeMs = await timeP50(base, 2);
  const unloadedMs = percentile(unloadedOrders.latencies, 50);
  log(
    `one in flight: POST /v1/orders p50 ${fmtNum(unloadedMs, 2)} ms, no-op p50 ${fmtNum(percentile(unloadedNoop.latencies, 50), 2)} ms, GET /v1/time p50 ${fmtNum(timeMs, 2)} ms`,
  );

  log(`CPU per order as the venue fills up (${STATE_SYMBOL}) …`);
  const states: StateFigure[] = await measureStates(server, stateTraders, {
    symbol: STATE_SYMBOL,
    orders: num("state-orders"),
    concurrency: 8,
    levels: LEVELS,
    backlog: num("backlog", 0),
    log,
  });
  const empty = states[0] as StateFigure;
  const worst = states.reduce((w, s) => (s.cpu_us_per_order > w.cpu_us_per_order ? s : w), empty);
  const costGrowth = worst.cpu_us_per_order / empty.cpu_us_per_order;

  log(
    `WebSocket order entry: ${args["ws-sockets"]} sockets × ${args["ws-window"]} outstanding for ${args["ws-seconds"]} s …`,
  );
  const ws = await wsLoad(base, traders, {
    sockets: num("ws-sockets"),
    window: num("ws-window"),
    rate: WS_RATE,
    seconds: num("ws-seconds"),
    symbol: SYMBOL,
  });
  if ("unavailable" in ws) log(`WebSocket order entry unavailable: ${ws.unavailable}`);

  const stat = (p: Phase) => {
    const results = byPhase.get(p) ?? [];
    if (results.length === 0) return undefined;
    const lat = pooled(results);
    return {
      perSecond: median(results.map((x) => x.perSecond)),
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      errors: results.reduce((s, x) => s + x.errors, 0),
    };
  };
  const stats = Object.fromEntries(phases.map((p) => [p, stat(p)])) as Partial<Record<Phase, ReturnType<typeof stat>>>;
  const noop = stats.noop;
  const orders = stats.orders;
  const wsOk = "unavailable" in ws ? undefined : ws;
  const result = {
    http_orders_per_s: orders ? Math.round(orders.perSecond) : null,
    noop_req_per_s: noop ? Math.round(noop.perSecond) : null,
    http_ratio: ratios.length > 0 ? round3(median(ratios)) : null,
    graphql_orders_per_s: stats.graphql ? Math.round(stats.graphql.perSecond) : null,
    graphql_ratio: protocolRatios.graphql.length > 0 ? round3(median(protocolRatios.graphql)) : null,
    connect_orders_per_s: stats.connect ? Math.round(stats.connect.perSecond) : null,
    connect_ratio: protocolRatios.connect.length > 0 ? round3(median(protocolRatios.connect)) : null,
    ws_orders_per_s: wsOk ? Math.round(wsOk.perSecond) : null,
    cpu_us_per_order: empty.cpu_us_per_order,
    cost_growth: round3(costGrowth),
    unloaded_p50_ms: round2(unloadedMs),
    time_p50_ms: round2(timeMs),
    noop_unloaded_p50_ms: round2(percentile(unloadedNoop.latencies, 50)),
    http_p50_ms: orders ? round1(orders.p50) : null,
    http_p99_ms: orders ? round1(orders.p99) : null,
    ws_p50_ms: wsOk ? round1(percentile(wsOk.latencies, 50)) : null,
    ws_p99_ms: wsOk ? round1(percentile(wsOk.latencies, 99)) : null,
    batch_orders_per_s: stats.batch ? Math.round(stats.batch.perSecond) : null,
    balances_req_per_s: stats.balances ? Math.round(stats.balances.perSecond) : null,
    book_cmds_per_s: stats.book ? Math.round(stats.book.perSecond) : null,
    health_req_per_s: stats.health ? Math.round(stats.health.perSecond) : null,
    states,
    errors: { ...Object.fromEntries(phases.map((p) => [p, stats[p]?.errors ?? 0])), ws: wsOk?.errors ?? 0 },
    runs: Array.from({ length: rounds }, (_, r) => ({
      ...Object.fromEntries(phases.map((p) => [p, Math.round(byPhase.get(p)?.[r]?.perSecond ?? 0)])),
      ...(ratios[r] === undefined ? {} : { ratio: round3(ratios[r] as number) }),
    })),
    order_outcomes: Object.fromEntries(outcomes),
    runtime: RUNTIME,
    accounts: num("accounts"),
    concurrency: num("concurrency"),
    ws_rate_per_socket: wsOk ? wsOk.rate || null : null,
  };

  const out = (s: string) => process.stdout.write(`${s}\n`);
  const ms = (x: number | undefined) => (x === undefined ? "-" : fmtNum(x, 1));
  out(
    `order entry, ${args.accounts} accounts, one instrument (${SYMBOL}); ${RUNTIME}, loopback, ${args.concurrency} in flight; median of ${rounds} rounds of ${args.seconds} s`,
  );
  const rows: string[][] = [["route", "req/s", "p50 ms", "p99 ms", "errors", "vs noop"]];
  for (const p of phases) {
    const s = stats[p];
    if (!s) continue;
    const vs = noop ? `${fmtNum((100 * s.perSecond) / noop.perSecond, 0)} %` : "-";
    rows.push([DESCRIBE[p], fmtInt(s.perSecond), ms(s.p50), ms(s.p99), fmtInt(s.errors), vs]);
  }
  if (wsOk) {
    rows.push([
      `WebSocket order.place (${args["ws-sockets"]}×${args["ws-window"]}${wsOk.rate > 0 ? `, ≤ ${wsOk.rate}/s each` : ""})`,
      fmtInt(wsOk.perSecond),
      ms(percentile(wsOk.latencies, 50)),
      ms(percentile(wsOk.latencies, 99)),
      fmtInt(wsOk.errors),
      "-",
    ]);
  }
  const indent = (t: string) =>
    t
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n");
  out(indent(table(rows)));
  out(
    `  one request in flight: POST /v1/orders p50 ${fmtNum(unloadedMs, 2)} ms; GET /v1/time p50 ${fmtNum(timeMs, 2)} ms; no-op p50 ${fmtNum(result.noop_unloaded_p50_ms, 2)} ms`,
  );
  const stateRows: string[][] = [["state (4 accounts, 8 in flight)", "CPU µs/order", "orders/s", "vs empty"]];
  for (const s of states) {
    stateRows.push([
      `${fmtInt(s.open_orders)} open orders/account${s.backlog_rows ? ` + ${fmtInt(s.backlog_rows)} backlog rows` : ""}`,
      fmtInt(s.cpu_us_per_order),
      fmtInt(s.orders_per_s),
      `${fmtNum(s.cpu_us_per_order / empty.cpu_us_per_order, 2)}×`,
    ]);
  }
  out(indent(table(stateRows)));
  out(
    `  ratio orders/noop per round: ${ratios.map((x) => `${fmtNum(100 * x, 0)} %`).join(", ") || "-"}; order outcomes: ${
      [...outcomes].map(([k, v]) => `${k} ${fmtInt(v)}`).join(", ") || "-"
    }`,
  );
  for (const [kind, { count, sample }] of errorKinds) out(`  errors ${kind}: ${fmtInt(count)}× e.g. ${sample}`);

  const failures: string[] = [];
  if (result.http_ratio === null || result.http_ratio < TARGETS.http_ratio)
    failures.push(`http_ratio ${result.http_ratio} < ${TARGETS.http_ratio}`);
  for (const name of ["graphql_ratio", "connect_ratio"] as const) {
    const ratio = result[name];
    if (ratio !== null && ratio < TARGETS.protocol_ratio) failures.push(`${name} ${ratio} < ${TARGETS.protocol_ratio}`);
  }
  if (result.ws_orders_per_s === null || result.ws_orders_per_s < TARGETS.ws_orders_per_s)
    failures.push(`ws_orders_per_s ${result.ws_orders_per_s} < ${TARGETS.ws_orders_per_s}`);
  if (result.cpu_us_per_order > TARGETS.cpu_us_per_order)
    failures.push(`cpu_us_per_order ${result.cpu_us_per_order} > ${TARGETS.cpu_us_per_order}`);
  if (result.cost_growth > TARGETS.cost_growth)
    failures.push(`cost_growth ${result.cost_growth} > ${TARGETS.cost_growth}`);
  if (result.unloaded_p50_ms > result.time_p50_ms + TARGETS.unloaded_over_time_ms)
    failures.push(
      `unloaded_p50_ms ${result.unloaded_p50_ms} > time_p50_ms ${result.time_p50_ms} + ${TARGETS.unloaded_over_time_ms}`,
    );
  const erred = Object.values(result.errors as Record<string, number>).reduce((a, b) => a + b, 0);
  if (erred > 0) failures.push(`${fmtInt(erred)} requests failed`);
  out(failures.length === 0 ? "  targets: met" : `  targets missed: ${failures.join("; ")}`);
  if (args.json) out(JSON.stringify(result));
  stopServer();
  if (args.check && failures.length > 0) process.exitCode = 1;
}

// Every wait above is on a socket or a timer; should the loop still run dry, say so rather than exit quietly.
process.on("beforeExit", () => {
  if (process.exitCode === undefined && !finished) {
    log("stopped with work pending (a reply that never came?)");
    process.exitCode = 1;
  }
});
main().then(
  () => {
    finished = true;
  },
  (err: unknown) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    stopServer();
    process.exit(1);
  },
);
