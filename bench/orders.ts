/**
 * Order entry benchmark, end to end on this machine.
 *
 *   npm run bench:orders -- [--runtime miniflare|miniflare-entry] [--accounts 50]
 *                           [--concurrency 48] [--seconds 5] [--rounds 3]
 *                           [--phases noop,orders,batch,balances,book,health]
 *                           [--ws-sockets 16] [--ws-window 64] [--ws-rate auto] [--ws-seconds 5]
 *                           [--cpu-profile FILE] [--profile-phase orders]
 *                           [--json] [--check] [--verbose]
 *
 * Runs the Worker in workerd with fresh state (bench/runtime.ts), with
 * `BENCH_ROUTES="true"` (mounts `POST /v1/bench/noop`), a high `MAX_OPEN_ORDERS`,
 * and a stand-in RateLimiter that allows everything but is still called once
 * per subject and request (one IP and 50 keys would otherwise be throttled).
 * Then:
 *  1. lists `BENCH-USD` and `BENCHB-USD` (open, 24x7, fees 10/20 bps), creates
 *     --accounts accounts with a read+trade key each, funds them, gets tokens;
 *  2. over HTTP, --concurrency requests in flight on keep-alive connections,
 *     each request from the next account in turn, --rounds rounds of --seconds
 *     per phase, phases rotating their order each round so drift hits all:
 *       - `noop`: `POST /v1/bench/noop`, the same auth and rate limits as order
 *         entry and one no-op Durable Object RPC (the baseline);
 *       - `orders`: `POST /v1/orders`, limit orders of 1 lot alternating buy and
 *         sell at 99.99 / 100.00 / 100.01, so about half cross and settle;
 *       - `batch`: the same orders, 20 per `POST /v1/orders/batch`, one side per
 *         batch (counted in orders, a refused one as an error);
 *       - `balances`: `GET /v1/accounts/me/balances` (one Account object read);
 *       - `book`: one place command straight on a second book through the
 *         operator route (the book's own cost: one hop, no Account object;
 *         operator token, so only the IP's rate-limit RPC);
 *       - `health`: `GET /v1/health` (public: only the IP's rate-limit RPC);
 *     throughput is the median of the rounds, latency percentiles pool them,
 *     and `http_ratio` is the median of each round's orders / noop; then noop
 *     and orders once more with one request in flight (latency without queueing);
 *  3. with --cpu-profile FILE, a V8 CPU profile of the Worker's isolate during
 *     one more phase (--profile-phase, default orders), written to FILE, with
 *     the time by object, function and SQLite caller printed to stderr;
 *  4. over WebSocket (`GET /v1/ws`, `auth` then `order.place`), --ws-sockets
 *     sockets (accounts in turn) with --ws-window requests outstanding each,
 *     each socket paced to --ws-rate requests/s ("auto": 90 % of the
 *     per-connection limit its `welcome` advertises, so the socket is measured,
 *     not closed for violations; 0: unpaced).
 * Only Miniflare runtimes: `wrangler dev` cannot rebind the rate limiter.
 * `--json` prints one JSON object as the last stdout line; `--check` (or
 * BENCH_CHECK=1) exits 1 when a target is missed (a part that could not run
 * counts as missed). Progress goes to stderr.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { CLIENT_HEADERS, freePort, parseRuntime, sleep, startServer, stopServer } from "./runtime.ts";
import { fmtInt, fmtNum, median, percentile, table } from "./stats.ts";

const { values: args } = parseArgs({
  options: {
    accounts: { type: "string", default: "50" },
    concurrency: { type: "string", default: "48" },
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    "warmup-seconds": { type: "string", default: "2" },
    phases: { type: "string", default: "noop,orders,batch,balances,book,health" },
    "ws-sockets": { type: "string", default: "16" },
    "ws-window": { type: "string", default: "64" },
    "ws-rate": { type: "string", default: "auto" },
    "ws-seconds": { type: "string", default: "5" },
    "max-minutes": { type: "string", default: "8" },
    runtime: { type: "string", default: "miniflare" },
    "cpu-profile": { type: "string" },
    "profile-phase": { type: "string", default: "orders" },
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
const RUNTIME = parseRuntime(args.runtime);
const ACCOUNTS = num("accounts");
const CONCURRENCY = num("concurrency");
const SECONDS = num("seconds");
const ROUNDS = num("rounds");
const WS_SOCKETS = num("ws-sockets");
const WS_WINDOW = num("ws-window");
/** Requests per second per socket: "auto" is 90 % of the limit the feed's `welcome` advertises; 0 is unpaced. */
const WS_RATE = args["ws-rate"] === "auto" ? "auto" : Number(args["ws-rate"]);
if (WS_RATE !== "auto" && !(Number.isFinite(WS_RATE) && WS_RATE >= 0)) {
  throw new Error(`--ws-rate is "auto", 0 (unpaced) or requests per second per socket; got ${args["ws-rate"]}`);
}
/** Targets of issue #6 (DESIGN.md "Performance anchors"). */
const TARGET_RATIO = 0.7;
const TARGET_WS_ORDERS = 10_000;
const SYMBOL = "BENCH-USD";
/** The `book` phase's instrument: orders straight on a book, of accounts that do not exist (their settlement is dropped). */
const BOOK_SYMBOL = "BENCHB-USD";
const OPERATOR = { authorization: "Bearer dev-operator-token" };
const RUN = Date.now().toString(36);
const log = (msg: string) => process.stderr.write(`[bench:orders] ${msg}\n`);
let finished = false;

