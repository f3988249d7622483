/**
 * `POST /v1/admin/replay` (operator): the journal proves the live state, with fresh objects.
 *
 * In the Worker: reads each instrument's `book` journal and each account's ledger entries
 * from Postgres (`shared/replay/source.ts`), folds them (`foldBook`, `foldLedger`), restores
 * them into fresh objects (an OrderBook `replay:<symbol>:<epoch ms>` through
 * `restoreFromReplay(spec, replaySnapshot(...))`, an Account `replay-<account>-<epoch ms>`
 * through `restoreFromReplay(name, ledgerSnapshot(...))`), then asks the fresh and the live
 * objects the same questions through the same RPCs (`book(3, …)`, `balances()`) and
 * reports every difference. The fresh book is saved `halted`, so nothing can trade on it.
 * Without `DATABASE_URL`: 503 `history_unavailable`.
 */
import { accountStub } from "../../../durable-objects/account/stub.ts";
import { registryStub } from "../../../durable-objects/instrument-registry/index.ts";
import { orderBookStub } from "../../../durable-objects/order-book/stub.ts";
import { type DbEnv, hasDatabase } from "../../../shared/db/neon.ts";
import type { Instrument } from "../../../shared/instruments/schema.ts";
import { ENGINE_OPTIONS, InstrumentUnits } from "../../../shared/instruments/units.ts";
import { type BookJournalEvent, foldBook } from "../../../shared/replay/book.ts";
import { diffBalances, diffBook, type ReplayDb } from "../../../shared/replay/index.ts";
import { foldLedger, type LedgerJournalEntry, ledgerSnapshot } from "../../../shared/replay/ledger.ts";
import { replaySnapshot } from "../../../shared/replay/restore.ts";
import { accountLedger, bookJournal, journalInstruments, ledgerAccounts } from "../../../shared/replay/source.ts";
import type { Env } from "../env.ts";
import { readPostgres, retryAfterSeconds } from "../history/postgres-reads.ts";
import { replayJournal } from "../openapi/contracts/replay.ts";
import { createRouter } from "../openapi/router.ts";
import { problemException } from "../problem.ts";

export const replayRoutes = createRouter();

/** Depth asked of both books: every resting order. */
const ALL = Number.MAX_SAFE_INTEGER;

export interface BookReplayResult {
  instrument: string;
  equal: boolean;
  fresh_object: string | null;
  events: number;
  seq: number;
  bids: number;
  asks: number;
  stops: number;
  differences: string[];
}

export interface AccountReplayResult {
  account: string;
  equal: boolean;
  fresh_object: string | null;
  entries: number;
  differences: string[];
}

