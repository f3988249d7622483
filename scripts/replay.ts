/**
 * `npm run replay`: rebuilds every instrument's book and every account's balances
 * from the Postgres journal and proves them equal to the live objects.
 *
 *   npm run dev                                  # in another terminal (or any deployment)
 *   npm run replay                               # local API, local database, everything
 *   npm run replay -- --instrument BTC-USD --instrument ETH-USD
 *   npm run replay -- --url https://api.example.com --token "$OPERATOR_TOKEN" --database-url "$DATABASE_URL"
 *
 * Books: the `book` journal of each instrument folded in `seq` order
 * (`shared/replay/book.ts`), compared with `GET /v1/instruments/{symbol}/book?level=3`
 * (order ids, prices, remaining sizes, queue order), and used to seed a fresh matching
 * engine whose book must be the same (`shared/replay/restore.ts`). Balances: each
 * account's `ledger_entries` folded in `entry_id` order with every running sum checked
 * (`shared/replay/ledger.ts`), compared with `GET /v1/admin/accounts/{account}/balances`.
 * A difference is re-read a few times (`--attempts`, with exponential backoff and full jitter between reads): the pipeline delivers
 * a moment after the objects commit. Prints "equal" or the differences; exit code 0
 * when everything is equal, 1 on any difference, 2 when it could not run.
 *
 * By default the comparison runs in the API (`POST /v1/admin/replay`): the Worker reads the
 * journal, restores it into fresh OrderBook and Account objects and compares their answers
 * with the live objects'. `--local` runs the comparison here instead (the database read
 * directly, the live objects through the public API, the fresh engine in Node).
 *
 * Options: `--url` (default http://127.0.0.1:8787), `--token` (operator token; default
 * $OPERATOR_TOKEN, else the development token), `--database-url` (default $DATABASE_URL,
 * else the local `npm run dev` database), `--instrument` and `--account` (repeatable;
 * default every one in the journal), `--attempts` (default 5), `--json` (the report as JSON), `--local`.
 * The Neon driver needs a WebSocket proxy: Neon's own for a Neon URL; `NEON_WS_PROXY` when
 * set; for a Postgres on loopback the script starts its own bridge.
 */
import { parseArgs } from "node:util";
import { withClient } from "../shared/db/neon.ts";
import type { Instrument } from "../shared/instruments/schema.ts";
import { InstrumentUnits } from "../shared/instruments/units.ts";
import { foldBook } from "../shared/replay/book.ts";
import { diffBook, type LiveSource, type ReplayDb, type ReplayReport, replay } from "../shared/replay/index.ts";
import { restoreEngine } from "../shared/replay/restore.ts";
import { bookJournal } from "../shared/replay/source.ts";
import { fullJitter } from "../shared/resilience/backoff.ts";
import { type NeonWsBridge, startNeonWsBridge } from "./neon-ws-bridge.ts";
import { LOCAL_DATABASE_URL } from "./pg-local.ts";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:8787" },
    token: { type: "string" },
    "database-url": { type: "string" },
    instrument: { type: "string", multiple: true },
    account: { type: "string", multiple: true },
    attempts: { type: "string", default: "5" },
    json: { type: "boolean", default: false },
    local: { type: "boolean", default: false },
  },
});

const apiUrl = values.url.replace(/\/+$/, "");
const token = values.token ?? process.env.OPERATOR_TOKEN ?? "dev-operator-token";
const databaseUrl = values["database-url"] ?? process.env.DATABASE_URL ?? LOCAL_DATABASE_URL;