const PHASES = ["noop", "orders", "batch", "balances", "book", "health"] as const;
/** Orders per `POST /v1/orders/batch` (its most). */
const BATCH = 20;
type Phase = (typeof PHASES)[number];
const phases = (args.phases ?? "").split(",").map((p) => p.trim()) as Phase[];
for (const p of phases) {
  if (!PHASES.includes(p)) throw new Error(`--phases takes ${PHASES.join(", ")}; got ${p}`);
}
for (const p of ["noop", "orders"] as const) {
  if (!phases.includes(p)) throw new Error(`--phases must include ${p} (the ratio compares them)`);
}

// ── setup ────────────────────────────────────────────────────────────────

interface Trader {
  account: string;
  token: string;
  headers: Record<string, string>;
}

async function call(base: string, method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${base}/v1${path}`, {
    method,
    headers: { ...CLIENT_HEADERS, ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: replies are read loosely.
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { detail: text };
  }
  return { status: res.status, json };
}

async function must(
  what: string,
  reply: Promise<{ status: number; json: unknown }>,
  ok: (s: number) => boolean = (s) => s < 300,
) {
  const r = await reply;
  if (!ok(r.status)) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
  // biome-ignore lint/suspicious/noExplicitAny: replies are read loosely.
  return r.json as any;
}

async function listInstrument(base: string, symbol: string): Promise<void> {
  await must(
    `listing ${symbol}`,
    call(base, "POST", "/admin/instruments", OPERATOR, {
      symbol,
      base: symbol.split("-")[0],
      quote: "USD",
      tick_size: "0.01",
      lot_size: "1",
      min_qty: "1",
      max_qty: "1000000",
      min_notional: "0",
      price_band_pct: "10",
      maker_fee_bps: 10,
      taker_fee_bps: 20,
      home_region: "enam",
      calendar: { kind: "24x7" },
      status: "open",
    }),
  );
}

async function createTrader(base: string, i: number): Promise<Trader> {
  const account = `bench-${i}`;
  const created = await must(
    `creating ${account}`,
    call(base, "POST", "/admin/accounts", OPERATOR, {
      account_id: account,
      name: `Benchmark ${i}`,
      api_key: { name: "bench", scopes: ["read", "trade"] },
    }),
  );
  for (const [asset, amount] of [
    ["USD", "100000000"],
    ["BENCH", "1000000"],
  ] as const) {
    await must(
      `depositing ${asset} to ${account}`,
      call(base, "POST", `/admin/accounts/${account}/deposits`, OPERATOR, {
        asset,
        amount,
        reference: `bench-${RUN}-${account}-${asset}`,
      }),
    );
  }
  const tokens = await must(
    `token for ${account}`,
    call(base, "POST", "/auth/token", {}, { api_key: created.api_key.id, api_secret: created.api_key.secret }),
  );
  return { account, token: tokens.access_token, headers: { authorization: `Bearer ${tokens.access_token}` } };
}

async function createTraders(base: string): Promise<Trader[]> {
  const traders: Trader[] = [];
  for (let i = 0; i < ACCOUNTS; i += 10) {
    const wave = Array.from({ length: Math.min(10, ACCOUNTS - i) }, (_, k) => createTrader(base, i + k));
    traders.push(...(await Promise.all(wave)));
  }
  return traders;
}

// ── the orders ───────────────────────────────────────────────────────────

const PRICES = ["99.99", "100.00", "100.01"];
let orderNo = 0;
let batchNo = 0;

/** The next order: sides alternate and prices cycle around 100.00, so about half of them cross. */
function nextOrder(prefix: string): Record<string, string> {
  const n = orderNo++;
  return {
    client_order_id: `${prefix}-${RUN}-${n}`,
    instrument: SYMBOL,
    side: n % 2 === 0 ? "sell" : "buy",
    type: "limit",
    // Cycles of 6 (not 3): each side sees every price.
    price: PRICES[Math.floor(n / 2) % 3] as string,
    size: "1",
  };
}

// ── HTTP load ────────────────────────────────────────────────────────────

interface PhaseResult {
  phase: Phase;
  perSecond: number;
  ok: number;
  errors: number;
  latencies: Float64Array;
}

/** Error replies by "status code" (`429 rate_limited`), with one sample body each. */
const errorKinds = new Map<string, { count: number; sample: string }>();

function noteError(phase: string, kind: string, sample: string): void {
  const key = `${phase}: ${kind}`;
  const seen = errorKinds.get(key);
  if (seen) seen.count++;
  else errorKinds.set(key, { count: 1, sample: sample.slice(0, 300) });
}

/** Order outcomes by `status` in the 2xx replies of `POST /v1/orders`. */
const outcomes = new Map<string, number>();

function request(base: string, phase: Phase, trader: Trader): Promise<Response> {
  const signal = AbortSignal.timeout(30_000);
  switch (phase) {
    case "noop":
      // The same body as an order, so both carry the same bytes; the no-op route does not read it.
      return fetch(`${base}/v1/bench/noop`, {
        method: "POST",
        headers: { ...CLIENT_HEADERS, ...trader.headers, "content-type": "application/json" },
        body: JSON.stringify(nextOrder("noop")),
        signal,
      });
    case "orders":
      return fetch(`${base}/v1/orders`, {
        method: "POST",
        headers: { ...CLIENT_HEADERS, ...trader.headers, "content-type": "application/json" },
        body: JSON.stringify(nextOrder("o")),
        signal,
      });
    case "batch":
      batchNo++;
      return fetch(`${base}/v1/orders/batch`, {
        method: "POST",
        headers: { ...CLIENT_HEADERS, ...trader.headers, "content-type": "application/json" },
        // One side per batch (alternating), so a batch never trades against itself.
        body: JSON.stringify({
          orders: Array.from({ length: BATCH }, () => ({ ...nextOrder("o"), side: batchNo % 2 ? "buy" : "sell" })),
        }),
        signal,
      });
    case "balances":
      return fetch(`${base}/v1/accounts/me/balances`, { headers: { ...CLIENT_HEADERS, ...trader.headers }, signal });
    case "book": {
      const o = nextOrder("b");
      const command = { type: "place", order_id: o.client_order_id, account: `book-${o.side}`, side: o.side };
      return fetch(`${base}/v1/admin/books/${BOOK_SYMBOL}/commands`, {
        method: "POST",
        headers: { ...CLIENT_HEADERS, ...OPERATOR, "content-type": "application/json" },
        body: JSON.stringify({
          commands: [{ ...command, order_type: "limit", price: o.price, size: o.size }],
          reply: "summary",
        }),
        signal,
      });
    }
    case "health":
      return fetch(`${base}/v1/health`, { headers: CLIENT_HEADERS, signal });
  }
}

/** `concurrency` requests in flight for `seconds`, each from the next trader in turn. */
async function load(
  base: string,
  phase: Phase,
  traders: Trader[],
  seconds: number,
  concurrency = CONCURRENCY,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const trader = traders[next++ % traders.length] as Trader;
        const t0 = performance.now();
        try {
          const res = await request(base, phase, trader);
          const text = await res.text();
          latencies.push(performance.now() - t0);
          const refused = phase === "book" && res.ok ? JSON.parse(text)?.results?.[0]?.error : undefined;
          if (refused) {
            errors++;
            noteError(phase, `200 ${refused.code}`, text);
          } else if (res.ok && phase === "batch") {
            for (const r of JSON.parse(text)?.results ?? []) {
              if (r.ok) ok++;
              else {
                errors++;
                noteError(phase, `${r.error?.status ?? "?"} ${r.error?.code ?? ""}`.trim(), JSON.stringify(r.error));
              }
            }
          } else if (res.ok) {
            ok++;
            if (phase === "orders") {
              const reply = JSON.parse(text);
              const status = String(reply?.status ?? reply?.order?.status ?? "?");
              outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
            }
          } else {
            errors++;
            let code = "";
            try {
              code = JSON.parse(text)?.code ?? "";
            } catch {
              // not JSON
            }
            noteError(phase, `${res.status} ${code}`.trim(), text);
          }
        } catch (err) {
          errors++;
          noteError(phase, "network", String(err));
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { phase, perSecond: ok / elapsed, ok, errors, latencies: Float64Array.from(latencies).sort() };
}

/** Whether `POST /v1/orders` exists yet: one order from the first trader; a non-route 4xx/5xx is thrown. */
async function ordersRouteReady(base: string, trader: Trader): Promise<boolean> {
  const r = await call(base, "POST", "/orders", trader.headers, nextOrder("probe"));
  if (r.status === 200 || r.status === 201) return true;
  if (r.status === 404 && r.json?.code === "not_found") return false;
  throw new Error(`POST /v1/orders refused the benchmark's order: HTTP ${r.status} ${JSON.stringify(r.json)}`);
}

