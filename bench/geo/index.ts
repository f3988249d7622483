/**
 * `npm run bench:geo`: the proof of issue 22 (geographic distribution) on one machine, with
 * regions simulated (`GEO_LATENCY=simulate`, docs/geography.md).
 *
 *   npm run bench:geo [-- --json --short --regions enam,weur,apac,sam --per-region 50
 *                         --latency-seconds 20 --rate 4 --load-seconds 40 --accounts 12
 *                         --subscribers 10000 --fanout-trades 90 --fanout-rate 3
 *                         --outage-ms 10000 --move-to <region> --failover-to <region>
 *                         --profile-dir DIR --verbose]
 *
 * A. Stack with relays on (bench/load/stack.ts: Postgres, Redis when installed, workerd):
 *    two instruments homed in the first region. Latency run (latency.ts): subscribers spread
 *    over the regions, paced crossing pairs, delivery p50/p99 per region. Then bench/load's
 *    traders (HTTP) on both instruments; meanwhile the first book is moved to another region
 *    (handoff.ts: `handoff_pause_ms`) and the second is failed over (failover.ts:
 *    `failover_rto_s`). Every account
 *    cancels all, then bench/load's reconciliation, with the subscribers of both instruments.
 * B. The same latency run on a stack with `FEED_RELAYS=false` (shards subscribe at the book).
 * C. Fan-out cost (fanout.ts): the book's CPU per published frame with 10 subscribers and with
 *    10,000 (or as many as workerd's open-files limit holds, labelled), relays on.
 * Prints the tables to stderr; `--json` prints one JSON object as the last stdout line. Exit 1
 * when the reconciliation is not exact, or the hand-off or the failover fails (or a phase could
 * not run). Everything started is stopped at the end, on failure and on Ctrl-C.
 */
import { parseArgs } from "node:util";
import type { Region } from "../../shared/geo/regions.ts";
import { sleep } from "../../test/client/index.ts";
import { testInstrument } from "../../test/instrument-spec.ts";
import { cancelEverything, type Reconciliation, reconcile } from "../load/reconcile.ts";
import { client, createTraders, instrumentSymbols, OPERATOR, type Trader } from "../load/setup.ts";
import { type LoadStack, startLoadStack } from "../load/stack.ts";
import { LoadResults, runTrader } from "../load/traders.ts";
import { stopServer } from "../runtime.ts";
import { type FailoverOutcome, failover } from "./failover.ts";
import { type FanoutResult, runFanout } from "./fanout.ts";
import { type HandoffOutcome, moveBook } from "./handoff.ts";
import { type LatencyRun, latencyRun } from "./latency.ts";
import {
  DEFAULT_REGIONS,
  FAILOVER_AFTER_MS,
  geoVars,
  model,
  notes,
  oneWayFromHome,
  parseRegions,
  stackVars,
} from "./model.ts";
import { formatResults, type GeoResults, resultJson } from "./report.ts";
import { openRegionalSubscribers } from "./subscribers.ts";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    short: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
    regions: { type: "string", default: DEFAULT_REGIONS },
    "per-region": { type: "string" },
    "latency-seconds": { type: "string" },
    rate: { type: "string" },
    "load-seconds": { type: "string" },
    accounts: { type: "string" },
    subscribers: { type: "string" },
    "fanout-trades": { type: "string" },
    "fanout-rate": { type: "string", default: "3" },
    "outage-ms": { type: "string" },
    "move-to": { type: "string" },
    "failover-to": { type: "string" },
    "profile-dir": { type: "string" },
  },
});

