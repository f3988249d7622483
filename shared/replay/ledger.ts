/**
 * Rebuilds an account's balances from its ledger entries (`ledger_entries`, one
 * row per own leg of every transaction, in `entry_id` order), and proves the
 * running balances replay exactly: every entry changes the asset's total by its
 * amount, and its hold by nothing or by its amount (a leg on the hold account),
 * with 0 ≤ hold ≤ total throughout. Pure: no runtime imports.
 */
import { formatAmount, parseAmount } from "../ledger/assets.ts";
import type { LedgerSnapshot } from "../ledger/snapshot.ts";

/** One `ledger_entries` row, amounts as exact decimal text. */
export interface LedgerJournalEntry {
  entry_id: number;
  type: string;
  asset: string;
  amount: string;
  balance: string;
  hold: string;
  /** For {@link ledgerSnapshot}: the transaction, its time (epoch ms) and reference, and a fill's order. */
  tx_id?: number;
  at?: number;
  reference?: string;
  order_id?: string | null;
}

/** An asset's balances as the API prints them. */
export interface RebuiltBalance {
  asset: string;
  total: string;
  available: string;
  hold: string;
}

export interface RebuiltBalances {
  /** Per asset, sorted by asset code. */
  balances: RebuiltBalance[];
  /** The last entry id folded (0 when none). */
  entry: number;
  /** Where the entries do not replay: gaps, sums that do not add up, negative holds. */
  problems: string[];
}

/** A signed decimal amount of `asset` in minor units. */
function minor(text: string, asset: string): bigint {
  const negative = text.startsWith("-");
  const parsed = parseAmount(negative ? text.slice(1) : text, asset);
  if (!parsed.ok) throw new TypeError(`${asset} amount ${JSON.stringify(text)}: ${parsed.message}`);
  return negative ? -parsed.amount : parsed.amount;
}

/** Folds one account's entries (sorted by entry_id) into its balances per asset. */
export function foldLedger(entries: Iterable<LedgerJournalEntry>): RebuiltBalances {
  const state = new Map<string, { total: bigint; hold: bigint }>();
  const problems: string[] = [];
  let last = 0;
  for (const e of entries) {
    if (e.entry_id !== last + 1) {
      problems.push(last === 0 ? `entries start at ${e.entry_id}, not 1` : `gap: entry ${last} then ${e.entry_id}`);
    }
    last = e.entry_id;
    const before = state.get(e.asset) ?? { total: 0n, hold: 0n };
    const amount = minor(e.amount, e.asset);
    const total = minor(e.balance, e.asset);
    const hold = minor(e.hold, e.asset);
    const where = `entry ${e.entry_id} (${e.type} ${e.amount} ${e.asset})`;
    if (total !== before.total + amount) {
      problems.push(
        `${where}: balance ${e.balance} is not ${formatAmount(before.total, e.asset)} + ${e.amount} = ${formatAmount(before.total + amount, e.asset)}`,
      );
    }
    if (hold !== before.hold && hold !== before.hold + amount) {
      problems.push(`${where}: hold ${e.hold} is neither ${formatAmount(before.hold, e.asset)} nor that + ${e.amount}`);
    }
    if (hold < 0n || hold > total) problems.push(`${where}: hold ${e.hold} is outside 0…${e.balance}`);
    state.set(e.asset, { total, hold });
  }
  const balances = [...state.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([asset, b]) => ({
      asset,
      total: formatAmount(b.total, asset),
      available: formatAmount(b.total - b.hold, asset),
      hold: formatAmount(b.hold, asset),
    }));
  return { balances, entry: last, problems };
}

type SnapshotTx = LedgerSnapshot["transactions"][number];

/** The ledger account on the other side of an own leg, by entry type. */
const COUNTERPART = { deposit: "external", withdrawal: "external", trade: "counterparty", fee: "fees" } as const;
const TX_TYPE = {
  deposit: "deposit",
  withdrawal: "withdrawal",
  hold: "hold",
  release: "release",
  trade: "fill",
  fee: "fill",
} as const;