// ── WebSocket order entry ────────────────────────────────────────────────

interface WsResult {
  /** Requests per second per socket it was paced to (0: unpaced). */
  rate: number;
  perSecond: number;
  ok: number;
  errors: number;
  latencies: Float64Array;
}

// biome-ignore lint/suspicious/noExplicitAny: frames are inspected loosely.
type Frame = any;

/** One socket: opened, authenticated, then keeps `window` `order.place` requests outstanding until told to stop. */
class OrderSocket {
  readonly ws: WebSocket;
  /** The feed's first message (shard, heartbeat, limits). */
  welcome: Frame;
  /** Requests per second this socket sends at most (0: unpaced). */
  rate = 0;
  private nextAt = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; resolve: (f: Frame) => void }>();
  private readonly opened: Promise<void>;
  closed: string | undefined;

  constructor(base: string) {
    this.ws = new WebSocket(`${base.replace("http", "ws")}/v1/ws`, { headers: CLIENT_HEADERS } as unknown as string[]);
    this.opened = new Promise((resolve, reject) => {
      this.ws.addEventListener("open", () => resolve());
      this.ws.addEventListener("error", () => reject(new Error("socket error")));
    });
    this.ws.addEventListener("close", (e) => {
      this.closed = `closed ${e.code} ${e.reason}`;
      for (const p of this.pending.values()) p.resolve({ error: { code: "closed", message: this.closed } });
      this.pending.clear();
    });
    this.ws.addEventListener("message", (e) => {
      if (typeof e.data !== "string" || e.data === "pong") return;
      const frame: Frame = JSON.parse(e.data);
      const messages: Frame[] = frame?.type === "batch" ? frame.messages : [frame];
      for (const m of messages) {
        if (m?.type === "welcome") this.welcome = m;
        if (m?.type === "heartbeat") this.ws.send("ping");
        if (m?.id === undefined) continue;
        const p = this.pending.get(m.id);
        if (!p) continue;
        this.pending.delete(m.id);
        p.resolve(m);
      }
    });
  }

  /** Sends one request; its reply, or an `error` frame of code `closed` or `timeout` (after 10 s). */
  request(method: string, params: unknown): { at: number; reply: Promise<Frame> } {
    const at = performance.now();
    if (this.closed) return { at, reply: Promise.resolve({ error: { code: "closed", message: this.closed } }) };
    const id = this.nextId++;
    const reply = new Promise<Frame>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ error: { code: "timeout", message: `no reply to ${method} within 10 s` } });
      }, 10_000);
      this.pending.set(id, {
        at,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
    this.ws.send(JSON.stringify({ id, method, params }));
    return { at, reply };
  }

  async open(token: string): Promise<Frame> {
    await this.opened;
    return this.request("auth", { token }).reply;
  }

  /** Waits for this socket's next send slot under `rate`. */
  async pace(): Promise<void> {
    if (this.rate <= 0) return;
    const now = performance.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + 1000 / this.rate;
    if (at > now) await sleep(at - now);
  }
}