const short = args.short;
const num = (name: keyof typeof args, full: number, quick: number): number => {
  const raw = args[name];
  const x = raw === undefined ? (short ? quick : full) : Number(raw);
  if (!Number.isFinite(x) || x <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
  return x;
};
const REGIONS = parseRegions(args.regions);
const HOME = REGIONS[0] as Region;
const PER_REGION = num("per-region", 50, 15);
const LATENCY_SECONDS = num("latency-seconds", 20, 10);
// Pairs per second: half an interval between a pair's two orders must outlast the longest flight (pacer.ts).
const LONGEST_MS = Math.max(...Object.values(oneWayFromHome(REGIONS)));
const DEFAULT_RATE = Math.max(1, Math.min(10, Math.floor(500 / (LONGEST_MS + 30))));
const RATE = num("rate", DEFAULT_RATE, DEFAULT_RATE);
const LOAD_SECONDS = num("load-seconds", 40, 20);
const ACCOUNTS = num("accounts", 12, 6);
const SUBSCRIBERS = num("subscribers", 10_000, 1_000);
const FANOUT_TRADES = num("fanout-trades", 90, 45);
const FANOUT_RATE = num("fanout-rate", 3, 3);
const OUTAGE_MS = num("outage-ms", 10_000, 6_000);
const MOVE_TO = parseRegions(`${HOME},${args["move-to"] ?? REGIONS[1]}`)[1] as Region;
const FAILOVER_TO = parseRegions(`${HOME},${args["failover-to"] ?? REGIONS[1]}`)[1] as Region;

const started = Date.now();
const log = (line: string): void => {
  process.stderr.write(`geo ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s ${line}\n`);
};

// ── stopping everything on Ctrl-C ────────────────────────────────────────
let current: LoadStack | undefined;
/** bench/runtime.ts stops only the Worker on a signal: this stops the whole stack (Postgres, Redis too). */
function onSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => {
      log(`${signal}: stopping everything …`);
      const stopping = current ? current.stop() : Promise.resolve(stopServer());
      void Promise.race([stopping, sleep(10_000)]).finally(() => process.exit(130));
    });
  }
}

async function withStack<T>(relays: boolean, work: (stack: LoadStack) => Promise<T>): Promise<T> {
  log(`starting a stack with relays ${relays ? "on" : "off"} (${REGIONS.join(", ")}, simulated latency) …`);
  current = await startLoadStack({
    runtime: "miniflare",
    faults: true,
    verbose: args.verbose,
    vars: stackVars(REGIONS, relays),
  });
  onSignals(); // after bench/runtime.ts hooked its own
  const stack = current;
  try {
    log(`  up at ${stack.base}; Postgres ${stack.postgres}; ${stack.redis ? stack.redis.version : "no Redis"}`);
    return await work(stack);
  } finally {
    current = undefined;
    await stack.stop();
  }
}

async function listHomed(base: string, symbols: readonly string[]): Promise<void> {
  const admin = client(base, OPERATOR);
  for (const symbol of symbols) {
    await admin.expect("POST", "/v1/admin/instruments", testInstrument(symbol, { home_region: HOME }));
  }
}

const snapshot = (m: Map<string, number>) => new Map(m);
function diff(after: Map<string, number>, before: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) > 0) out[k] = v - (before.get(k) ?? 0);
  return out;
}

interface RunA {
  relays: LatencyRun;
  handoff: HandoffOutcome;
  failover: FailoverOutcome;
  refusals: GeoResults["refusals"];
  load: GeoResults["load"];
  rec: Reconciliation;
}

