/**
 * Market-data fan-out benchmark, end to end on this machine, beside a plain-socket anchor.
 *
 *   npm run bench:feed -- [--runtime miniflare|miniflare-entry|wrangler-dev]
 *                         [--subscribers 1000] [--seconds 10] [--rate 20]
 *                         [--single-seconds 3] [--batch-seconds 5] [--load-seconds 5]
 *                         [--cpu-profile FILE] [--storage ram|disk] [--short] [--json] [--check]
 *
 * Runs the Worker and its Durable Objects in workerd on loopback with fresh state
 * (`--runtime`, see bench/runtime.ts; default `miniflare`), waits for /v1/health, then:
 *  1. book throughput without subscribers: single commands per request, then batches of
 *     100, through `POST /v1/admin/books/BTC-USD/commands` (`batch_cmds_per_s`);
 *  2. one subscriber (`?subscribe=level2:BTC-USD,trades:BTC-USD`) while single crossing
 *     pairs arrive one at a time: commit → receipt (`single_subscriber_p50_ms`);
 *  3. opens --subscribers WebSockets and paces --rate trades per second for --seconds, in
 *     three windows: latency from each message's `time` (the book's commit) to its
 *     receipt; after each window the anchor's (6), so drift hits both alike;
 *  4. batches of 100 at full speed with everyone subscribed: messages delivered per
 *     second, and the book's throughput under fan-out;
 *  5. waits until every subscriber reached the same last seq on both streams, and checks
 *     every subscriber saw contiguous sequences;
 *  6. the anchor (anchor.ts): a plain `ws` server in its own process broadcasting the
 *     frames our subscribers received (one as template, time stamped at send) to as many
 *     clients at the same rate for as long, in turns with ours: `anchor_p50_ms`,
 *     `anchor_p99_ms`, and `p99_ratio` = our p99 ÷ the anchor's.
 * With --cpu-profile, the first paced window is profiled (workerd's inspector, Miniflare only): the
 * `.cpuprofile` goes to FILE and CPU µs per trade by component to stderr.
 * `--json` prints one JSON object as the last stdout line; `--check` (or BENCH_CHECK=1)
 * exits 1 when a target is missed. Progress goes to stderr. Everything it started is
 * stopped on exit, error or signal.
 */
import { parseArgs } from "node:util";
import { type BookCommandsResult, Http } from "../../test/client/index.ts";
import { cpuNs, workerdPids } from "../profile/process-cpu.ts";
import { formatReport } from "../profile/report.ts";
import { bundleMap, profiled } from "../profile/run.ts";
import { CLIENT_HEADERS, freePort, parseRuntime, parseStorage, sleep, startServer, stopServer } from "../runtime.ts";
import { fmtInt, fmtNum, percentile } from "../stats.ts";
import { startAnchor } from "./anchor.ts";
import { anchorTemplate, openSubscribers, Sink, type Subscriber, settle } from "./subscribers.ts";

const { values: args } = parseArgs({
  options: {
    subscribers: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    rate: { type: "string", default: "20" },
    "single-seconds": { type: "string", default: "3" },
    "batch-seconds": { type: "string", default: "5" },
    "load-seconds": { type: "string", default: "5" },
    "max-minutes": { type: "string", default: "6" },
    runtime: { type: "string", default: "miniflare" },
    storage: { type: "string", default: "ram" },
    "cpu-profile": { type: "string" },
    short: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
    check: { type: "boolean", default: process.env.BENCH_CHECK === "1" },
  },
});
// --short (CI's regression check): half the subscribers, shorter phases.
if (args.short) {
  Object.assign(args, {
    subscribers: "500",
    seconds: "5",
    "single-seconds": "2",
    "batch-seconds": "3",
    "load-seconds": "3",
  });
}
const num = (name: keyof typeof args): number => {
  const x = Number(args[name]);
  if (!Number.isFinite(x) || x <= 0) throw new Error(`--${name} must be a positive number, got ${args[name]}`);
  return x;
};
const SUBSCRIBERS = num("subscribers");
const RUNTIME = parseRuntime(args.runtime);
/** Targets of issue #15 (DESIGN.md "Performance anchors"). */
const TARGETS = { p99_ratio: 2, batch_cmds_per_s: 20_000, single_subscriber_p50_ms: 5 };
const SYMBOL = "BTC-USD";
const TOKEN = "dev-operator-token";
const log = (msg: string) => process.stderr.write(`[bench:feed] ${msg}\n`);

