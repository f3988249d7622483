/**
 * Posting one double-entry transaction to an account's ledger state: checking
 * that its legs balance, updating the balances, and appending the transaction
 * and its journal entries (with running balances).
 */
import type { LedgerState } from "./snapshot.ts";
import type { JournalEntry, LedgerTransaction, Leg, OwnAccount, TransactionType } from "./types.ts";

function isOwn(account: Leg["ledger_account"]): account is OwnAccount {
  return account === "available" || account === "hold";
}

/** Throws when `legs` do not sum to zero per asset (a bug in the ledger, never an input error). */
export function assertBalanced(legs: Leg[]): void {
  const sums = new Map<string, bigint>();
  for (const l of legs) sums.set(l.asset, (sums.get(l.asset) ?? 0n) + l.amount);
  for (const [asset, sum] of sums) {
    if (sum !== 0n) throw new Error(`unbalanced transaction: ${asset} legs sum to ${sum}`);
  }
}

/**
 * Appends one transaction of balanced, non-zero `legs` posted `at` (epoch ms) and its
 * journal entries. The account's credits are journaled before its debits, so no running
 * balance dips below where the transaction starts or ends. Callers have checked that
 * nothing ends negative.
 */
export function appendTransaction(
  state: LedgerState,
  at: number,
  type: TransactionType,
  ref: string,
  legs: Leg[],
  orderRef: string | undefined,
): LedgerTransaction {
  const tx: LedgerTransaction = { tx_id: ++state.lastTxId, at, type, ref, legs };
  if (orderRef !== undefined) tx.order_ref = orderRef;
  const own = legs.filter((l) => isOwn(l.ledger_account));
  own.sort((x, y) => Number(y.amount > 0n) - Number(x.amount > 0n));
  let entryId = state.lastEntryId;
  const entries: JournalEntry[] = [];
  for (const leg of own) {
    const b = state.balances.get(leg.asset) ?? { total: 0n, hold: 0n };
    const total = b.total + leg.amount;
    const hold = leg.ledger_account === "hold" ? b.hold + leg.amount : b.hold;
    if (hold < 0n || total < hold) throw new Error(`ledger invariant broken by ${type} ${ref}: ${leg.asset}`);
    state.balances.set(leg.asset, { total, hold });
    entries.push({
      entry_id: ++entryId,
      tx_id: tx.tx_id,
      at,
      type: leg.type,
      asset: leg.asset,
      ledger_account: leg.ledger_account as OwnAccount,
      amount: leg.amount,
      total_after: total,
      hold_after: hold,
      ref,
    });
  }
  state.lastEntryId = entryId;
  state.transactions.push(tx);
  state.entries.push(...entries);
  return tx;
}
