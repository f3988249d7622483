/**
 * `npm run replay`'s engine: rebuilds every instrument's book and every account's
 * balances from Postgres (`foldBook`, `foldLedger`) and compares them with the live
 * objects (`LiveSource`: the running API, or the objects in a test). Pure apart from
 * the two sources it is given.
 *
 * The pipeline delivers events a moment after the objects commit them, so a live
 * object may be ahead of Postgres: a difference is re-checked (both sides read
 * again) up to `attempts` times, `waitMs` apart, before it is reported.
 */
import { foldBook, type RebuiltBook, type RestingOrder } from "./book.ts";
import { foldLedger, type RebuiltBalance } from "./ledger.ts";
import { accountLedger, bookJournal, journalInstruments, ledgerAccounts, type ReplayDb } from "./source.ts";

export { type BookJournalEvent, foldBook, type RebuiltBook, type RestingOrder } from "./book.ts";
export { foldLedger, type LedgerJournalEntry, type RebuiltBalance, type RebuiltBalances } from "./ledger.ts";
export type { ReplayDb } from "./source.ts";

/** The live side: what the objects say now. */
export interface LiveSource {
  /** The book's resting orders (L3), or null when the instrument is unknown. */
  book(symbol: string): Promise<{ bids: RestingOrder[]; asks: RestingOrder[] } | null>;
  /** The account's balances, or null when the account is unknown. */
  balances(account: string): Promise<RebuiltBalance[] | null>;
}

export interface ReplayOptions {
  /** Instruments to rebuild (default: every one with a book journal). */
  instruments?: readonly string[];
  /** Accounts to rebuild (default: every one with ledger entries); `[]` skips balances. */
  accounts?: readonly string[];
  /** Reads of both sides before a difference counts (default 5). */
  attempts?: number;
  /** Wait between attempts, ms (default 1000). */
  waitMs?: number;
}

export interface BookReport {
  instrument: string;
  /** Journal events folded and the last seq. */
  events: number;
  seq: number;
  bids: number;
  asks: number;
  stops: number;
  equal: boolean;
  /** Journal problems (gaps, inconsistent levels) and differences from the live book. */
  diff: string[];
}

export interface AccountReport {
  account: string;
  entries: number;
  balances: RebuiltBalance[];
  equal: boolean;
  diff: string[];
}

export interface ReplayReport {
  equal: boolean;
  books: BookReport[];
  accounts: AccountReport[];
}

/** Rebuilds and compares everything asked for. */
export async function replay(db: ReplayDb, live: LiveSource, options: ReplayOptions = {}): Promise<ReplayReport> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const waitMs = options.waitMs ?? 1_000;
  const instruments = options.instruments ?? (await journalInstruments(db));
  const accounts = options.accounts ?? (await ledgerAccounts(db));
  const books: BookReport[] = [];
  for (const instrument of instruments) {
    books.push(await settle(attempts, waitMs, () => replayBook(db, live, instrument)));
  }
  const reports: AccountReport[] = [];
  for (const account of accounts) {
    reports.push(await settle(attempts, waitMs, () => replayAccount(db, live, account)));
  }
  return {
    equal: books.every((b) => b.equal) && reports.every((a) => a.equal),
    books,
    accounts: reports,
  };
}

async function settle<R extends { equal: boolean }>(attempts: number, waitMs: number, run: () => Promise<R>) {
  let result = await run();
  for (let i = 1; i < attempts && !result.equal; i++) {
    await new Promise((r) => setTimeout(r, waitMs));
    result = await run();
  }
  return result;
}

/** One instrument: its journal folded, compared with the live L3. */
export async function replayBook(db: ReplayDb, live: LiveSource, instrument: string): Promise<BookReport> {
  const rebuilt = foldBook(await bookJournal(db, instrument));
  const view = await live.book(instrument);
  const diff = [...rebuilt.problems];
  if (view === null) diff.push("the live API does not know this instrument");
  else diff.push(...diffBook(rebuilt, view));
  return {
    instrument,
    events: rebuilt.events,
    seq: rebuilt.seq,
    bids: rebuilt.bids.length,
    asks: rebuilt.asks.length,
    stops: rebuilt.stops.length,
    equal: diff.length === 0,
    diff,
  };
}

/** One account: its ledger folded, compared with the live balances. */
export async function replayAccount(db: ReplayDb, live: LiveSource, account: string): Promise<AccountReport> {
  const rebuilt = foldLedger(await accountLedger(db, account));
  const view = await live.balances(account);
  const diff = [...rebuilt.problems];
  if (view === null) diff.push("the live API does not know this account");
  else diff.push(...diffBalances(rebuilt.balances, view));
  return { account, entries: rebuilt.entry, balances: rebuilt.balances, equal: diff.length === 0, diff };
}

/** Most differences listed per side of a book. */
const MAX_LINES = 20;

/** Differences between a rebuilt book and a live L3 view (order, ids, prices, sizes). */
export function diffBook(
  rebuilt: Pick<RebuiltBook, "bids" | "asks">,
  live: { bids: RestingOrder[]; asks: RestingOrder[] },
  depth = Number.POSITIVE_INFINITY,
): string[] {
  const out: string[] = [];
  for (const side of ["bids", "asks"] as const) {
    const a = rebuilt[side].slice(0, depth);
    const b = live[side].slice(0, depth);
    let lines = 0;
    for (let i = 0; i < Math.max(a.length, b.length) && lines < MAX_LINES; i++) {
      const x = a[i];
      const y = b[i];
      if (x && y && x.order_id === y.order_id && x.price === y.price && x.size === y.size) continue;
      out.push(`${side}[${i}]: journal ${show(x)}, live ${show(y)}`);
      lines++;
    }
    if (a.length !== b.length) out.push(`${side}: journal has ${a.length} orders, live ${b.length}`);
  }
  return out;
}

function show(o: RestingOrder | undefined): string {
  return o ? `${o.order_id} ${o.size} @ ${o.price}` : "nothing";
}

/** Differences between rebuilt and live balances; an asset missing on one side counts as all zero. */
export function diffBalances(rebuilt: RebuiltBalance[], live: RebuiltBalance[]): string[] {
  const out: string[] = [];
  const assets = [...new Set([...rebuilt.map((b) => b.asset), ...live.map((b) => b.asset)])].sort();
  const isZero = (s: string) => /^0(\.0*)?$/.test(s);
  for (const asset of assets) {
    const a = rebuilt.find((b) => b.asset === asset);
    const b = live.find((x) => x.asset === asset);
    for (const field of ["total", "hold", "available"] as const) {
      const x = a?.[field] ?? "0";
      const y = b?.[field] ?? "0";
      if (x === y || (isZero(x) && isZero(y))) continue;
      out.push(`${asset} ${field}: journal ${x}, live ${y}`);
    }
  }
  return out;
}