/** Stack A: relays on; latency, then the load with the hand-off and the failover, then the reconciliation. */
function runA(): Promise<RunA> {
  return withStack(true, async (stack) => {
    const run = String(Date.now() % 1_000_000);
    const [moving, failing] = instrumentSymbols(run, 2) as [string, string];
    await listHomed(stack.base, [moving, failing]);
    const { traders, deposits } = await createTraders(stack.base, run, ACCOUNTS + 3, [moving, failing]);
    // HTTP only: bench/load's WebSocket traders take a refusal (instrument_moving) as final, while the
    // Account still places the order later, which the reconciliation would count as doubled.
    for (const t of traders) t.via = "http";
    const [seller, buyer, prober, ...loaders] = traders as [Trader, Trader, Trader, ...Trader[]];
    log(`  ${moving} and ${failing} listed in ${HOME}; ${traders.length} accounts funded`);
    const results = new LoadResults();
    const common = { base: stack.base, regions: REGIONS, perRegion: PER_REGION, seconds: LATENCY_SECONDS };
    const latency = await latencyRun({
      ...common,
      symbol: moving,
      pairsPerSecond: RATE,
      seller,
      buyer,
      results,
      tag: "geoA",
      addressBlock: 60,
      log,
    });
    const pools = [latency.pool];
    try {
      log(`  relays on: ${JSON.stringify(latency.run.regions)}`);
      pools.push(
        await openRegionalSubscribers({
          base: stack.base,
          symbol: failing,
          regions: REGIONS,
          count: 5 * REGIONS.length,
          level2Every: 2,
          addressBlock: 61,
        }),
      );
      log(`load: ${loaders.length} traders on both books for ${LOAD_SECONDS} s; move at 20 %, failover at 45 % …`);
      results.countFrom = Date.now();
      const until = Date.now() + LOAD_SECONDS * 1000;
      let eventsDone = false;
      const stopped = () => eventsDone && Date.now() >= until;
      const loadStart = performance.now();
      const trading = Promise.all(
        loaders.map((t, i) =>
          runTrader(t, i, {
            base: stack.base,
            symbols: [moving, failing],
            httpInflight: 1,
            wsInflight: 0,
            results,
            stopped,
          }),
        ),
      );
      const marks = {
        start: snapshot(results.errors),
        handoff: snapshot(results.errors),
        failover: snapshot(results.errors),
      };
      const events = (async () => {
        try {
          await sleep(LOAD_SECONDS * 200);
          marks.handoff = snapshot(results.errors);
          log(`  moving ${moving}'s book ${HOME} → ${MOVE_TO} …`);
          const handoff = await moveBook(stack.base, moving, MOVE_TO);
          log(`  moved: ${JSON.stringify(handoff)}`);
          await sleep(Math.max(0, loadStart + LOAD_SECONDS * 450 - performance.now()));
          marks.failover = snapshot(results.errors);
          const fo = await failover({
            base: stack.base,
            symbol: failing,
            to: FAILOVER_TO,
            outageMs: OUTAGE_MS,
            afterMs: FAILOVER_AFTER_MS,
            prober,
            results,
            log,
          });
          if (fo.note) log(`  failover: ${fo.note}`);
          return { handoff, failover: fo };
        } finally {
          eventsDone = true;
        }
      })();
      const progress = setInterval(() => log(`  ${results.places + results.cancels} order requests answered`), 10_000);
      const [, happened] = await Promise.all([trading, events]).finally(() => clearInterval(progress));
      const loadSeconds = (performance.now() - loadStart) / 1000;
      const end = snapshot(results.errors);
      log("load over; every account cancels all, then the reconciliation …");
      const undecided = await cancelEverything(traders);
      if (undecided) log(`  ${undecided} accounts could not cancel all`);
      const rec = await reconcile({
        base: stack.base,
        db: { DATABASE_URL: stack.databaseUrl, NEON_WS_PROXY: stack.neonWsProxy },
        symbols: [moving, failing],
        traders,
        deposits,
        results,
        subscribers: pools.flatMap((p) => p.subscribers),
        deadlineMs: 90_000,
        log,
      });
      return {
        relays: latency.run,
        ...happened,
        refusals: {
          before: diff(marks.handoff, marks.start),
          handoff: diff(marks.failover, marks.handoff),
          failover: diff(end, marks.failover),
        },
        load: {
          seconds: Math.round(loadSeconds * 10) / 10,
          orders_per_s: Math.round((results.places + results.cancels) / loadSeconds),
          unresolved: results.unresolved,
        },
        rec,
      };
    } finally {
      for (const p of pools) p.close();
    }
  });
}

