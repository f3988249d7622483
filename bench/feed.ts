/**
 * Market-data fan-out benchmark, end to end on this machine.
 *
 *   npm run bench:feed -- [--runtime miniflare|miniflare-entry|wrangler-dev]
 *                         [--subscribers 1000] [--seconds 10] [--rate 20]
 *                         [--single-seconds 3] [--batch-seconds 5] [--load-seconds 5]
 *                         [--json] [--check]
 *
 * Runs the Worker and its Durable Objects in workerd on loopback with fresh
 * state (`--runtime`, see bench/runtime.ts; default `miniflare`), waits for
 * /v1/health, then:
 *  1. book throughput without subscribers: single commands per request, then
 *     batches of 100, through `POST /v1/admin/books/BTC-USD/commands`;
 *  2. opens --subscribers WebSockets (`?subscribe=level2:BTC-USD,trades:BTC-USD`);
 *  3. paced trades (--rate per second for --seconds): latency from each
 *     message's `time` (the book's commit) to its receipt, per subscriber;
 *  4. batches of 100 at full speed with everyone subscribed: messages
 *     delivered per second, and the book's throughput under fan-out;
 *  5. waits until every subscriber reached the same last seq on both streams,
 *     and checks every subscriber saw contiguous sequences.
 * `--json` prints one JSON object as the last stdout line; `--check` (or
 * BENCH_CHECK=1) exits 1 when a target is missed. Progress goes to stderr.
 * Everything it started is killed (process group) on exit, error or signal.
 */
import { parseArgs } from "node:util";
import { CLIENT_HEADERS, parseRuntime, sleep, startServer, stopServer } from "./runtime.ts";
import { fmtInt, fmtNum, percentile } from "./stats.ts";

const { values: args } = parseArgs({
  options: {
    subscribers: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    rate: { type: "string", default: "20" },
    "single-seconds": { type: "string", default: "3" },
    "batch-seconds": { type: "string", default: "5" },
    "load-seconds": { type: "string", default: "5" },
    "max-minutes": { type: "string", default: "5" },
    runtime: { type: "string", default: "miniflare" },
    json: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
    check: { type: "boolean", default: process.env.BENCH_CHECK === "1" },
  },
});
const num = (name: keyof typeof args): number => {
  const x = Number(args[name]);
  if (!Number.isFinite(x) || x <= 0) throw new Error(`--${name} must be a positive number, got ${args[name]}`);
  return x;
};
const SUBSCRIBERS = num("subscribers");
const RUNTIME = parseRuntime(args.runtime);
const TARGET_P99_MS = 50;
const TARGET_BATCH_CMDS = 20_000;
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

