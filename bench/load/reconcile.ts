/**
 * The load run's reconciliation, after the traders stopped and every account
 * cancelled what it had open: the books, the accounts (ledgers), Postgres and
 * every subscriber must tell the same story.
 *
 * - lost: an acknowledged order the account or Postgres does not know; a trade of a
 *   book missing from Postgres, a fill missing (two per trade), a trade a
 *   subscriber never got; an order left resting on a book after cancel-all.
 * - doubled: an order the account holds twice or that nobody acknowledged (when no
 *   request was left undecided), a fill stored twice, a trade a subscriber got twice.
 * - seq_gaps: a stream message whose `first_seq` is not the last `seq` + 1, a resync,
 *   a socket closed under a subscriber.
 * - conserved: per asset, Σ balances + fees collected = deposits, and no holds left.
 * - ledger: every account's balances equal its last ledger entry per asset in Postgres.
 * - replay: `POST /v1/admin/replay` rebuilds every book and account from the Postgres
 *   journal into fresh objects and finds them equal to the live ones.
 * Postgres trails the objects by the pipeline's delay: the checks that read it are
 * repeated until they agree or `deadlineMs` passes.
 */
import { withClient } from "../../shared/db/neon.ts";
import { fullJitter } from "../../shared/resilience/backoff.ts";
import {
  type AccountBalances,
  type Balances,
  type Book,
  type FeesSummary,
  type Http,
  type Order,
  type OrderPage,
  type ReplayReport,
  sleep,
  type TradesPage,
} from "../../test/client/index.ts";
import type { Deposits, Trader } from "./setup.ts";
import { client, OPERATOR } from "./setup.ts";
import type { Subscriber } from "./subscribers.ts";
import type { LoadResults } from "./traders.ts";

export interface Reconciliation {
  lost: number;
  doubled: number;
  seq_gaps: number;
  conserved: boolean;
  ledger_mismatches: number;
  replay_equal: boolean;
  trades: number;
  orders: number;
  /** Each discrepancy, in words (at most 50). */
  problems: string[];
}

const SCALE = 8;
/** Exact decimal → integer units at 8 fraction digits. */
function units(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(s));
  if (!m) throw new Error(`not a decimal: ${s}`);
  const v = BigInt(m[2] as string) * 10n ** BigInt(SCALE) + BigInt((m[3] ?? "").padEnd(SCALE, "0").slice(0, SCALE));
  return m[1] ? -v : v;
}