/** Stack B: relays off; the same latency run. */
function runB(): Promise<LatencyRun> {
  return withStack(false, async (stack) => {
    const run = String(Date.now() % 1_000_000);
    const [symbol] = instrumentSymbols(run, 1) as [string];
    await listHomed(stack.base, [symbol]);
    const { traders } = await createTraders(stack.base, run, 2, [symbol]);
    const [seller, buyer] = traders as [Trader, Trader];
    const latency = await latencyRun({
      base: stack.base,
      regions: REGIONS,
      perRegion: PER_REGION,
      seconds: LATENCY_SECONDS,
      symbol,
      pairsPerSecond: RATE,
      seller,
      buyer,
      results: new LoadResults(),
      tag: "geoB",
      addressBlock: 60,
      log,
    });
    latency.pool.close();
    log(`  relays off: ${JSON.stringify(latency.run.regions)}`);
    return latency.run;
  });
}

async function main(): Promise<number> {
  onSignals();
  process.env.WRANGLER_SEND_METRICS = "false";
  log(
    `bench:geo${short ? " --short" : ""}: regions ${REGIONS.join(", ")} (home ${HOME}); ${PER_REGION} subscribers per region; fan-out 10 → ${SUBSCRIBERS}`,
  );
  const a = await runA();
  const direct = await runB();
  log(`fan-out cost: 10 then ${SUBSCRIBERS} subscribers, relays on …`);
  let fanout: FanoutResult | null = null;
  let fanoutError: string | null = null;
  try {
    fanout = await runFanout({
      regions: REGIONS,
      geoVars: geoVars(REGIONS),
      small: 10,
      large: SUBSCRIBERS,
      trades: FANOUT_TRADES,
      rate: FANOUT_RATE,
      samplingUs: 100,
      profileDir: args["profile-dir"],
      verbose: args.verbose,
      log,
    });
  } catch (err) {
    fanoutError = `the fan-out phase failed: ${(err as Error).message}`;
    log(fanoutError);
  }

  const failures: string[] = [];
  const rec = a.rec;
  if (rec.lost || rec.doubled || rec.seq_gaps || !rec.conserved || rec.ledger_mismatches) {
    failures.push("the reconciliation is not exact");
  }
  if (a.load.unresolved) failures.push(`${a.load.unresolved} requests undecided after every retry`);
  // The replay route compares the journal with each instrument's current book (its epoch).
  if (!rec.replay_equal) failures.push("the journal's replay differs from the live state");
  if (!a.handoff.moved) failures.push(`the hand-off failed: ${a.handoff.error}`);
  if (a.failover.rto_s === null || a.failover.verified !== true)
    failures.push(`the failover failed: ${a.failover.note}`);
  if (direct.troubled) failures.push(`${direct.troubled} sockets of the direct run saw a gap, resync or close`);
  if (fanoutError) failures.push(fanoutError);
  if (fanout && !(fanout.small.delivered && fanout.large.delivered))
    failures.push("fan-out: not every frame reached every socket");

  const results: GeoResults = {
    regions: REGIONS,
    oneWay: oneWayFromHome(REGIONS),
    relays: a.relays,
    direct,
    fanout,
    fanoutError,
    handoff: a.handoff,
    failover: a.failover,
    refusals: a.refusals,
    load: a.load,
    rec,
    model: model({
      regions: REGIONS,
      perRegion: PER_REGION,
      latencySeconds: LATENCY_SECONDS,
      pairsPerSecond: RATE,
      loadSeconds: LOAD_SECONDS,
      accounts: ACCOUNTS,
      fanoutTrades: FANOUT_TRADES,
      fanoutRate: FANOUT_RATE,
      outageMs: OUTAGE_MS,
    }),
    notes: [
      ...notes(),
      ...(fanout?.error ? [`fan-out: ${fanout.error}`] : []),
      ...(a.failover.rto_s === null ? [`failover: ${a.failover.note}`] : []),
    ],
    failures,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  process.stderr.write(`\n${formatResults(results)}\n`);
  for (const f of failures) process.stderr.write(`FAIL: ${f}\n`);
  process.stderr.write(failures.length ? "bench:geo FAILED\n" : "bench:geo OK: everything reconciles\n");
  if (args.json) process.stdout.write(`${JSON.stringify(resultJson(results))}\n`);
  return failures.length ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  log(`bench:geo: ${(err as Error).stack ?? err}`);
}
stopServer();
process.exit(code);