async function api<T>(path: string, auth = false): Promise<T | null> {
  const headers: Record<string, string> = { "cache-control": "no-cache", accept: "application/json" };
  if (auth) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${apiUrl}${path}`, { headers });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const live: LiveSource = {
  book: (symbol) =>
    api<{ bids: []; asks: [] }>(`/v1/instruments/${encodeURIComponent(symbol)}/book?level=3&depth=1000`),
  balances: async (account) => {
    const view = await api<{ balances: [] }>(`/v1/admin/accounts/${encodeURIComponent(account)}/balances`, true);
    return view === null ? null : view.balances;
  },
};

/** The environment the Neon driver reads, with a bridge of our own for a loopback Postgres. */
async function dbEnv(): Promise<{ env: { DATABASE_URL: string; NEON_WS_PROXY?: string }; bridge?: NeonWsBridge }> {
  const url = new URL(databaseUrl);
  if (process.env.NEON_WS_PROXY)
    return { env: { DATABASE_URL: databaseUrl, NEON_WS_PROXY: process.env.NEON_WS_PROXY } };
  if (!LOOPBACK.has(url.hostname)) return { env: { DATABASE_URL: databaseUrl } };
  const bridge = await startNeonWsBridge({ pgHost: url.hostname, pgPort: Number(url.port || 5432) });
  return { env: { DATABASE_URL: databaseUrl, NEON_WS_PROXY: bridge.wsProxy }, bridge };
}

function print(report: ReplayReport, restored: Map<string, string[]>): void {
  for (const b of report.books) {
    const extra = restored.get(b.instrument) ?? [];
    const equal = b.equal && extra.length === 0;
    console.log(
      `book ${b.instrument}: ${equal ? "equal" : "DIFFERENT"} (${b.events} events to seq ${b.seq}; ` +
        `${b.bids} bids, ${b.asks} asks, ${b.stops} stops)`,
    );
    for (const line of [...b.diff, ...extra]) console.log(`  ${line}`);
  }
  for (const a of report.accounts) {
    const shown = a.balances.map((x) => `${x.asset} ${x.total} (hold ${x.hold})`).join(", ") || "no balances";
    console.log(`account ${a.account}: ${a.equal ? "equal" : "DIFFERENT"} (${a.entries} entries; ${shown})`);
    for (const line of a.diff) console.log(`  ${line}`);
  }
}

interface RouteReport {
  equal: boolean;
  books: Array<{
    instrument: string;
    equal: boolean;
    fresh_object: string | null;
    events: number;
    seq: number;
    bids: number;
    asks: number;
    stops: number;
    differences: string[];
  }>;
  accounts: Array<{
    account: string;
    equal: boolean;
    fresh_object: string | null;
    entries: number;
    differences: string[];
  }>;
}

/** Default: `POST /v1/admin/replay`, which restores the journal into fresh objects and compares them. */
async function viaRoute(): Promise<number> {
  const body: Record<string, string[]> = {};
  if (values.instrument) body.instruments = values.instrument;
  if (values.account) body.accounts = values.account;
  const attempts = Number(values.attempts) || 5;
  let report: RouteReport | undefined;
  for (let i = 0; i < attempts && !report?.equal; i++) {
    // Exponential backoff with full jitter (1 s, 2 s, 4 s … at most 8 s, each drawn from 0 up), plus 250 ms.
    if (i > 0) await new Promise((r) => setTimeout(r, 250 + fullJitter(i - 1, 1_000, 8_000)));
    const res = await fetch(`${apiUrl}/v1/admin/replay`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST /v1/admin/replay: ${res.status} ${await res.text()}`);
    report = (await res.json()) as RouteReport;
  }
  const r = report as RouteReport;
  if (values.json) console.log(JSON.stringify(r, null, 2));
  else {
    for (const b of r.books) {
      console.log(
        `book ${b.instrument}: ${b.equal ? "equal" : "DIFFERENT"} (${b.events} events to seq ${b.seq}; ` +
          `${b.bids} bids, ${b.asks} asks, ${b.stops} stops; fresh object ${b.fresh_object ?? "none"})`,
      );
      for (const line of b.differences) console.log(`  ${line}`);
    }
    for (const a of r.accounts) {
      console.log(
        `account ${a.account}: ${a.equal ? "equal" : "DIFFERENT"} (${a.entries} entries; fresh object ${a.fresh_object ?? "none"})`,
      );
      for (const line of a.differences) console.log(`  ${line}`);
    }
    console.log(
      r.equal
        ? `equal: ${r.books.length} books and ${r.accounts.length} accounts restored from the journal into fresh objects match the live objects`
        : "DIFFERENT: see above",
    );
  }
  return r.equal ? 0 : 1;
}

async function main(): Promise<number> {
  if (!values.local) return viaRoute();
  const { env, bridge } = await dbEnv();
  try {
    // One connection for the whole run.
    return await withClient(env, async (client) => {
      const db: ReplayDb = { query: async (text, params) => ({ rows: (await client.query(text, params)).rows }) };
      const report = await replay(db, live, {
        instruments: values.instrument,
        accounts: values.account,
        attempts: Number(values.attempts) || 5,
      });
      // Each rebuilt book also seeds a fresh engine, whose book must be the same.
      const restored = new Map<string, string[]>();
      for (const b of report.books) {
        const spec = await api<Instrument>(`/v1/instruments/${encodeURIComponent(b.instrument)}`);
        if (spec === null) continue;
        const rebuilt = foldBook(await bookJournal(db, b.instrument));
        const fresh = restoreEngine(rebuilt, new InstrumentUnits(spec));
        const problems = [
          ...fresh.rejected.map((r) => `fresh engine refused ${r}`),
          ...diffBook(rebuilt, fresh.l3).map((d) => `fresh engine: ${d.replace("live", "restored")}`),
        ];
        if (problems.length > 0) restored.set(b.instrument, problems);
      }
      const equal = report.equal && restored.size === 0;
      if (values.json)
        console.log(JSON.stringify({ ...report, equal, restore: Object.fromEntries(restored) }, null, 2));
      else {
        print(report, restored);
        console.log(
          equal
            ? `equal: ${report.books.length} books and ${report.accounts.length} accounts rebuilt from the journal match the live objects`
            : "DIFFERENT: see above",
        );
      }
      return equal ? 0 : 1;
    });
  } finally {
    await bridge?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`replay: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
