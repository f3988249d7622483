/**
 * Reads what a replay folds from Postgres: the `book` journal of an instrument in
 * `seq` order and an account's `ledger_entries` in `entry_id` order (with each fill
 * entry's order, from `fills`, for `ledgerSnapshot`), in keyset
 * pages. Works on any client with `query(text, params)` (the Neon driver, PGlite).
 */
import type { BookJournalEvent } from "./book.ts";
import type { LedgerJournalEntry } from "./ledger.ts";

/** What the reads need from a Postgres client. */
export interface ReplayDb {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Rows per page read. */
const PAGE = 5_000;

/** Instruments with a book journal, by symbol. */
export async function journalInstruments(db: ReplayDb): Promise<string[]> {
  const { rows } = await db.query("SELECT DISTINCT key FROM journal WHERE stream = 'book' ORDER BY key");
  return (rows as Array<{ key: string }>).map((r) => r.key);
}

/** Accounts with ledger entries, by id. */
export async function ledgerAccounts(db: ReplayDb): Promise<string[]> {
  const { rows } = await db.query("SELECT DISTINCT account_id FROM ledger_entries ORDER BY account_id");
  return (rows as Array<{ account_id: string }>).map((r) => r.account_id);
}

/** Every journal event of `symbol`'s book, oldest first. */
export async function bookJournal(db: ReplayDb, symbol: string): Promise<BookJournalEvent[]> {
  const out: BookJournalEvent[] = [];
  let after = 0;
  for (;;) {
    const { rows } = await db.query(
      `SELECT seq::text AS seq, type, body, round(extract(epoch FROM at) * 1000)::bigint::text AS at FROM journal
       WHERE stream = 'book' AND key = $1 AND seq > $2::bigint ORDER BY journal.seq LIMIT ${PAGE}`,
      [symbol, after],
    );
    for (const r of rows as Array<{ seq: string; type: string; body: unknown; at: string }>) {
      const body = (typeof r.body === "string" ? JSON.parse(r.body) : r.body) as Record<string, unknown>;
      out.push({ seq: Number(r.seq), type: r.type, body, at: Number(r.at) });
    }
    if (rows.length < PAGE) return out;
    after = out[out.length - 1]?.seq ?? after;
  }
}

/** Every ledger entry of `account`, oldest first. */
export async function accountLedger(db: ReplayDb, account: string): Promise<LedgerJournalEntry[]> {
  const out: LedgerJournalEntry[] = [];
  let after = 0;
  for (;;) {
    const { rows } = await db.query(
      `SELECT e.entry_id::text AS entry_id, e.type, e.asset, e.amount::text AS amount, e.balance::text AS balance,
              e.hold::text AS hold, e.tx_id::text AS tx_id,
              round(extract(epoch FROM e.at) * 1000)::bigint::text AS at, e.reference, f.order_id
       FROM ledger_entries e
       LEFT JOIN fills f ON f.account_id = e.account_id AND f.fill_id = e.reference AND e.type IN ('trade', 'fee')
       WHERE e.account_id = $1 AND e.entry_id > $2::bigint ORDER BY e.entry_id LIMIT ${PAGE}`,
      [account, after],
    );
    type Row = Omit<LedgerJournalEntry, "entry_id" | "tx_id" | "at"> & { entry_id: string; tx_id: string; at: string };
    for (const r of rows as Row[]) {
      out.push({ ...r, entry_id: Number(r.entry_id), tx_id: Number(r.tx_id), at: Number(r.at) });
    }
    if (rows.length < PAGE) return out;
    after = out[out.length - 1]?.entry_id ?? after;
  }
}
