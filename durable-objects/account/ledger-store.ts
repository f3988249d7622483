/**
 * The account ledger's SQLite: the ledger is rebuilt from its rows on start
 * (`loadLedger`, checked by `AccountLedger.restore`), and each operation appends
 * only what it added (`appendTransaction`: the transaction, its journal entries,
 * the balance rows of the assets it touched, the hold and fill it changed).
 * Journal rows are never rewritten. Writers run inside `ctx.storage.transactionSync`.
 */
import {
  AccountLedger,
  type JournalEntry,
  type LedgerSnapshot,
  type LedgerTransaction,
} from "../../shared/ledger/index.ts";
import type { Sql } from "../sql.ts";

interface TransactionRow extends Record<string, string | number | null> {
  tx_id: number;
  at: number;
  type: string;
  ref: string;
  order_ref: string | null;
  legs: string;
}

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
 * The ledger as stored.
 *
 * @throws TypeError when the rows are inconsistent (balances disagree with the journal or the holds).
 */
export function loadLedger(sql: Sql): AccountLedger {
  const transactions = sql<TransactionRow>`
    SELECT tx_id, at, type, ref, order_ref, legs FROM ledger_transactions ORDER BY tx_id`;
  const entries = sql<EntryRow>`
    SELECT entry_id, tx_id, at, type, asset, ledger_account, amount, total_after, hold_after, ref
    FROM ledger_entries ORDER BY entry_id`;
  const snapshot: LedgerSnapshot = {
    version: 1,
    balances: sql<{ asset: string; total: string; hold: string }>`SELECT asset, total, hold FROM ledger_balances`,
    holds: sql<{ order_ref: string; asset: string; amount: string }>`SELECT order_ref, asset, amount FROM ledger_holds`,
    fills: sql<{ fill_id: string }>`SELECT fill_id FROM ledger_fills`.map((r) => r.fill_id),
    transactions: transactions.map((t) => ({
      tx_id: t.tx_id,
      at: t.at,
      type: t.type,
      ref: t.ref,
      ...(t.order_ref === null ? {} : { order_ref: t.order_ref }),
      legs: JSON.parse(t.legs),
    })) as LedgerSnapshot["transactions"],
    entries: entries as unknown as LedgerSnapshot["entries"],
  };
  return AccountLedger.restore(snapshot);
}

/**
 * Appends `tx` (just posted to `ledger`) and its journal entries, rewrites the balance
 * rows of the assets they touch, records a fill's id, and saves `orderRef`'s hold as the
 * ledger now has it (deleted once released). `tx` is null when nothing moved (releasing
 * a spent hold). Call inside `transactionSync`.
 */
export function appendTransaction(
  sql: Sql,
  ledger: AccountLedger,
  tx: LedgerTransaction | null,
  now: number,
  orderRef?: string,
): void {
  if (tx !== null) {
    const legs = JSON.stringify(tx.legs.map((l) => ({ ...l, amount: `${l.amount}` })));
    sql`INSERT INTO ledger_transactions (tx_id, at, type, ref, order_ref, legs)
        VALUES (${tx.tx_id}, ${tx.at}, ${tx.type}, ${tx.ref}, ${tx.order_ref ?? null}, ${legs})`;
    const assets = new Set<string>();
    for (const e of entriesOf(ledger, tx.tx_id)) {
      sql`INSERT INTO ledger_entries
            (entry_id, tx_id, at, type, asset, ledger_account, amount, total_after, hold_after, ref)
          VALUES (${e.entry_id}, ${e.tx_id}, ${e.at}, ${e.type}, ${e.asset}, ${e.ledger_account},
                  ${`${e.amount}`}, ${`${e.total_after}`}, ${`${e.hold_after}`}, ${e.ref})`;
      assets.add(e.asset);
    }
    for (const asset of assets) {
      const b = ledger.balance(asset);
      sql`INSERT INTO ledger_balances (asset, total, hold, updated_at)
          VALUES (${asset}, ${`${b.total}`}, ${`${b.hold}`}, ${now})
          ON CONFLICT (asset) DO UPDATE SET total = excluded.total, hold = excluded.hold, updated_at = excluded.updated_at`;
    }
    if (tx.type === "fill") sql`INSERT INTO ledger_fills (fill_id) VALUES (${tx.ref})`;
  }
  if (orderRef !== undefined) {
    const h = ledger.holdOf(orderRef);
    if (h === undefined) sql`DELETE FROM ledger_holds WHERE order_ref = ${orderRef}`;
    else
      sql`INSERT INTO ledger_holds (order_ref, asset, amount) VALUES (${orderRef}, ${h.asset}, ${`${h.amount}`})
          ON CONFLICT (order_ref) DO UPDATE SET asset = excluded.asset, amount = excluded.amount`;
  }
}

/**
 * Appends several transactions (just posted to `ledger`, oldest first) with their journal
 * entries, one statement per table, then the final balances of the assets they touched,
 * the fills they applied, and the holds of `orderRefs` as the ledger now has them.
 * Call inside `transactionSync`.
 */
export function appendTransactions(
  sql: Sql,
  ledger: AccountLedger,
  txs: readonly LedgerTransaction[],
  now: number,
  orderRefs: Iterable<string>,
): void {
  if (txs.length > 0) {
    const first = (txs[0] as LedgerTransaction).tx_id;
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
    const all = ledger.entries();
    let i = all.length;
    while (i > 0 && (all[i - 1] as JournalEntry).tx_id >= first) i -= 1;
    const entries = all.slice(i);
    const assets = new Set(entries.map((e) => e.asset));
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
    for (const asset of assets) {
      const b = ledger.balance(asset);
      sql`INSERT INTO ledger_balances (asset, total, hold, updated_at)
          VALUES (${asset}, ${`${b.total}`}, ${`${b.hold}`}, ${now})
          ON CONFLICT (asset) DO UPDATE SET total = excluded.total, hold = excluded.hold, updated_at = excluded.updated_at`;
    }
    const fills = txs.filter((tx) => tx.type === "fill").map((tx) => tx.ref);
    if (fills.length > 0) {
      sql`INSERT INTO ledger_fills (fill_id) SELECT value FROM json_each(${JSON.stringify(fills)})`;
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

/** The journal entries of transaction `txId`: the newest ones, scanned from the end. */
function entriesOf(ledger: AccountLedger, txId: number): JournalEntry[] {
  const all = ledger.entries();
  let i = all.length;
  while (i > 0 && (all[i - 1] as JournalEntry).tx_id === txId) i -= 1;
  return all.slice(i);
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