async function wsLoad(base: string, traders: Trader[], seconds: number): Promise<WsResult | { unavailable: string }> {
  const sockets = Array.from({ length: WS_SOCKETS }, () => new OrderSocket(base));
  try {
    const auths = await Promise.all(sockets.map((s, i) => s.open((traders[i % traders.length] as Trader).token)));
    const refused = auths.find((a) => a.error);
    if (refused) return { unavailable: `"auth" answered ${JSON.stringify(refused.error)}` };
    for (const s of sockets) {
      const limit = Number(s.welcome?.limits?.orders_per_second ?? s.welcome?.limits?.messages_per_second);
      s.rate = WS_RATE !== "auto" ? WS_RATE : Number.isFinite(limit) && limit > 0 ? Math.floor(0.9 * limit) : 0;
    }
    // Warm-up, then the measured window.
    const warm = await wsDrive(sockets, 1);
    if (warm.ok === 0) {
      const sample = [...errorKinds].find(([k]) => k.startsWith("ws: "));
      return { unavailable: `no order.place succeeded${sample ? ` (${sample[0]}: ${sample[1].sample})` : ""}` };
    }
    for (const key of [...errorKinds.keys()]) if (key.startsWith("ws: ")) errorKinds.delete(key);
    return await wsDrive(sockets, seconds);
  } finally {
    for (const s of sockets) s.ws.close(1000);
  }
}