// ── driving the book ─────────────────────────────────────────────────────

let orderNo = 0;

/** `n` limit orders at one price, sides alternating, so every other one trades. */
function orders(n: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const k = ++orderNo;
    const side = k % 2 === 1 ? "sell" : "buy";
    const account = side === "sell" ? "maker" : "taker";
    out.push({ type: "place", order_id: `o${k}`, account, side, order_type: "limit", price: "100.00", size: "0.01" });
  }
  return out;
}

async function send(http: Http, commands: unknown[]): Promise<void> {
  // Only the outcome: the event lists would make the reply ~60 kB per batch of 100.
  const a = await http.call<BookCommandsResult>("POST", `/v1/admin/books/${SYMBOL}/commands`, {
    commands,
    reply: "summary",
  });
  if (!a.ok) throw new Error(`commands refused: ${a.status} ${a.text}`);
  const bad = a.body.results.find((r) => !r.ok);
  if (bad) throw new Error(`a command failed: ${JSON.stringify(bad)}`);
}

/** Sends `size` commands per request from `lanes` concurrent senders for `seconds`; commands/s. */
async function throughput(http: Http, size: number, lanes: number, seconds: number): Promise<number> {
  let done = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (performance.now() < end) {
        await send(http, orders(size));
        done += size;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

/** Paces `rate` crossing pairs per second for `seconds` (never more than 8 requests behind). */
async function paced(http: Http, rate: number, seconds: number): Promise<number> {
  const start = performance.now();
  const end = start + seconds * 1000;
  const inflight = new Set<Promise<void>>();
  let trades = 0;
  for (let next = start; next < end; next += 1000 / rate) {
    await sleep(Math.max(0, next - performance.now()));
    if (inflight.size >= 8) await Promise.race(inflight);
    const p: Promise<void> = send(http, orders(2)).finally(() => inflight.delete(p));
    inflight.add(p);
    trades++;
  }
  await Promise.all(inflight);
  return trades;
}

const sorted = (xs: number[]) => Float64Array.from(xs).sort();

// ── main ─────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const budget = setTimeout(() => {
    log(`took longer than --max-minutes ${args["max-minutes"]}: giving up`);
    stopServer();
    process.exit(2);
  }, num("max-minutes") * 60_000);
  budget.unref();

  log(`starting ${RUNTIME} …`);
  const profileFile = args["cpu-profile"];
  const inspectorPort = profileFile === undefined ? undefined : await freePort();
  const server = await startServer({
    runtime: RUNTIME,
    storage: parseStorage(args.storage),
    verbose: args.verbose,
    label: "bench-feed",
    inspectorPort,
  });
  const { base } = server;
  log(`up at ${base}`);
  const listed = await new Http({ base }).call("GET", "/v1/instruments");
  if (!listed.ok) throw new Error(`GET /v1/instruments: ${listed.status}`);
  const operator = new Http({ base, headers: { ...CLIENT_HEADERS, authorization: `Bearer ${TOKEN}` } });
  const feedUrl = `${base.replace("http", "ws")}/v1/ws?subscribe=level2:${SYMBOL},trades:${SYMBOL}`;

  log("warming up the book …");
  await throughput(operator, 100, 2, 1);
  log(`single commands for ${args["single-seconds"]} s …`);
  const single = await throughput(operator, 1, 8, num("single-seconds"));
  log(`batches of 100 for ${args["batch-seconds"]} s …`);
  const batch = await throughput(operator, 100, 4, num("batch-seconds"));

  log("one subscriber, one trade at a time …");
  const alone = new Sink();
  const [one] = await openSubscribers(feedUrl, 1, alone);
  alone.recording = true;
  for (let i = 0; i < Math.max(20, num("single-seconds") * 10); i++) {
    await send(operator, orders(2));
    await sleep(100);
  }
  alone.recording = false;
  void one?.close();
  const singleP50 = percentile(sorted(alone.latencies), 50);

  log(`opening ${SUBSCRIBERS} subscribers …`);
  const sink = new Sink();
  const t0 = performance.now();
  const subs = await openSubscribers(feedUrl, SUBSCRIBERS, sink);
  log(`all subscribed in ${fmtNum((performance.now() - t0) / 1000, 1)} s`);

  const rate = num("rate");
  const seconds = num("seconds");
  // Our feed and the anchor in turns, three windows each, so the machine's drift hits both alike.
  const window = seconds / 3;
  log(`paced trades: ${rate}/s, three windows of ${fmtNum(window, 1)} s, each followed by the anchor's …`);
  let trades = 0;
  let pacedDelivered = 0;
  let pacedSeconds = 0;
  // CPU per frame on each side: workerd's process (every thread) and the anchor's.
  const workerd = workerdPids();
  let oursCpuNs = 0;
  let anchorCpuNs = 0;
  const ours = async (first: boolean) => {
    sink.recording = true;
    const from = sink.delivered;
    const start = performance.now();
    const cpu0 = cpuNs(workerd);
    if (first && profileFile !== undefined && inspectorPort !== undefined) {
      const { result, report } = await profiled(
        server,
        inspectorPort,
        bundleMap(server),
        async () => ({ operations: await paced(operator, rate, window) }),
        { file: profileFile, sql: false },
      );
      trades += result.operations;
      process.stderr.write(`${formatReport(report, "trade")}\n`);
    } else {
      trades += await paced(operator, rate, window);
    }
    await settle(subs, 10_000);
    sink.recording = false;
    oursCpuNs += cpuNs(workerd) - cpu0;
    pacedDelivered += sink.delivered - from;
    pacedSeconds += (performance.now() - start) / 1000;
  };
  await ours(true);
  if (!sink.sample) throw new Error("no update frame was received to model the anchor's frames on");
  const template = anchorTemplate(sink.sample);
  const anchor = await startAnchor();
  const anchorSink = new Sink();
  let anchorSubs: Subscriber[] = [];
  try {
    anchorSubs = await openSubscribers(`ws://127.0.0.1:${anchor.port}`, SUBSCRIBERS, anchorSink, true);
    const theirs = async () => {
      anchorSink.recording = true;
      const start = performance.now();
      const cpu0 = cpuNs([anchor.pid]);
      for (let next = start; next < start + window * 1000; next += 1000 / rate) {
        await sleep(Math.max(0, next - performance.now()));
        anchor.broadcast(template);
      }
      await sleep(300);
      anchorSink.recording = false;
      anchorCpuNs += cpuNs([anchor.pid]) - cpu0;
    };
    await theirs();
    for (let r = 1; r < 3; r++) {
      await ours(false);
      await theirs();
    }
  } finally {
    for (const s of anchorSubs) void s.close();
    anchor.stop();
  }
  const pacedRate = pacedDelivered / pacedSeconds;
  const latencies = sorted(sink.latencies);
  const anchorLat = sorted(anchorSink.latencies);

  log(`batches of 100 with ${SUBSCRIBERS} subscribers for ${args["load-seconds"]} s …`);
  const before = sink.delivered;
  const loadStart = performance.now();
  const loadedBatch = await throughput(operator, 100, 4, num("load-seconds"));
  const settled = await settle(subs, 60_000);
  const msgsPerS = (sink.delivered - before) / ((performance.now() - loadStart) / 1000);

  const gaps = subs.reduce((n, s) => n + s.streams.level2.gaps + s.streams.trades.gaps, 0);
  const resyncs = subs.reduce((n, s) => n + s.resyncs, 0);
  const closedEarly = subs.filter((s) => s.errors.length > 0);
  const closeReasons = new Map<string, number>();
  for (const s of closedEarly) for (const e of s.errors) closeReasons.set(e, (closeReasons.get(e) ?? 0) + 1);
  for (const s of subs) void s.close();
  stopServer();

  const p99 = percentile(latencies, 99);
  const anchorP99 = percentile(anchorLat, 99);
  const result = {
    runtime: RUNTIME,
    subscribers: SUBSCRIBERS,
    p50_ms: percentile(latencies, 50),
    p99_ms: p99,
    anchor_p50_ms: percentile(anchorLat, 50),
    anchor_p99_ms: anchorP99,
    // Each side's p99 is at least 1 ms (clocks tick in ms), so the ratio stays finite.
    p99_ratio: Math.round((Math.max(1, p99) / Math.max(1, anchorP99)) * 100) / 100,
    single_subscriber_p50_ms: singleP50,
    cpu_us_per_frame: Math.round((oursCpuNs / 1000 / Math.max(1, sink.frames)) * 10) / 10,
    anchor_cpu_us_per_frame: Math.round((anchorCpuNs / 1000 / Math.max(1, anchorSink.frames)) * 10) / 10,
    batch_cmds_per_s: Math.round(batch),
    single_cmds_per_s: Math.round(single),
    max_ms: latencies[latencies.length - 1] ?? Number.NaN,
    msgs_per_s: Math.round(msgsPerS),
    loaded_batch_cmds_per_s: Math.round(loadedBatch),
  };
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`feed fan-out, ${SUBSCRIBERS} subscribers of level2+trades ${SYMBOL} (${RUNTIME}, loopback)`);
  out(
    `  latency commit→receipt  p50 ${fmtNum(result.p50_ms, 1)} ms  p99 ${fmtNum(p99, 1)} ms  max ${fmtNum(result.max_ms, 1)} ms  (${fmtInt(latencies.length)} deliveries; ${fmtNum(trades / seconds, 1)} trades/s, ${fmtInt(pacedRate)} msgs/s)`,
  );
  out(
    `  plain ws anchor         p50 ${fmtNum(result.anchor_p50_ms, 1)} ms  p99 ${fmtNum(anchorP99, 1)} ms  (${fmtInt(anchorLat.length)} deliveries)  → p99 ratio ${fmtNum(result.p99_ratio, 2)}`,
  );
  out(
    `  CPU per frame sent      ours ${fmtNum(result.cpu_us_per_frame, 1)} µs (workerd, everything a trade costs, per subscriber frame), the anchor's ${fmtNum(result.anchor_cpu_us_per_frame, 1)} µs`,
  );
  out(`  one subscriber          p50 ${fmtNum(singleP50, 1)} ms commit→receipt, one trade at a time`);
  out(
    `  delivered under load    ${fmtInt(result.msgs_per_s)} msgs/s  (book at ${fmtInt(loadedBatch)} cmds/s in batches of 100 meanwhile)`,
  );
  out(
    `  book, no subscribers    one command per request ${fmtInt(result.single_cmds_per_s)} cmds/s  batches of 100 ${fmtInt(result.batch_cmds_per_s)} cmds/s`,
  );
  out(
    `  sequences               ${gaps === 0 ? "gap-free" : `${gaps} GAPS`} on every subscriber; ${resyncs} resyncs; ${settled ? "all at the same last seq" : "NOT all caught up"}; ${closedEarly.length} closed early${closeReasons.size > 0 ? ` (${[...closeReasons].map(([r, n]) => `${n}× ${r}`).join(", ")})` : ""}`,
  );
  const failures: string[] = [];
  if (gaps > 0 || !settled || closedEarly.length > 0) failures.push("delivery was not gap-free and complete");
  if (!(result.p99_ratio <= TARGETS.p99_ratio)) failures.push(`p99 ratio ${result.p99_ratio} > ${TARGETS.p99_ratio}`);
  if (result.batch_cmds_per_s < TARGETS.batch_cmds_per_s)
    failures.push(`batches ${fmtInt(result.batch_cmds_per_s)} cmds/s < ${fmtInt(TARGETS.batch_cmds_per_s)}`);
  if (!(singleP50 <= TARGETS.single_subscriber_p50_ms))
    failures.push(`one subscriber p50 ${fmtNum(singleP50, 1)} ms > ${TARGETS.single_subscriber_p50_ms} ms`);
  out(failures.length === 0 ? "  targets: met" : `  targets missed: ${failures.join("; ")}`);
  if (args.json) out(JSON.stringify(result));
  if (args.check && failures.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  stopServer();
  process.exit(1);
});
