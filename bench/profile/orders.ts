/**
 * `npm run profile:orders`: where an order's CPU goes, by component and by SQL statement.
 *
 *   npm run profile:orders -- [--orders 2000] [--accounts 8] [--concurrency 16]
 *                             [--subscribers 20] [--phase orders|noop|graphql|connect] [--open-orders 0]
 *                             [--backlog 0] [--storage ram|disk] [--out orders.cpuprofile]
 *                             [--json] [--verbose]
 *
 * Starts the Worker and its objects in workerd (Miniflare, one isolate, one thread: the
 * edge and every object), with `SQL_PROFILE` on, lists an instrument, funds `--accounts`
 * traders and opens `--subscribers` market-data sockets (level2 + trades), warms up, then
 * records a V8 CPU profile from workerd's inspector while `--orders` limit orders go
 * through `POST /v1/orders` (`--concurrency` in flight; sides alternate around 100.00,
 * so about half cross and settle on both sides). Prints CPU µs per order:
 * - by component: the edge's auth, rate limit, validation, logging, framework and route;
 *   each object's JavaScript and its SQLite; the feed shards; the queue consumer; GC and
 *   native work outside JavaScript (`(program)`: I/O, RPC, storage commits);
 * - SQLite by table, and by statement with its calls, rows read and rows written per order.
 * `--open-orders N` first rests N orders on each account (never trading) and `--backlog N`
 * fills the book's log and outbox with N rows, to profile a venue that has filled up.
 * `--phase noop` profiles `POST /v1/bench/noop` instead (the same edge, one no-op object
 * call): the floor every request pays; `--phase graphql` and `--phase connect` place the
 * same orders through GraphQL `placeOrder` and Connect `PlaceOrder`.
 * `--json` prints the same as one JSON line (the last line of stdout). The raw profile is
 * written to `--out` (default `.wrangler/profile-orders.cpuprofile`): open it in Chrome
 * DevTools (Performance → Load profile) or https://www.speedscope.app.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { load, type Phase } from "../orders/http-load.ts";
import { BENCH_RATE_LIMITS, createTraders, listInstrument, SYMBOL } from "../orders/setup.ts";
import { seedBacklog, topUp } from "../orders/states.ts";
import { openSubscribers } from "../orders/subscribers.ts";
import { freePort, parseStorage, startServer, stopServer } from "../runtime.ts";
import { formatReport } from "./report.ts";
import { bundleMap, profiled } from "./run.ts";

const { values: args } = parseArgs({
  options: {
    orders: { type: "string", default: "2000" },
    accounts: { type: "string", default: "8" },
    concurrency: { type: "string", default: "16" },
    subscribers: { type: "string", default: "20" },
    phase: { type: "string", default: "orders" },
    "open-orders": { type: "string", default: "0" },
    backlog: { type: "string", default: "0" },
    storage: { type: "string", default: "ram" },
    out: { type: "string", default: join(import.meta.dirname, "..", "..", ".wrangler", "profile-orders.cpuprofile") },
    json: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  },
});
const count = (name: keyof typeof args): number => {
  const x = Number(args[name]);
  if (!Number.isSafeInteger(x) || x < 0) throw new Error(`--${name} must be a whole number, got ${args[name]}`);
  return x;
};
const log = (msg: string) => process.stderr.write(`[profile:orders] ${msg}\n`);

async function main(): Promise<void> {
  const orders = count("orders");
  const which = args.phase as Phase;
  if (!["orders", "noop", "graphql", "connect"].includes(which)) {
    throw new Error(`--phase is orders, noop, graphql or connect, got ${args.phase}`);
  }
  const inspectorPort = await freePort();
  log("starting miniflare with SQL_PROFILE …");
  const server = await startServer({
    runtime: "miniflare",
    storage: parseStorage(args.storage),
    inspectorPort,
    verbose: args.verbose,
    label: "profile-orders",
    vars: { BENCH_ROUTES: "true", SQL_PROFILE: "true", MAX_OPEN_ORDERS: "1000000", RATE_LIMITS: BENCH_RATE_LIMITS },
  });
  try {
    await listInstrument(server.base, SYMBOL);
    const traders = await createTraders(server.base, count("accounts"), "prof");
    const subscribers = await openSubscribers(server.base, SYMBOL, count("subscribers"));
    const phase = { seconds: 600, concurrency: count("concurrency"), symbol: SYMBOL };
    if (count("open-orders") > 0) {
      log(`resting ${count("open-orders")} orders on each account …`);
      await topUp(server.base, traders, new Map(), count("open-orders"), SYMBOL);
    }
    if (count("backlog") > 0) await seedBacklog(server.base, SYMBOL, count("backlog"));
    log(`${traders.length} accounts funded, ${subscribers.size} subscribers; warming up …`);
    await load(server.base, "orders", traders, { ...phase, requests: Math.max(200, orders / 4) });
    log(`profiling ${orders} orders …`);
    mkdirSync(dirname(args.out), { recursive: true });
    const { result, report } = await profiled(
      server,
      inspectorPort,
      bundleMap(server),
      async () => {
        const r = await load(server.base, which, traders, { ...phase, requests: orders });
        return { ...r, operations: which === "orders" ? r.orders : r.ok };
      },
      { file: args.out },
    );
    subscribers.close();
    if (result.errors > 0) throw new Error(`${result.errors} orders failed`);
    process.stdout.write(`${formatReport(report)}\n\n  profile: ${args.out}\n`);
    if (args.json)
      process.stdout.write(`${JSON.stringify({ ...report, orders_per_s: Math.round(result.perSecond) })}\n`);
  } finally {
    stopServer();
  }
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  stopServer();
  process.exit(1);
});
