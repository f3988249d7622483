/**
 * Rebuilds an account's balances from its ledger entries (`ledger_entries`, one
 * row per own leg of every transaction, in `entry_id` order), and proves the
 * running balances replay exactly: every entry changes the asset's total by its
 * amount, and its hold by nothing or by its amount (a leg on the hold account),
 * with 0 ≤ hold ≤ total throughout. Pure: no runtime imports.
 */
import { formatAmount, parseAmount } from "../ledger/assets.ts";

/** One `ledger_entries` row, amounts as exact decimal text. */
export interface LedgerJournalEntry {
  entry_id: number;
  type: string;
  asset: string;
  amount: string;
  balance: string;
  hold: string;
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