/** Every order of the trader (`GET /v1/orders`, page by page). */
async function allOrders(http: Http): Promise<Order[]> {
  const out: Order[] = [];
  let cursor: string | null = null;
  do {
    const page: OrderPage = await http.get<OrderPage>(
      `/v1/orders?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    out.push(...page.orders);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

/** Cancels everything each trader has open (retrying what a crash left undecided); returns undecided accounts. */
export async function cancelEverything(traders: readonly Trader[]): Promise<number> {
  let undecided = 0;
  await Promise.all(
    traders.map(async (t) => {
      for (let attempt = 1; attempt <= 30; attempt++) {
        const a = await t.http.call("DELETE", "/v1/orders", undefined, { "idempotency-key": `end-${attempt}` });
        if (a.status === 200) return;
        await sleep(fullJitter(attempt - 1, 250, 5_000)); // exponential backoff, full jitter
      }
      undecided++;
    }),
  );
  return undecided;
}

export async function reconcile(o: {
  base: string;
  db: { DATABASE_URL: string; NEON_WS_PROXY: string };
  symbols: readonly string[];
  traders: readonly Trader[];
  deposits: Deposits;
  results: LoadResults;
  subscribers: readonly Subscriber[];
  deadlineMs: number;
  log: (line: string) => void;
}): Promise<Reconciliation> {
  const problems: string[] = [];
  const problem = (line: string): void => {
    if (problems.length < 50) problems.push(line);
  };
  let lost = 0;
  let doubled = 0;
  const pub = client(o.base);
  const admin = client(o.base, OPERATOR);

  // ── the books: trades so far, and nothing left resting ─────────────────────
  const tradesByBook = new Map<string, number>();
  for (const symbol of o.symbols) {
    const recent = await pub.get<TradesPage>(`/v1/instruments/${symbol}/trades`);
    tradesByBook.set(symbol, Math.max(0, ...recent.trades.map((t) => t.trade_id)));
    const book = await pub.get<Book>(`/v1/instruments/${symbol}/book?level=3&depth=1000`);
    const resting = book.bids.length + book.asks.length;
    if (resting > 0) {
      lost += resting;
      problem(`${symbol}: ${resting} orders still resting after every account cancelled all`);
    }
  }
  const trades = [...tradesByBook.values()].reduce((a, b) => a + b, 0);

  // ── the accounts: every acknowledged order, once, done ──────────────────────
  const ordersByAccount = new Map<string, Order[]>();
  for (const t of o.traders) ordersByAccount.set(t.account, await allOrders(t.http));
  const known = new Map<string, Order>();
  for (const [account, orders] of ordersByAccount) {
    const clientIds = new Set<string>();
    for (const order of orders) {
      if (clientIds.has(order.client_order_id)) {
        doubled++;
        problem(`${account}: client_order_id ${order.client_order_id} twice`);
      }
      clientIds.add(order.client_order_id);
      known.set(order.order_id, order);
      if (!["filled", "cancelled", "rejected", "expired"].includes(order.status)) {
        lost++;
        problem(`${account}: order ${order.order_id} still ${order.status} after cancel-all`);
      }
    }
  }
  for (const [orderId, acked] of o.results.acked) {
    if (!known.has(orderId)) {
      lost++;
      problem(`acknowledged order ${orderId} (${acked.account}) unknown to its account`);
    }
  }
  if (o.results.unresolved === 0) {
    for (const [orderId, order] of known) {
      if (!o.results.acked.has(orderId)) {
        doubled++;
        problem(`order ${orderId} (${order.client_order_id}) exists but was never acknowledged`);
      }
    }
  }

  // ── Postgres, polled until it has caught up ────────────────────────────────
  const accounts = o.traders.map((t) => t.account);
  const deadline = Date.now() + o.deadlineMs;
  let pg = await postgresView(o.db, o.symbols, accounts, tradesByBook, known, o.results, o.traders);
  while (pg.lost + pg.doubled + pg.ledger > 0 && Date.now() < deadline) {
    await sleep(1_000);
    pg = await postgresView(o.db, o.symbols, accounts, tradesByBook, known, o.results, o.traders);
  }
  lost += pg.lost;
  doubled += pg.doubled;
  for (const p of pg.problems) problem(p);

  // ── subscribers: every trade once, in sequence ────────────────────────────
  let seqGaps = 0;
  for (const [i, s] of o.subscribers.entries()) {
    seqGaps += s.gaps + s.interruptions + (s.socket.isClosed ? 1 : 0);
    const expected = { n: 0, sum: 0 };
    for (const id of pg.tradeIds.get(s.instrument) ?? []) {
      if (id > s.after) {
        expected.n++;
        expected.sum += id;
      }
    }
    if (s.trades < expected.n) lost += expected.n - s.trades;
    if (s.trades > expected.n) doubled += s.trades - expected.n;
    if (s.trades !== expected.n || s.tradeIdSum !== expected.sum) {
      problem(
        `subscriber ${i} (${s.instrument}): ${s.trades} trades (id sum ${s.tradeIdSum}), Postgres ${expected.n} (${expected.sum})`,
      );
    }
    if (s.gaps || s.interruptions || s.socket.isClosed) {
      problem(
        `subscriber ${i}: ${s.gaps} gaps, ${s.interruptions} resyncs/errors${s.socket.isClosed ? `, closed ${s.socket.closeCode}` : ""}`,
      );
    }
  }

  // ── money: balances + fees = deposits, no holds ───────────────────────────
  let conserved = false;
  for (;;) {
    const totals = new Map<string, bigint>();
    let holds = 0n;
    for (const account of accounts) {
      const { balances } = await admin.get<AccountBalances>(`/v1/admin/accounts/${account}/balances`);
      for (const b of balances) {
        totals.set(b.asset, (totals.get(b.asset) ?? 0n) + units(b.total));
        holds += units(b.hold) < 0n ? -units(b.hold) : units(b.hold);
      }
    }
    const fees = await admin.get<FeesSummary>("/v1/admin/fees");
    for (const f of fees.assets) totals.set(f.asset, (totals.get(f.asset) ?? 0n) + units(f.collected));
    const off: string[] = [];
    for (const [asset, amount] of o.deposits) {
      const want = units(amount) * BigInt(accounts.length);
      if (totals.get(asset) !== want)
        off.push(`${asset}: Σ balances + fees ${totals.get(asset)} ≠ deposits ${want} (units of 1e-8)`);
    }
    if (holds !== 0n) off.push(`holds left after cancel-all: ${holds}`);
    conserved = off.length === 0;
    if (conserved || Date.now() > deadline) {
      for (const p of off) problem(p);
      break;
    }
    await sleep(1_000);
  }

  // ── the journal rebuilds the live state ───────────────────────────────────
  let replayEqual = false;
  for (;;) {
    const report = await admin.call<ReplayReport>("POST", "/v1/admin/replay", {
      instruments: [...o.symbols],
      accounts,
    });
    replayEqual = report.ok && report.status === 200 && report.body.equal === true;
    if (replayEqual || Date.now() > deadline) {
      if (!replayEqual) {
        const differing =
          report.ok && report.status === 200
            ? [...report.body.books, ...report.body.accounts].filter((x) => !x.equal)
            : [report.body ?? report.text];
        problem(`replay from Postgres differs: ${JSON.stringify(differing).slice(0, 500)}`);
      }
      break;
    }
    await sleep(1_000);
  }

  return {
    lost,
    doubled,
    seq_gaps: seqGaps,
    conserved,
    ledger_mismatches: pg.ledger,
    replay_equal: replayEqual,
    trades,
    orders: known.size,
    problems,
  };
}

/** What Postgres holds against the books and accounts. */
async function postgresView(
  dbEnv: { DATABASE_URL: string; NEON_WS_PROXY: string },
  symbols: readonly string[],
  accounts: readonly string[],
  tradesByBook: ReadonlyMap<string, number>,
  known: ReadonlyMap<string, Order>,
  results: LoadResults,
  traders: readonly Trader[],
) {
  const problems: string[] = [];
  let lost = 0;
  let doubled = 0;
  let ledger = 0;
  const tradeIds = new Map<string, number[]>();
  try {
    await withClient(dbEnv, async (db) => {
      const tr = await db.query<{ instrument: string; id: number }>(
        "SELECT instrument, trade_id::int AS id FROM trades WHERE instrument = ANY($1)",
        [symbols],
      );
      for (const row of tr.rows) {
        const ids = tradeIds.get(row.instrument) ?? [];
        ids.push(row.id);
        tradeIds.set(row.instrument, ids);
      }
      for (const [symbol, n] of tradesByBook) {
        const have = tradeIds.get(symbol)?.length ?? 0;
        if (have !== n) {
          lost += Math.max(0, n - have);
          doubled += Math.max(0, have - n);
          problems.push(`Postgres has ${have} trades of ${symbol}, the book made ${n}`);
        }
      }
      const fills = await db.query<{ instrument: string; n: number; distinct_n: number }>(
        `SELECT f.instrument, count(*)::int AS n, count(DISTINCT (f.view->>'trade_id', f.liquidity))::int AS distinct_n
           FROM fills f WHERE f.instrument = ANY($1) GROUP BY f.instrument`,
        [symbols],
      );
      for (const symbol of symbols) {
        const row = fills.rows.find((r) => r.instrument === symbol) ?? { n: 0, distinct_n: 0 };
        const want = 2 * (tradesByBook.get(symbol) ?? 0);
        if (row.n !== row.distinct_n) {
          doubled += row.n - row.distinct_n;
          problems.push(`Postgres has ${row.n - row.distinct_n} duplicate fills of ${symbol}`);
        }
        if (row.distinct_n !== want) {
          lost += Math.max(0, want - row.distinct_n);
          problems.push(`Postgres has ${row.distinct_n} fills of ${symbol}, expected ${want} (two per trade)`);
        }
      }
      const orders = await db.query<{ order_id: string; status: string }>(
        "SELECT order_id, status FROM orders WHERE account_id = ANY($1)",
        [accounts],
      );
      const stored = new Map<string, string>(orders.rows.map((r) => [r.order_id, r.status]));
      let missing = 0;
      let stale = 0;
      for (const [orderId, order] of known) {
        const status = stored.get(orderId);
        if (status === undefined) missing++;
        else if (status !== order.status) stale++;
      }
      for (const orderId of results.acked.keys()) if (!known.has(orderId) && !stored.has(orderId)) missing++;
      if (missing) problems.push(`${missing} orders missing from Postgres`);
      if (stale) problems.push(`${stale} orders with another status in Postgres than in their account`);
      lost += missing + stale;
      const last = await db.query<{ account_id: string; asset: string; balance: string }>(
        `SELECT DISTINCT ON (account_id, asset) account_id, asset, balance::text AS balance
           FROM ledger_entries WHERE account_id = ANY($1) ORDER BY account_id, asset, entry_id DESC`,
        [accounts],
      );
      const ledgerBalance = new Map<string, bigint>(
        last.rows.map((r) => [`${r.account_id}/${r.asset}`, units(r.balance)]),
      );
      for (const t of traders) {
        const { balances } = await t.http.get<Balances>("/v1/accounts/me/balances");
        for (const b of balances) {
          if (ledgerBalance.get(`${t.account}/${b.asset}`) !== units(b.total)) {
            ledger++;
            if (ledger <= 5)
              problems.push(
                `${t.account} ${b.asset}: balance ${b.total}, Postgres ledger ${ledgerBalance.get(`${t.account}/${b.asset}`)}`,
              );
          }
        }
      }
    });
  } catch (err) {
    lost++;
    problems.push(`Postgres: ${(err as Error).message}`);
  }
  return { lost, doubled, ledger, problems, tradeIds };
}