/**
 * The `AccountLedger` snapshot (`shared/ledger/snapshot.ts`) an account's entries rebuild, for
 * a fresh Account object (`Account.restoreFromReplay`). Entries need `tx_id`, `at`, `reference`
 * and, for fills, `order_id` (`accountLedger` reads them, the fill's order from `fills`).
 *
 * Exact: every journal entry (ids, transaction, time, type, asset, amount, running balances,
 * reference), the balances, the fills applied (by fill id), and each open order's hold (its
 * `hold` and `release` entries plus its fills' legs on the hold).
 * Derived: an entry's own ledger account (`hold` when it moved the hold, else `available`) and
 * each transaction's legs outside the account (`external`, `counterparty`, `fees`: one leg per
 * asset and entry type balancing the own legs; the original leg order is not kept).
 * Approximated: an order whose hold reached zero is not tracked (the live ledger forgets it at
 * its final release; a hold emptied by fills is kept there until then).
 *
 * @throws TypeError when an entry lacks what the snapshot needs.
 */
export function ledgerSnapshot(entries: readonly LedgerJournalEntry[]): LedgerSnapshot {
  const out: LedgerSnapshot = { version: 1, balances: [], holds: [], fills: [], transactions: [], entries: [] };
  const state = new Map<string, { total: bigint; hold: bigint }>();
  const holds = new Map<string, { asset: string; amount: bigint }>();
  const fills = new Set<string>();
  let tx: SnapshotTx | undefined;
  const finish = () => {
    if (tx === undefined) return;
    const sums = new Map<string, bigint>();
    for (const l of tx.legs) {
      const k = `${l.asset}\u0000${l.type}`;
      sums.set(k, (sums.get(k) ?? 0n) + BigInt(l.amount));
    }
    const own = [...tx.legs];
    for (const [k, sum] of sums) {
      const [asset, type] = k.split("\u0000") as [string, keyof typeof COUNTERPART];
      if (sum !== 0n) own.push({ ledger_account: COUNTERPART[type], asset, amount: `${-sum}`, type });
    }
    tx.legs = own;
    out.transactions.push(tx);
  };
  for (const e of entries) {
    if (e.tx_id === undefined || e.at === undefined || e.reference === undefined) {
      throw new TypeError(`entry ${e.entry_id}: tx_id, at and reference are needed to restore a ledger`);
    }
    const type = e.type as keyof typeof TX_TYPE;
    if (!(type in TX_TYPE)) throw new TypeError(`entry ${e.entry_id}: unknown type ${e.type}`);
    const before = state.get(e.asset) ?? { total: 0n, hold: 0n };
    const amount = minor(e.amount, e.asset);
    const after = { total: minor(e.balance, e.asset), hold: minor(e.hold, e.asset) };
    const onHold = after.hold !== before.hold;
    state.set(e.asset, after);
    if (tx?.tx_id !== e.tx_id) {
      finish();
      tx = { tx_id: e.tx_id, at: e.at, type: TX_TYPE[type], ref: e.reference, legs: [] };
      if (tx.type === "fill") {
        if (typeof e.order_id !== "string") throw new TypeError(`entry ${e.entry_id}: the fill's order is unknown`);
        tx.order_ref = e.order_id;
        fills.add(e.reference);
      }
    }
    tx.legs.push({ ledger_account: onHold ? "hold" : "available", asset: e.asset, amount: `${amount}`, type });
    out.entries.push({
      entry_id: e.entry_id,
      tx_id: e.tx_id,
      at: e.at,
      type,
      asset: e.asset,
      ledger_account: onHold ? "hold" : "available",
      amount: `${amount}`,
      total_after: `${after.total}`,
      hold_after: `${after.hold}`,
      ref: e.reference,
    });
    if (onHold) {
      const order = tx.type === "fill" ? (tx.order_ref as string) : e.reference;
      const h = holds.get(order) ?? { asset: e.asset, amount: 0n };
      h.amount += after.hold - before.hold;
      holds.set(order, h);
    }
  }
  finish();
  out.balances = [...state].map(([asset, b]) => ({ asset, total: `${b.total}`, hold: `${b.hold}` }));
  out.holds = [...holds]
    .filter(([, h]) => h.amount !== 0n)
    .map(([order_ref, h]) => ({ order_ref, asset: h.asset, amount: `${h.amount}` }));
  out.fills = [...fills];
  return out;
}