async function wsDrive(sockets: OrderSocket[], seconds: number): Promise<WsResult> {
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    sockets.flatMap((socket) =>
      Array.from({ length: WS_WINDOW }, async () => {
        while (performance.now() < end && !socket.closed) {
          await socket.pace();
          if (performance.now() >= end) break;
          const { at, reply } = socket.request("order.place", nextOrder("w"));
          const frame = await reply;
          latencies.push(performance.now() - at);
          if (frame.error) {
            errors++;
            noteError("ws", String(frame.error.code), JSON.stringify(frame.error));
          } else {
            ok++;
          }
        }
      }),
    ),
  );
  const elapsed = (performance.now() - start) / 1000;
  const rate = sockets[0]?.rate ?? 0;
  return { rate, perSecond: ok / elapsed, ok, errors, latencies: Float64Array.from(latencies).sort() };
}

// ── CPU profile (--cpu-profile FILE) ──────────────────────────────────────

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/**
 * Records a V8 CPU profile of the Worker's isolate (the edge Worker and all its
 * objects share one isolate, and one thread, in workerd) while `during` runs,
 * writes it to `file` (open it in Chrome DevTools or speedscope) and prints the
 * functions with the most time, self and inclusive.
 */
async function cpuProfile<T>(
  inspectorPort: number,
  file: string,
  bundle: string | undefined,
  during: () => Promise<T>,
): Promise<T> {
  const ws = new WebSocket(`ws://127.0.0.1:${inspectorPort}/core:user:platform3-edge`);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", () => reject(new Error("cannot reach the Worker's inspector")));
  });
  const waiting = new Map<number, (result: Frame) => void>();
  let id = 0;
  ws.addEventListener("message", (e) => {
    const m = JSON.parse(String(e.data));
    waiting.get(m.id)?.(m.result);
    waiting.delete(m.id);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Frame>((resolve) => {
      waiting.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  await send("Profiler.start");
  const result = await during();
  const { profile } = (await send("Profiler.stop")) as { profile: Profile };
  ws.close();
  writeFileSync(file, JSON.stringify(profile));
  summarizeProfile(profile, file, bundle === undefined ? () => undefined : sourceOf(readFileSync(bundle, "utf8")));
  return result;
}

/** Bundle line (0-based) → the source module esbuild put there, from its `// path/to/module.ts` markers. */
function sourceOf(bundle: string): (line: number) => string | undefined {
  const marks: Array<[number, string]> = [];
  bundle.split("\n").forEach((text, line) => {
    const m = /^\/\/ ((?:node_modules\/)?(?:@[^/\s]+\/)?[^\s]+\.(?:ts|js|mjs|cjs))$/.exec(text);
    if (m) marks.push([line, (m[1] as string).replace(/^node_modules\/(\.pnpm\/)?/, "")]);
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found: string | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [at, name] = marks[mid] as [number, string];
      if (at <= line) {
        found = name;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

function summarizeProfile(profile: Profile, file: string, source: (line: number) => string | undefined): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => {
    const f = n.callFrame;
    const where = f.url ? ` ${source(f.lineNumber) ?? f.url.split("/").pop()}` : "";
    return `${f.functionName || "(anonymous)"}${where}`;
  };
  // Native SQLite time (`exec`), by the nearest named JavaScript caller.
  const sqlBy = new Map<string, number>();
  // Each sample, by the object (or the edge Worker) running it: the outermost frame of ours on the stack.
  const areaOf = (n: ProfileNode): string | undefined => {
    const module = n.callFrame.url ? source(n.callFrame.lineNumber) : undefined;
    if (module?.startsWith("workers/api/")) return "edge Worker";
    const object = module === undefined ? undefined : /^durable-objects\/([^/]+)\//.exec(module)?.[1];
    return object === undefined ? undefined : `${object} object(s)`;
  };
  const byArea = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((nodeId, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(nodeId);
    if (!node) return;
    total += dt;
    if (node.callFrame.functionName === "(idle)") {
      idle += dt;
      return;
    }
    self.set(label(node), (self.get(label(node)) ?? 0) + dt);
    if (node.callFrame.functionName === "exec") {
      let at = parent.get(nodeId);
      while (at !== undefined) {
        const n = byId.get(at);
        if (!n || (n.callFrame.functionName && n.callFrame.url)) break;
        at = parent.get(at);
      }
      const caller = at === undefined ? "?" : label(byId.get(at) as ProfileNode);
      sqlBy.set(caller, (sqlBy.get(caller) ?? 0) + dt);
    }
    const seen = new Set<string>();
    let area = "runtime, GC, libraries outside any of our frames";
    for (let at: number | undefined = nodeId; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (!n) break;
      area = areaOf(n) ?? area;
      const name = label(n);
      if (seen.has(name) || n.callFrame.functionName.startsWith("(")) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
    }
    byArea.set(area, (byArea.get(area) ?? 0) + dt);
  });
  const busy = total - idle;
  const pct = (x: number) => `${fmtNum((100 * x) / busy, 1)} %`;
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  log(
    `CPU profile: ${fmtNum(total / 1e6, 1)} s recorded, the isolate busy ${fmtNum((100 * busy) / total, 0)} % of it; written to ${file}`,
  );
  log("  by object (of busy):");
  for (const [name, t] of top(byArea, 10)) log(`    ${pct(t).padStart(7)}  ${name}`);
  log("  self time (of busy):");
  for (const [name, t] of top(self, 20)) log(`    ${pct(t).padStart(7)}  ${name}`);
  log("  inclusive time (of busy):");
  for (const [name, t] of top(inclusive, 25)) log(`    ${pct(t).padStart(7)}  ${name}`);
  log("  SQLite exec, by calling function (of busy):");
  for (const [name, t] of top(sqlBy, 15)) log(`    ${pct(t).padStart(7)}  ${name}`);
}

// ── main ─────────────────────────────────────────────────────────────────

const round1 = (x: number) => Math.round(x * 10) / 10;
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
  const { base, bundle } = await startServer({
    inspectorPort,
    runtime: RUNTIME,
    verbose: args.verbose,
    label: "bench-orders",
    vars: { BENCH_ROUTES: "true", MAX_OPEN_ORDERS: "1000000" },
    unlimitedRateLimits: true,
  });
  log(`up at ${base}`);
  await listInstrument(base, SYMBOL);
  await listInstrument(base, BOOK_SYMBOL);
  log(`creating and funding ${ACCOUNTS} accounts …`);
  const traders = await createTraders(base);

  const ordersReady = await ordersRouteReady(base, traders[0] as Trader);
  const run = phases.filter((p) => (p !== "orders" && p !== "batch") || ordersReady);
  if (!ordersReady) log("POST /v1/orders answers 404 (not built yet): measuring the other phases only");

  log(`warming up (${run.join(", ")}) …`);
  for (const p of run) await load(base, p, traders, num("warmup-seconds") / run.length);
  errorKinds.clear();
  outcomes.clear();

  const byPhase = new Map<Phase, PhaseResult[]>(run.map((p) => [p, []]));
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round, so drift (heating, compaction, other load) hits every phase alike.
    const order = run.map((_, i) => run[(i + r) % run.length] as Phase);
    const line: string[] = [];
    const thisRound = new Map<Phase, PhaseResult>();
    for (const p of order) {
      const result = await load(base, p, traders, SECONDS);
      byPhase.get(p)?.push(result);
      thisRound.set(p, result);
      line.push(`${p} ${fmtInt(result.perSecond)}/s`);
    }
    const o = thisRound.get("orders");
    const n = thisRound.get("noop");
    if (o && n) ratios.push(o.perSecond / n.perSecond);
    log(`round ${r + 1}/${ROUNDS}: ${line.join(", ")}`);
  }

  // Latency without queueing: one request at a time.
  const unloaded = new Map<Phase, PhaseResult>();
  for (const p of run.filter((x) => x === "noop" || x === "orders")) {
    unloaded.set(p, await load(base, p, traders, Math.min(2, SECONDS), 1));
  }
  log(
    `one in flight: ${[...unloaded].map(([p, r]) => `${p} p50 ${fmtNum(percentile(r.latencies, 50), 2)} ms`).join(", ")}`,
  );

  if (profileFile !== undefined && inspectorPort !== undefined) {
    const p = ordersReady || args["profile-phase"] !== "orders" ? (args["profile-phase"] as Phase) : "noop";
    if (!PHASES.includes(p)) throw new Error(`--profile-phase takes ${PHASES.join(", ")}; got ${p}`);
    log(`CPU profile of ${SECONDS} s of ${p} …`);
    await cpuProfile(inspectorPort, profileFile, bundle, () => load(base, p, traders, SECONDS));
  }

  log(`WebSocket order entry: ${WS_SOCKETS} sockets × ${WS_WINDOW} outstanding for ${args["ws-seconds"]} s …`);
  const ws = ordersReady ? await wsLoad(base, traders, num("ws-seconds")) : { unavailable: "no order route yet" };
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
      ok: results.reduce((s, x) => s + x.ok, 0),
    };
  };
  const stats = Object.fromEntries(run.map((p) => [p, stat(p)])) as Partial<Record<Phase, ReturnType<typeof stat>>>;
  const noop = stats.noop;
  const orders = stats.orders;
  const unloadedP50 = (p: Phase) => {
    const r = unloaded.get(p);
    return r ? Math.round(percentile(r.latencies, 50) * 100) / 100 : null;
  };
  const wsOk = "unavailable" in ws ? undefined : ws;
  const result = {
    http_orders_per_s: orders ? Math.round(orders.perSecond) : null,
    http_p50_ms: orders ? round1(orders.p50) : null,
    http_p99_ms: orders ? round1(orders.p99) : null,
    noop_req_per_s: noop ? Math.round(noop.perSecond) : null,
    http_ratio: ratios.length > 0 ? round3(median(ratios)) : null,
    ws_orders_per_s: wsOk ? Math.round(wsOk.perSecond) : null,
    ws_p50_ms: wsOk ? round1(percentile(wsOk.latencies, 50)) : null,
    ws_p99_ms: wsOk ? round1(percentile(wsOk.latencies, 99)) : null,
    noop_p50_ms: noop ? round1(noop.p50) : null,
    noop_p99_ms: noop ? round1(noop.p99) : null,
    http_unloaded_p50_ms: unloadedP50("orders"),
    noop_unloaded_p50_ms: unloadedP50("noop"),
    batch_orders_per_s: stats.batch ? Math.round(stats.batch.perSecond) : null,
    balances_req_per_s: stats.balances ? Math.round(stats.balances.perSecond) : null,
    book_cmds_per_s: stats.book ? Math.round(stats.book.perSecond) : null,
    health_req_per_s: stats.health ? Math.round(stats.health.perSecond) : null,
    errors: {
      ...Object.fromEntries(run.map((p) => [p, stats[p]?.errors ?? 0])),
      ws: wsOk?.errors ?? 0,
    },
    runs: Array.from({ length: ROUNDS }, (_, r) => ({
      ...Object.fromEntries(run.map((p) => [p, Math.round(byPhase.get(p)?.[r]?.perSecond ?? 0)])),
      ...(ratios[r] === undefined ? {} : { ratio: round3(ratios[r] as number) }),
    })),
    order_outcomes: Object.fromEntries(outcomes),
    runtime: RUNTIME,
    accounts: ACCOUNTS,
    concurrency: CONCURRENCY,
    seconds: SECONDS,
    ws_sockets: WS_SOCKETS,
    ws_window: WS_WINDOW,
    ws_rate_per_socket: wsOk ? wsOk.rate || null : null,
  };

  const out = (s: string) => process.stdout.write(`${s}\n`);
  const ms = (x: number | undefined) => (x === undefined ? "-" : fmtNum(x, 1));
  out(
    `order entry, ${ACCOUNTS} accounts, one instrument (${SYMBOL}); ${RUNTIME}, loopback, ${CONCURRENCY} in flight; median of ${ROUNDS} rounds of ${SECONDS} s`,
  );
  const DESCRIBE: Record<Phase, string> = {
    noop: "POST /v1/bench/noop (1 no-op DO call)",
    orders: "POST /v1/orders",
    batch: `POST /v1/orders/batch (${BATCH}), in orders`,
    balances: "GET /v1/accounts/me/balances",
    book: `POST /v1/admin/books/${BOOK_SYMBOL}/commands (1)`,
    health: "GET /v1/health (public)",
  };
  const rows: string[][] = [["route", "req/s", "p50 ms", "p99 ms", "errors", "vs noop"]];
  for (const p of run) {
    const s = stats[p];
    if (!s) continue;
    const vs = noop ? `${fmtNum((100 * s.perSecond) / noop.perSecond, 0)} %` : "-";
    rows.push([DESCRIBE[p], fmtInt(s.perSecond), ms(s.p50), ms(s.p99), fmtInt(s.errors), vs]);
  }
  if (wsOk) {
    rows.push([
      `WebSocket order.place (${WS_SOCKETS}×${WS_WINDOW}${wsOk.rate > 0 ? `, ≤ ${wsOk.rate}/s each` : ""})`,
      fmtInt(wsOk.perSecond),
      ms(percentile(wsOk.latencies, 50)),
      ms(percentile(wsOk.latencies, 99)),
      fmtInt(wsOk.errors),
      "-",
    ]);
  }
  out(
    table(rows)
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n"),
  );
  if (unloaded.size > 0) {
    out(
      `  one request in flight:   ${[...unloaded].map(([p, r]) => `${DESCRIBE[p].split(" (")[0]} p50 ${fmtNum(percentile(r.latencies, 50), 2)} ms`).join(", ")}`,
    );
  }
  if (!ordersReady) out("  POST /v1/orders: not available yet (404)");
  if ("unavailable" in ws) out(`  WebSocket order entry: not measured (${ws.unavailable})`);
  out(
    `  ratio orders/noop per round: ${ratios.map((x) => `${fmtNum(100 * x, 0)} %`).join(", ") || "-"}; order outcomes: ${
      [...outcomes].map(([k, v]) => `${k} ${fmtInt(v)}`).join(", ") || "-"
    }`,
  );
  for (const [kind, { count, sample }] of errorKinds) out(`  errors ${kind}: ${fmtInt(count)}× e.g. ${sample}`);

  const failures: string[] = [];
  if (result.http_ratio === null) failures.push("HTTP order placement not measured");
  else if (result.http_ratio < TARGET_RATIO)
    failures.push(
      `HTTP orders at ${fmtNum(100 * result.http_ratio, 0)} % of the no-op route < ${100 * TARGET_RATIO} %`,
    );
  if (result.ws_orders_per_s === null) failures.push("WebSocket order entry not measured");
  else if (result.ws_orders_per_s < TARGET_WS_ORDERS) {
    const cap = wsOk && wsOk.rate > 0 ? WS_SOCKETS * wsOk.rate : Number.POSITIVE_INFINITY;
    const capped = cap < TARGET_WS_ORDERS ? ` (pacing under the per-connection limit caps it at ${fmtInt(cap)}/s)` : "";
    failures.push(`WebSocket ${fmtInt(result.ws_orders_per_s)} orders/s < ${fmtInt(TARGET_WS_ORDERS)}${capped}`);
  }
  const erred = Object.values(result.errors).reduce((a, b) => a + b, 0);
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
