/**
 * bench:geo's fan-out cost: does the book's work per published frame stay flat from 10
 * subscribers to 10,000 when the regions' relays carry the fan-out?
 *
 * Its own workerd (bench/runtime.ts, Miniflare with the V8 inspector; no Postgres: nothing
 * here reads it), with the run's regions, simulated latency and relays on, and room for
 * the sockets (more per shard, no share kept for authenticated ones; every socket has a
 * few dozen client addresses, and bench/runtime.ts already lifts the per-address cap). An
 * instrument homed in the first region; trades made straight on the book through the
 * operator's `POST /v1/admin/books/{symbol}/commands` (one crossing pair per request, as
 * bench:feed does), paced at `rate` per second so each trade is its own push.
 *
 * 1. `small` subscribers (default 10) across the regions: warm-up, then a CPU profile of
 *    `trades` trades (bench/profile/inspector.ts, workerd's CPU time alongside);
 * 2. the rest of `large` (default 10,000) opened across the regions and their shards,
 *    warm-up, then the same profile of as many trades;
 * 3. the extra sockets closed, the `small` window again, so the machine's drift over the phase
 *    shows and is averaged out of the baseline;
 * after each window, every socket must reach the same last trades sequence (all frames
 * delivered) without a gap. The costs per frame come from cost.ts; `fanout_cost_ratio` is the
 * book's at `large` ÷ the mean of the two `small` windows.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Region } from "../../shared/geo/regions.ts";
import { Http } from "../../test/client/index.ts";
import { testInstrument } from "../../test/instrument-spec.ts";
import { OPERATOR } from "../load/setup.ts";
import { LOAD_RATE_LIMITS } from "../load/stack.ts";
import { profileWhile } from "../profile/inspector.ts";
import { measuredCpu, workerdPids } from "../profile/process-cpu.ts";
import { CLIENT_HEADERS, freePort, type Server, sleep, startServer, stopServer } from "../runtime.ts";
import { type FrameCost, frameCost } from "./cost.ts";
import { openRegionalSubscribers, type RegionalPool, troubled } from "./subscribers.ts";

export interface FanoutOptions {
  regions: readonly Region[];
  geoVars: Record<string, string>;
  small: number;
  large: number;
  trades: number;
  rate: number;
  samplingUs: number;
  /** Where to write each window's `.cpuprofile` (`fanout-<subscribers>.cpuprofile`) and the bundle, when given. */
  profileDir: string | undefined;
  verbose: boolean;
  log: (line: string) => void;
}

export interface FanoutWindow extends FrameCost {
  subscribers: number;
  /** Every socket reached the last trade's sequence, gap-free, within the deadline. */
  delivered: boolean;
  /** Sockets that closed or saw a gap or resync. */
  troubled: number;
  /** Seconds after the last trade until every socket had it. */
  drain_s: number;
}

export interface FanoutResult {
  small: FanoutWindow;
  large: FanoutWindow;
  /** The `small` window again, after `large`. */
  small_after: FanoutWindow;
  /** Book µs per frame at `large` ÷ the mean of the two `small` windows. */
  ratio: number;
  /** Sockets asked for and sockets opened (less when opening failed: `error` says why). */
  asked: number;
  error: string | null;
}

const SYMBOL = "GEOF-USD";

/** File descriptors workerd holds per feed socket (the accepted TCP socket, twice), measured here. */
const FDS_PER_SOCKET = 2;
/** Kept free for everything else workerd opens meanwhile (objects' SQLite files, HTTP connections). */
const FDS_SPARE = 300;

