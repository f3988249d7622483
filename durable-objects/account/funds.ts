/**
 * An account's money inside its Account object, the only writer of its balances:
 * the in-memory `AccountLedger` (resumed from SQLite on start: balances and holds,
 * not the history) plus its storage. Every change runs the ledger first, then
 * persists exactly what it posted atomically; if that write fails, the object is reset
 * and starts from storage again, so memory never runs ahead of disk.
 *
 * Deposits and withdrawals carry a `reference` (idempotency): the first outcome is
 * stored with it and every retry gets that outcome back, never a second credit.
 */
import {
  AccountLedger,
  type BalanceView,
  type EntryType,
  formatAmount,
  isAssetCode,
  type JournalEntry,
  type LedgerEntryView,
  type LedgerSnapshot,
  type LedgerTransaction,
  parseAmount,
} from "../../shared/ledger/index.ts";
import { atomically, type Sql } from "../runtime/sql.ts";
import { appendJournal, type EntryQuery, type EntryRow, loadLedger, queryEntries } from "./ledger-store.ts";

export type { BalanceView };

export type TransferKind = "deposit" | "withdrawal";

export interface TransferInput {
  asset: string;
  /** Decimal string, positive, on the asset's grid. */
  amount: string;
  /** Idempotency: the same reference always answers the first outcome. */
  reference: string;
}

/** A done deposit or withdrawal, as first answered (and answered again to every retry). */
export interface TransferOutcome {
  account_id: string;
  reference: string;
  type: TransferKind;
  asset: string;
  amount: string;
  tx_id: number;
  /** RFC 3339. */
  time: string;
  time_ms: number;
  /** The asset's balances right after this transfer. */
  balance: BalanceView;
}

export type TransferResult =
  | { ok: true; replayed: boolean; outcome: TransferOutcome }
  | { ok: false; code: "account_not_found"; message: string }
  | { ok: false; code: "invalid_amount"; message: string }
  | { ok: false; code: "insufficient_available"; message: string; asset: string; available: string; requested: string }
  | { ok: false; code: "reference_conflict"; message: string; original: TransferOutcome };

export type { LedgerEntryView } from "../../shared/ledger/index.ts";

export interface LedgerEntriesPage {
  entries: LedgerEntryView[];
  /** The entry id to continue before, or null on the last page. */
  next_before: number | null;
}

interface TransferRow extends Record<string, string | number> {
  kind: string;
  asset: string;
  amount: string;
  outcome: string;
}

/**
 * What else each change of the account writes in its transaction (the event journal,
 * `stream-out.ts`), and is told after it: committed or rolled back.
 */
export interface ChangeLog {
  /** Inside the transaction, last: the journal entries the change posted. */
  persist(entries: readonly JournalEntry[]): void;
  /** After the transaction committed. */
  committed(): void;
  /** After the transaction failed: forget what `persist` staged. */
  discard(): void;
}

export class Funds {
  private readonly sql: Sql;
  private readonly ctx: DurableObjectState;
  private ledger: AccountLedger;
  /** Written with every change and told its outcome (the event journal). */
  changeLog: ChangeLog | undefined;

  /** Loads the ledger from storage (the schema must exist). */
  constructor(sql: Sql, ctx: DurableObjectState) {
    this.sql = sql;
    this.ctx = ctx;
    this.ledger = loadLedger(sql);
  }

  balances(): BalanceView[] {
    return this.ledger.balances();
  }

  /** The ledger itself, for order entry: post to it, then `persist` what was posted. */
  get orderLedger(): AccountLedger {
    return this.ledger;
  }

  /** Drops what memory holds beyond disk (after a change failed half-way). */
  reload(): void {
    this.ledger = loadLedger(this.sql);
  }

  /**
   * Writes a ledger rebuilt from the journal (`shared/replay/ledger.ts` `ledgerSnapshot`, checked
   * by `AccountLedger.restore`) into this fresh account, with `create` (the account row) in the
   * same transaction. Nothing goes to the event stream.
   */
  restore(snapshot: LedgerSnapshot, now: number, create: () => void): BalanceView[] {
    const ledger = AccountLedger.restore(snapshot);
    this.ctx.storage.transactionSync(() => {
      appendJournal(this.sql, ledger, ledger.takeJournal(), now, ledger.heldOrders());
      create();
    });
    this.reload();
    return this.balances();
  }