async function send(base: string, commands: unknown[]): Promise<void> {
  const res = await fetch(`${base}/v1/admin/books/${SYMBOL}/commands`, {
    method: "POST",
    headers: { ...CLIENT_HEADERS, authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    // Only the outcome: the event lists would make the reply ~60 kB per batch of 100.
    body: JSON.stringify({ commands, reply: "summary" }),
  });
  if (!res.ok) throw new Error(`commands refused: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { results: Array<{ ok: boolean; error?: unknown }> };
  const bad = body.results.find((r) => !r.ok);
  if (bad) throw new Error(`a command failed: ${JSON.stringify(bad)}`);
}

/** Sends `size` commands per request from `lanes` concurrent senders for `seconds`; commands/s. */
async function throughput(base: string, size: number, lanes: number, seconds: number): Promise<number> {
  let done = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (performance.now() < end) {
        await send(base, orders(size));
        done += size;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

// ── subscribers ──────────────────────────────────────────────────────────

// biome-ignore lint/suspicious/noExplicitAny: feed messages are inspected loosely.
type Msg = any;

interface StreamState {
  last: number | undefined;
  gaps: number;
}

class Subscriber {
  readonly ws: WebSocket;
  readonly streams: Record<"level2" | "trades", StreamState> = {
    level2: { last: undefined, gaps: 0 },
    trades: { last: undefined, gaps: 0 },
  };
  resyncs = 0;
  errors: string[] = [];
  sinceAck = 0;
  readonly ready: Promise<void>;

  constructor(base: string, sink: Sink) {
    const url = `${base.replace("http", "ws")}/v1/ws?subscribe=level2:${SYMBOL},trades:${SYMBOL}`;
    // Node's WebSocket (undici) takes headers as an extension of the standard constructor.
    this.ws = new WebSocket(url, { headers: CLIENT_HEADERS } as unknown as string[]);
    let readyResolve: () => void = () => {};
    let readyReject: (e: Error) => void = () => {};
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    this.ws.addEventListener("error", () => readyReject(new Error("socket error")));
    this.ws.addEventListener("close", (e) => {
      if (e.code !== 1000) this.errors.push(`closed ${e.code} ${e.reason}`);
      readyReject(new Error(`closed ${e.code} ${e.reason}`));
    });
    this.ws.addEventListener("message", (e) => {
      const at = Date.now();
      if (typeof e.data !== "string" || e.data === "pong") return;
      const frame = JSON.parse(e.data);
      // Several messages of one commit come in one `batch` frame.
      if (frame.type === "batch") for (const m of frame.messages) this.receive(m, at, sink, readyResolve);
      else this.receive(frame, at, sink, readyResolve);
    });
  }

  private receive(m: Msg, at: number, sink: Sink, readyResolve: () => void): void {
    // Acknowledge now and then, as a client that keeps up should (the runtime answers "ping").
    if (++this.sinceAck >= 200) {
      this.sinceAck = 0;
      this.ws.send("ping");
    }
    if (m.type === "heartbeat") {
      this.ws.send("ping");
      return;
    }
    if (m.type === "resync") this.resyncs++;
    const s =
      m.channel === "level2" || m.channel === "trades" ? this.streams[m.channel as "level2" | "trades"] : undefined;
    if (!s) return;
    if (m.type === "snapshot") {
      s.last = m.seq;
      if (this.streams.level2.last !== undefined && this.streams.trades.last !== undefined) readyResolve();
      return;
    }
    if (m.type !== "update") return;
    if (s.last === undefined || m.first_seq !== s.last + 1) s.gaps++;
    s.last = m.seq;
    sink.record(at - m.time);
  }
}

class Sink {
  latencies: number[] = [];
  delivered = 0;
  recording = false;
  record(ms: number): void {
    this.delivered++;
    if (this.recording) this.latencies.push(ms);
  }
}

async function openSubscribers(base: string, sink: Sink): Promise<Subscriber[]> {
  const subs: Subscriber[] = [];
  for (let i = 0; i < SUBSCRIBERS; i += 50) {
    const wave = Array.from({ length: Math.min(50, SUBSCRIBERS - i) }, () => new Subscriber(base, sink));
    await Promise.all(wave.map((s) => s.ready));
    subs.push(...wave);
  }
  return subs;
}

/** Waits until every subscriber is at the highest seq any of them saw, on both streams. */
async function settle(subs: Subscriber[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    let done = true;
    for (const ch of ["level2", "trades"] as const) {
      const top = Math.max(...subs.map((s) => s.streams[ch].last ?? -1));
      if (subs.some((s) => s.streams[ch].last !== top)) done = false;
    }
    if (done) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

// ── main ─────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const budget = setTimeout(() => {
    log(`took longer than --max-minutes ${args["max-minutes"]}: giving up`);
    stopServer();
    process.exit(2);
  }, num("max-minutes") * 60_000);
  budget.unref();

  log(`starting ${RUNTIME} …`);
  // The server: see bench/runtime.ts (`--runtime`).
  const { base } = await startServer({ runtime: RUNTIME, verbose: args.verbose, label: "bench-feed" });
  log(`up at ${base}`);
  const listed = await fetch(`${base}/v1/instruments`);
  if (!listed.ok) throw new Error(`GET /v1/instruments: ${listed.status}`);

  log("warming up the book …");
  await throughput(base, 100, 2, 1);
  log(`single commands for ${args["single-seconds"]} s …`);
  const single = await throughput(base, 1, 8, num("single-seconds"));
  log(`batches of 100 for ${args["batch-seconds"]} s …`);
  const batch = await throughput(base, 100, 4, num("batch-seconds"));

  log(`opening ${SUBSCRIBERS} subscribers …`);
  const sink = new Sink();
  const t0 = performance.now();
  const subs = await openSubscribers(base, sink);
  log(`all subscribed in ${fmtNum((performance.now() - t0) / 1000, 1)} s`);

  const rate = num("rate");
  const seconds = num("seconds");
  log(`paced trades: ${rate}/s for ${seconds} s …`);
  sink.recording = true;
  const pacedFrom = sink.delivered;
  const pacedStart = performance.now();
  const end = pacedStart + seconds * 1000;
  const inflight = new Set<Promise<void>>();
  let trades = 0;
  for (let next = pacedStart; next < end; next += 1000 / rate) {
    await sleep(Math.max(0, next - performance.now()));
    if (inflight.size >= 8) await Promise.race(inflight); // the book fell behind: do not pile up requests
    const p: Promise<void> = send(base, orders(2)).finally(() => inflight.delete(p));
    inflight.add(p);
    trades++;
  }
  await Promise.all(inflight);
  await settle(subs, 10_000);
  sink.recording = false;
  const pacedSeconds = (performance.now() - pacedStart) / 1000;
  const pacedRate = (sink.delivered - pacedFrom) / pacedSeconds;
  const latencies = Float64Array.from(sink.latencies).sort();

  log(`batches of 100 with ${SUBSCRIBERS} subscribers for ${args["load-seconds"]} s …`);
  const before = sink.delivered;
  const loadStart = performance.now();
  const loadedBatch = await throughput(base, 100, 4, num("load-seconds"));
  const settled = await settle(subs, 60_000);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const msgsPerS = (sink.delivered - before) / loadSeconds;

  const gaps = subs.reduce((n, s) => n + s.streams.level2.gaps + s.streams.trades.gaps, 0);
  const resyncs = subs.reduce((n, s) => n + s.resyncs, 0);
  const closedEarly = subs.filter((s) => s.errors.length > 0);
  const closeReasons = new Map<string, number>();
  for (const s of closedEarly) for (const e of s.errors) closeReasons.set(e, (closeReasons.get(e) ?? 0) + 1);
  for (const s of subs) s.ws.close(1000);

  const result = {
    runtime: RUNTIME,
    subscribers: SUBSCRIBERS,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    max_ms: latencies[latencies.length - 1] ?? Number.NaN,
    msgs_per_s: Math.round(msgsPerS),
    single_cmds_per_s: Math.round(single),
    batch_cmds_per_s: Math.round(batch),
  };
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`feed fan-out, ${SUBSCRIBERS} subscribers of level2+trades ${SYMBOL} (${RUNTIME}, loopback)`);
  out(
    `  latency commit→receipt  p50 ${fmtNum(result.p50_ms, 1)} ms  p99 ${fmtNum(result.p99_ms, 1)} ms  max ${fmtNum(result.max_ms, 1)} ms  (${fmtInt(latencies.length)} deliveries; ${fmtNum(trades / seconds, 1)} trades/s sent, ${fmtInt(pacedRate)} msgs/s delivered)`,
  );
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
  if (!(result.p99_ms < TARGET_P99_MS)) failures.push(`p99 ${fmtNum(result.p99_ms, 1)} ms ≥ ${TARGET_P99_MS} ms`);
  if (result.batch_cmds_per_s < TARGET_BATCH_CMDS)
    failures.push(`batches ${fmtInt(result.batch_cmds_per_s)} cmds/s < ${fmtInt(TARGET_BATCH_CMDS)}`);
  out(failures.length === 0 ? "  targets: met" : `  targets missed: ${failures.join("; ")}`);
  if (args.json) out(JSON.stringify(result));
  stopServer();
  if (args.check && failures.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  stopServer();
  process.exit(1);
});
