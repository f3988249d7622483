/**
 * The account ledger's SQLite: on start the ledger resumes from its balances and holds
 * (`loadLedger`; the history stays on disk), and each change appends only what the
 * ledger posted (`appendJournal`: the transactions, their journal entries, the balance
 * rows of the assets they touched, the holds and fills they changed). Journal rows are
 * never rewritten. Writers run inside one atomic write (`atomically`, ../runtime/sql.ts).
 */
import { AccountLedger, type PostedJournal } from "../../shared/ledger/index.ts";
import type { Sql } from "../runtime/sql.ts";

export interface EntryRow extends Record<string, string | number> {
  entry_id: number;
  tx_id: number;
  at: number;
  type: string;
  asset: string;
  ledger_account: string;
  amount: string;
  total_after: string;
  hold_after: string;
  ref: string;
}

/**
 * The ledger where it stands: balances, holds and the last ids, not the history, so an
 * Account object starts in the same time however long its journal is (see
 * `AccountLedger.resume`).
 *
 * @throws TypeError when the rows are inconsistent (balances disagree with the holds).
 */
export function loadLedger(sql: Sql): AccountLedger {
  const last = sql.one<{ tx: number | null; entry: number | null }>`
    SELECT (SELECT max(tx_id) FROM ledger_transactions) AS tx, (SELECT max(entry_id) FROM ledger_entries) AS entry`;
  return AccountLedger.resume({
    balances: sql<{ asset: string; total: string; hold: string }>`SELECT asset, total, hold FROM ledger_balances`,
    holds: sql<{ order_ref: string; asset: string; amount: string }>`SELECT order_ref, asset, amount FROM ledger_holds`,
    last_tx_id: last?.tx ?? 0,
    last_entry_id: last?.entry ?? 0,
  });
}

/**
 * Appends a journal the ledger handed out (`takeJournal`: transactions oldest first, with
 * their entries), one statement per table, then the final balances of the assets it
 * touched and the holds of `orderRefs` as the ledger now has them. A fill's id is kept
 * once by the `fills` table written in the same change (its primary key refuses a fill
 * settled twice), so `ledger_fills` is no longer written. Call inside one atomic write.
 */
export function appendJournal(
  sql: Sql,
  ledger: AccountLedger,
  journal: PostedJournal,
  now: number,
  orderRefs: Iterable<string>,
): void {
  const { transactions: txs, entries } = journal;
  if (txs.length > 0) {
    const txRows = txs.map((tx) => [
      tx.tx_id,
      tx.at,
      tx.type,
      tx.ref,
      tx.order_ref ?? null,
      JSON.stringify(tx.legs.map((l) => ({ ...l, amount: `${l.amount}` }))),
    ]);
    sql`INSERT INTO ledger_transactions (tx_id, at, type, ref, order_ref, legs)
        SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
        FROM json_each(${JSON.stringify(txRows)})`;
    const entryRows = entries.map((e) => [
      e.entry_id,
      e.tx_id,
      e.at,
      e.type,
      e.asset,
      e.ledger_account,
      `${e.amount}`,
      `${e.total_after}`,
      `${e.hold_after}`,
      e.ref,
    ]);
    if (entryRows.length > 0) {
      sql`INSERT INTO ledger_entries (entry_id, tx_id, at, type, asset, ledger_account, amount, total_after, hold_after, ref)
          SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7,
                 value ->> 8, value ->> 9
          FROM json_each(${JSON.stringify(entryRows)})`;
    }
    for (const asset of new Set(entries.map((e) => e.asset))) {
      const b = ledger.balance(asset);
      sql`INSERT INTO ledger_balances (asset, total, hold, updated_at)
          VALUES (${asset}, ${`${b.total}`}, ${`${b.hold}`}, ${now})
          ON CONFLICT (asset) DO UPDATE SET total = excluded.total, hold = excluded.hold, updated_at = excluded.updated_at`;
    }
  }
  for (const orderRef of orderRefs) {
    const h = ledger.holdOf(orderRef);
    if (h === undefined) sql`DELETE FROM ledger_holds WHERE order_ref = ${orderRef}`;
    else
      sql`INSERT INTO ledger_holds (order_ref, asset, amount) VALUES (${orderRef}, ${h.asset}, ${`${h.amount}`})
          ON CONFLICT (order_ref) DO UPDATE SET asset = excluded.asset, amount = excluded.amount`;
  }
}

/** A page of the journal, newest first. */
export interface EntryQuery {
  asset?: string | undefined;
  /** Epoch ms, inclusive. */
  start?: number | undefined;
  /** Epoch ms, exclusive. */
  end?: number | undefined;
  /** Entries older than this entry id (the cursor). */
  before?: number | undefined;
  limit: number;
}

/** Up to `limit` entries matching `q`, newest first, and whether there are more. */
export function queryEntries(sql: Sql, q: EntryQuery): { rows: EntryRow[]; more: boolean } {
  const start = q.start ?? 0;
  const end = q.end ?? Number.MAX_SAFE_INTEGER;
  const before = q.before ?? Number.MAX_SAFE_INTEGER;
  const n = q.limit + 1;
  // Two statements, so that each walks its index (by asset and id, or by id) newest first.
  const rows =
    q.asset === undefined
      ? sql<EntryRow>`
          SELECT entry_id, tx_id, at, type, asset, ledger_account, amount, total_after, hold_after, ref
          FROM ledger_entries WHERE entry_id < ${before} AND at >= ${start} AND at < ${end}
          ORDER BY entry_id DESC LIMIT ${n}`
      : sql<EntryRow>`
          SELECT entry_id, tx_id, at, type, asset, ledger_account, amount, total_after, hold_after, ref
          FROM ledger_entries WHERE asset = ${q.asset} AND entry_id < ${before} AND at >= ${start} AND at < ${end}
          ORDER BY entry_id DESC LIMIT ${n}`;
  const more = rows.length > q.limit;
  return { rows: more ? rows.slice(0, q.limit) : rows, more };
}