  /**
   * Persists what was just posted to the ledger (its journal since the last change), the
   * holds of `orderRefs`, and whatever `extra` writes, atomically (`atomically`: one commit
   * with the rest of the turn; a failure half-way resets the object, so memory is rebuilt
   * from storage and never runs ahead of it).
   */
  persist(orderRefs: Iterable<string>, extra: (now: number) => void): void {
    const now = Date.now();
    const journal = this.ledger.takeJournal();
    atomically(this.ctx, () => {
      appendJournal(this.sql, this.ledger, journal, now, orderRefs);
      extra(now);
      this.changeLog?.persist(journal.entries);
    });
    this.changeLog?.committed();
  }

  /** Credits (deposit) or debits available (withdrawal), once per reference. */
  transfer(account: string, kind: TransferKind, input: TransferInput): TransferResult {
    const { asset, reference } = input;
    if (!isAssetCode(asset)) return { ok: false, code: "invalid_amount", message: `not an asset code: ${asset}` };
    const parsed = parseAmount(input.amount, asset);
    if (!parsed.ok || parsed.amount <= 0n) {
      const message = parsed.ok ? "amount must be positive" : parsed.message;
      return { ok: false, code: "invalid_amount", message };
    }
    const amount = parsed.amount;
    const seen = this.sql
      .one<TransferRow>`SELECT kind, asset, amount, outcome FROM transfers WHERE reference = ${reference}`;
    if (seen) {
      const original = JSON.parse(seen.outcome) as TransferOutcome;
      if (seen.kind === kind && seen.asset === asset && seen.amount === `${amount}`) {
        return { ok: true, replayed: true, outcome: original };
      }
      return {
        ok: false,
        code: "reference_conflict",
        message: `Reference ${reference} was already used for a ${seen.kind} of ${original.amount} ${seen.asset}.`,
        original,
      };
    }
    const result =
      kind === "deposit"
        ? this.ledger.deposit(asset, amount, reference)
        : this.ledger.withdraw(asset, amount, reference);
    if (!result.ok) {
      if (result.code === "insufficient_available") {
        const available = formatAmount(result.available, asset);
        const requested = formatAmount(result.requested, asset);
        return {
          ok: false,
          code: "insufficient_available",
          message: `Available ${asset} is ${available}, less than the ${requested} requested.`,
          asset,
          available,
          requested,
        };
      }
      return { ok: false, code: "invalid_amount", message: result.message };
    }
    const tx = result.transaction as LedgerTransaction;
    const outcome = this.outcome(account, kind, asset, amount, reference, tx);
    this.persist([], (now) => {
      this.sql`INSERT INTO transfers (reference, kind, asset, amount, tx_id, outcome, created_at)
               VALUES (${reference}, ${kind}, ${asset}, ${`${amount}`}, ${tx.tx_id}, ${JSON.stringify(outcome)}, ${now})`;
    });
    return { ok: true, replayed: false, outcome };
  }

  /** Journal entries matching `query`, newest first. */
  entries(query: EntryQuery): LedgerEntriesPage {
    const { rows, more } = queryEntries(this.sql, query);
    const last = rows.at(-1);
    return { entries: rows.map(entryView), next_before: more && last ? last.entry_id : null };
  }

  private outcome(
    account: string,
    kind: TransferKind,
    asset: string,
    amount: bigint,
    reference: string,
    tx: LedgerTransaction,
  ): TransferOutcome {
    const balance = this.ledger.balances().find((b) => b.asset === asset) as BalanceView;
    return {
      account_id: account,
      reference,
      type: kind,
      asset,
      amount: formatAmount(amount, asset),
      tx_id: tx.tx_id,
      time: new Date(tx.at).toISOString(),
      time_ms: tx.at,
      balance,
    };
  }
}

function entryView(row: EntryRow): LedgerEntryView {
  const fmt = (text: string) => formatAmount(BigInt(text), row.asset);
  return {
    entry_id: row.entry_id,
    tx_id: row.tx_id,
    time: new Date(row.at).toISOString(),
    time_ms: row.at,
    type: row.type as EntryType,
    asset: row.asset,
    amount: fmt(row.amount),
    balance: fmt(row.total_after),
    hold: fmt(row.hold_after),
    reference: row.ref,
  };
}