replayRoutes.openapi(replayJournal, async (c) => {
  const env: DbEnv = c.env;
  if (!hasDatabase(env)) {
    throw problemException(
      "history_unavailable",
      "Replay needs the journal: no Postgres is configured (DATABASE_URL).",
      { extensions: { instance: c.req.path } },
    );
  }
  const body = c.req.valid("json");
  // The journal first, on one connection closed before the objects are asked anything.
  let journals: { books: Map<string, BookJournalEvent[]>; ledgers: Map<string, LedgerJournalEntry[]> };
  try {
    journals = await readPostgres(env, async (client) => {
      const db: ReplayDb = { query: async (text, params) => ({ rows: (await client.query(text, params)).rows }) };
      const books = new Map<string, BookJournalEvent[]>();
      for (const symbol of body.instruments ?? (await journalInstruments(db))) {
        books.set(symbol, await bookJournal(db, symbol));
      }
      const ledgers = new Map<string, LedgerJournalEntry[]>();
      for (const account of body.accounts ?? (await ledgerAccounts(db))) {
        ledgers.set(account, await accountLedger(db, account));
      }
      return { books, ledgers };
    });
  } catch (err) {
    console.error(
      JSON.stringify({
        level: "error",
        msg: "replay: postgres unavailable",
        request_id: c.get("requestId") ?? null,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
    throw problemException("history_unavailable", "The journal could not be read (the database did not answer).", {
      headers: { "retry-after": String(retryAfterSeconds(err)) },
      extensions: { instance: c.req.path },
    });
  }
  const stamp = Date.now();
  const books: BookReplayResult[] = [];
  for (const [symbol, events] of journals.books) books.push(await replayBookInto(c.env, symbol, events, stamp));
  const accounts: AccountReplayResult[] = [];
  for (const [account, entries] of journals.ledgers) {
    accounts.push(await replayAccountInto(c.env, account, entries, stamp));
  }
  const equal = books.every((b) => b.equal) && accounts.every((a) => a.equal);
  return c.json({ equal, books, accounts }, 200);
});

/** One instrument: folded, restored into `replay:<symbol>:<stamp>`, and its L3 compared with the live book's. */
export async function replayBookInto(
  env: Env,
  symbol: string,
  events: BookJournalEvent[],
  stamp: number,
): Promise<BookReplayResult> {
  const rebuilt = foldBook(events);
  const out: BookReplayResult = {
    instrument: symbol,
    equal: false,
    fresh_object: null,
    events: rebuilt.events,
    seq: rebuilt.seq,
    bids: rebuilt.bids.length,
    asks: rebuilt.asks.length,
    stops: rebuilt.stops.length,
    differences: [...rebuilt.problems],
  };
  const spec: Instrument | null = await registryStub(env.INSTRUMENTS).get(symbol);
  if (spec === null) {
    out.differences.push("the registry does not know this instrument");
    return out;
  }
  const name = `replay:${symbol}:${stamp}`;
  try {
    const { snapshot, skipped } = replaySnapshot(rebuilt, new InstrumentUnits(spec), ENGINE_OPTIONS, stamp);
    out.differences.push(...skipped.map((s) => `not restored: ${s}`));
    const fresh = env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(name));
    const restored = await fresh.restoreFromReplay({ ...spec, status: "halted" }, snapshot, {
      seq: rebuilt.seq,
      level2: rebuilt.level_events,
      trades: rebuilt.trade_events,
    });
    if (!restored.ok) {
      out.differences.push(`${name}: ${restored.message}`);
      return out;
    }
    out.fresh_object = name;
    // The instrument's current book: after a move or a failover, its latest epoch.
    const live = orderBookStub(env.ORDER_BOOK, spec);
    const [a, b] = await Promise.all([fresh.book(3, ALL), live.book(3, ALL)]);
    const view = (v: typeof a) => ({ bids: v.bids as never, asks: v.asks as never });
    out.differences.push(...diffBook(view(a), view(b)).map((d) => d.replace(": journal ", ": fresh ")));
  } catch (err) {
    out.differences.push(`restore failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  out.equal = out.differences.length === 0;
  return out;
}

/** One account: folded, restored into `replay-<account>-<stamp>`, and its balances compared with the live ones. */
export async function replayAccountInto(
  env: Env,
  account: string,
  entries: LedgerJournalEntry[],
  stamp: number,
): Promise<AccountReplayResult> {
  const rebuilt = foldLedger(entries);
  const out: AccountReplayResult = {
    account,
    equal: false,
    fresh_object: null,
    entries: rebuilt.entry,
    differences: [...rebuilt.problems],
  };
  const name = `replay-${account}-${stamp}`;
  try {
    const fresh = accountStub(env.ACCOUNT, name);
    const restored = await fresh.restoreFromReplay(name, ledgerSnapshot(entries));
    if (!restored.ok) {
      out.differences.push(`${name}: ${restored.message}`);
      return out;
    }
    out.fresh_object = name;
    const [a, b] = await Promise.all([fresh.balances(name), accountStub(env.ACCOUNT, account).balances(account)]);
    if (!a.ok) out.differences.push(`${name}: ${a.message}`);
    else if (!b.ok) out.differences.push("the live account does not exist");
    else out.differences.push(...diffBalances(a.balances, b.balances).map((d) => d.replace(": journal ", ": fresh ")));
  } catch (err) {
    out.differences.push(`restore failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  out.equal = out.differences.length === 0;
  return out;
}