/** The soft limit on open files of a process, from /proc. */
function openFilesLimit(pid: number): number {
  const line = /Max open files\s+(\d+|unlimited)/.exec(readFileSync(`/proc/${pid}/limits`, "utf8"));
  return line?.[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(line?.[1] ?? 0);
}

/**
 * workerd dies ("accept(): Too many open files", then restarts with every socket closed) when its
 * sockets pass its open-files limit: each feed socket holds 2 descriptors, so a limit of 20,000
 * holds fewer than 10,000. Raises the limit of our own workerd (prlimit; raising a hard limit needs
 * the privilege) when the sockets need more; returns how many more sockets fit, and a note when
 * the limit could not be raised.
 */
function makeRoomFor(sockets: number): { room: number; limit: number; note: string | null } {
  const pids = workerdPids();
  if (pids.length === 0) return { room: sockets, limit: Number.POSITIVE_INFINITY, note: null };
  const open = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
  let note: string | null = null;
  for (const pid of pids) {
    const need = open(pid) + FDS_SPARE + FDS_PER_SOCKET * sockets;
    if (openFilesLimit(pid) >= need) continue;
    const r = spawnSync("prlimit", ["--pid", String(pid), `--nofile=${need}:${need}`], { encoding: "utf8" });
    if (r.status !== 0) {
      note = `workerd's open-files limit is ${openFilesLimit(pid)} (${FDS_PER_SOCKET} per socket) and prlimit could not raise it: ${(r.stderr || String(r.error)).trim()}`;
    }
  }
  const room = Math.min(
    ...pids.map((pid) => Math.floor((openFilesLimit(pid) - open(pid) - FDS_SPARE) / FDS_PER_SOCKET)),
  );
  return { room: Math.max(0, room), limit: Math.min(...pids.map(openFilesLimit)), note };
}

let orderNo = 0;

/** One crossing pair on the book: a resting sell, then a buy that takes it. */
function pair(): unknown[] {
  const k = ++orderNo;
  const order = { order_type: "limit", price: "100.00", size: "0.01" };
  return [
    { type: "place", order_id: `f${k}s`, account: "maker", side: "sell", ...order },
    { type: "place", order_id: `f${k}b`, account: "taker", side: "buy", ...order },
  ];
}

async function trade(http: Http): Promise<void> {
  const a = await http.call("POST", `/v1/admin/books/${SYMBOL}/commands`, { commands: pair(), reply: "summary" });
  if (!a.ok) throw new Error(`book commands refused: ${a.status} ${a.text.slice(0, 300)}`);
}

/** `n` trades at `rate` per second (never more than 4 requests behind). */
async function paced(http: Http, n: number, rate: number): Promise<void> {
  const inflight = new Set<Promise<void>>();
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    await sleep(Math.max(0, start + (i * 1000) / rate - performance.now()));
    if (inflight.size >= 4) await Promise.race(inflight);
    const p: Promise<void> = trade(http).finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
}

/** Waits until every socket holds the highest trades sequence any of them has; seconds taken, or -1. */
async function drained(pools: readonly RegionalPool[], ms: number): Promise<number> {
  const start = Date.now();
  const subs = pools.flatMap((p) => p.subscribers);
  while (Date.now() - start < ms) {
    const top = Math.max(...subs.map((s) => s.last.get("trades") ?? -1));
    if (subs.every((s) => s.last.get("trades") === top)) return (Date.now() - start) / 1000;
    await sleep(100);
  }
  return -1;
}

async function window(
  server: Server,
  inspectorPort: number,
  bundle: string,
  http: Http,
  pools: readonly RegionalPool[],
  o: FanoutOptions,
  warmup: number,
): Promise<FanoutWindow> {
  const subscribers = pools.reduce((n, p) => n + p.subscribers.length, 0);
  o.log(`  ${subscribers} subscribers: warm-up, then a profile of ${o.trades} trades at ${o.rate}/s …`);
  await paced(http, warmup, o.rate * 4);
  await drained(pools, 60_000);
  await sleep(1_000);
  const { result, cpuUs } = await measuredCpu(() =>
    profileWhile(
      inspectorPort,
      server.worker,
      () => paced(http, o.trades, o.rate),
      o.profileDir === undefined ? undefined : join(o.profileDir, `fanout-${subscribers}.cpuprofile`),
      o.samplingUs,
    ),
  );
  const drain = await drained(pools, 120_000);
  const bad = pools.reduce((n, p) => n + troubled(p), 0);
  return {
    subscribers,
    ...frameCost(result.profile, bundle, o.trades, cpuUs),
    delivered: drain >= 0 && bad === 0,
    troubled: bad,
    drain_s: Math.round(drain * 10) / 10,
  };
}

export async function runFanout(o: FanoutOptions): Promise<FanoutResult> {
  const inspectorPort = await freePort();
  const server = await startServer({
    runtime: "miniflare",
    verbose: o.verbose,
    label: "bench-geo-fanout",
    inspectorPort,
    vars: {
      ...o.geoVars,
      FEED_RELAYS: "true",
      FEED_SHARDS: "4",
      FEED_MAX_SOCKETS_PER_SHARD: "2000",
      FEED_UNAUTHENTICATED_SHARE: "1",
      RATE_LIMITS: JSON.stringify(LOAD_RATE_LIMITS),
    },
  });
  const pools: RegionalPool[] = [];
  try {
    if (!server.bundle) throw new Error("the fan-out profile needs Miniflare's bundle");
    const bundle = readFileSync(server.bundle, "utf8");
    // The bundle beside the profiles: their frames' lines are its lines.
    if (o.profileDir !== undefined) writeFileSync(join(o.profileDir, "fanout-bundle.js"), bundle);
    const http = new Http({ base: server.base, headers: { ...CLIENT_HEADERS, ...OPERATOR }, timeoutMs: 60_000 });
    await http.expect("POST", "/v1/admin/instruments", testInstrument(SYMBOL, { home_region: o.regions[0] }));
    const open = (count: number, block: number, tolerant: boolean) =>
      openRegionalSubscribers({
        tolerant,
        base: server.base,
        symbol: SYMBOL,
        regions: o.regions,
        count,
        level2Every: 10,
        addressBlock: block,
        wave: 100,
        log: o.log,
      });
    pools.push(await open(o.small, 90, false));
    // The first window's warm-up is long: the book's code must be as hot as in the second.
    const small = await window(server, inspectorPort, bundle, http, pools, o, Math.max(100, o.trades));
    o.log(`  opening ${o.large - o.small} more subscribers …`);
    const { room, note } = makeRoomFor(o.large - o.small);
    const target = Math.min(o.large, o.small + room);
    if (note) o.log(`  ${note}: opening ${target} sockets, not ${o.large}`);
    const t0 = Date.now();
    const more = await open(target - o.small, 100, true);
    pools.push(more);
    const opened = o.small + more.subscribers.length;
    // The most honest figure when the machine cannot hold them all: the largest count that opened, labelled.
    const why = [note, more.error].filter((x) => x).join("; ");
    const error = opened < o.large ? `only ${opened} of ${o.large} sockets opened: ${why}` : null;
    o.log(`  ${opened} subscribers open in ${((Date.now() - t0) / 1000).toFixed(0)} s${error ? ` (${error})` : ""}`);
    const large = await window(server, inspectorPort, bundle, http, pools, o, 20);
    o.log(`  closing the ${more.subscribers.length} extra sockets, then ${o.small} subscribers again …`);
    more.close();
    pools.pop();
    await sleep(5_000);
    const smallAfter = await window(server, inspectorPort, bundle, http, pools, o, 20);
    const baseline = (small.book_us + smallAfter.book_us) / 2;
    return {
      small,
      large,
      small_after: smallAfter,
      ratio: Math.round((large.book_us / Math.max(0.1, baseline)) * 1000) / 1000,
      asked: o.large,
      error,
    };
  } finally {
    for (const p of pools) p.close();
    stopServer();
  }
}
