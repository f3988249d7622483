/**
 * Types of one account's ledger: double-entry legs and transactions, journal entries
 * with running balances, fills, and the stable rejection codes. Amounts are `bigint`
 * minor units (see `assets.ts`).
 */

/**
 * A ledger account a leg posts to. `available` and `hold` are the account's own money;
 * `external` (deposits, withdrawals), `counterparty` (the other side of trades) and `fees`
 * (the exchange's fee income, negative for rebates paid) are where it comes from and goes to.
 */
export type LedgerAccount = "external" | "available" | "hold" | "fees" | "counterparty";

/** The account's own ledger accounts: the ones journal entries record. */
export type OwnAccount = "available" | "hold";

/** What moved money, per leg and per journal entry. */
export type EntryType = "deposit" | "withdrawal" | "hold" | "release" | "trade" | "fee";

/** One journal entry on the wire: signed amount and the asset's total and hold after it. */
export interface LedgerEntryView {
  entry_id: number;
  tx_id: number;
  time: string;
  time_ms: number;
  type: EntryType;
  asset: string;
  amount: string;
  balance: string;
  hold: string;
  reference: string;
}

/** What one operation was. */
export type TransactionType = "deposit" | "withdrawal" | "hold" | "release" | "fill";

/** One posting: `amount` (signed) added to `ledger_account`'s balance of `asset`. */
export interface Leg {
  ledger_account: LedgerAccount;
  asset: string;
  amount: bigint;
  type: EntryType;
}

/** One operation: its legs sum to zero per asset. */
export interface LedgerTransaction {
  tx_id: number;
  /** Epoch ms. */
  at: number;
  type: TransactionType;
  /** The deposit's or withdrawal's reference, the order of a hold or release, the fill id of a fill. */
  ref: string;
  /** The order a fill belongs to. */
  order_ref?: string;
  legs: Leg[];
}

/**
 * One leg on the account's own money, with the asset's balances after it: replaying the
 * entries in order (`total += amount`; `hold += amount` when `ledger_account` is `hold`)
 * gives every `total_after` and `hold_after`.
 */
export interface JournalEntry {
  entry_id: number;
  tx_id: number;
  /** Epoch ms. */
  at: number;
  type: EntryType;
  asset: string;
  ledger_account: OwnAccount;
  amount: bigint;
  total_after: bigint;
  hold_after: bigint;
  ref: string;
}

/**
 * One side of one trade as it settles on one account. `fee` is in `fee_asset` (the quote
 * asset), negative for a rebate.
 */
export interface Fill {
  fill_id: string;
  order_ref: string;
  side: "buy" | "sell";
  base: string;
  quote: string;
  base_amount: bigint;
  quote_amount: bigint;
  fee: bigint;
  fee_asset: string;
  liquidity: "maker" | "taker";
}

/** An asset's balances in minor units: `available = total − hold`. */
export interface Balance {
  total: bigint;
  hold: bigint;
  available: bigint;
}

/** {@link Balance} as decimal strings, for the wire. */
export interface BalanceView {
  asset: string;
  total: string;
  hold: string;
  available: string;
}

/** What an order still has on hold. */
export interface OrderHold {
  asset: string;
  amount: bigint;
}

/** A refused operation; it changed nothing. */
export type LedgerRejection =
  | { ok: false; code: "invalid_asset"; message: string; asset: string }
  | { ok: false; code: "invalid_amount"; message: string; amount: bigint }
  | { ok: false; code: "insufficient_available"; message: string; asset: string; available: bigint; requested: bigint }
  | { ok: false; code: "unknown_hold"; message: string; order_ref: string }
  | { ok: false; code: "hold_asset_mismatch"; message: string; order_ref: string; asset: string; held_asset: string }
  | { ok: false; code: "release_exceeds_hold"; message: string; order_ref: string; hold: bigint; requested: bigint }
  | {
      ok: false;
      code: "hold_insufficient";
      message: string;
      order_ref: string;
      asset: string;
      hold: bigint;
      required: bigint;
    }
  | { ok: false; code: "invalid_fill"; message: string; fill_id: string };

/** Stable codes of {@link LedgerRejection}. */
export type LedgerRejectCode = LedgerRejection["code"];

/** A done operation. `transaction` is null when there was nothing to move (releasing a spent hold). */
export interface LedgerOk {
  ok: true;
  duplicate: false;
  transaction: LedgerTransaction | null;
}

/** A fill seen before: nothing changed. */
export interface DuplicateFill {
  ok: true;
  duplicate: true;
}

/** A done release, with how much went back to available. */
export interface ReleaseOk extends LedgerOk {
  released: bigint;
}

export type LedgerResult = LedgerOk | LedgerRejection;
export type ReleaseResult = ReleaseOk | LedgerRejection;
export type FillResult = LedgerOk | DuplicateFill | LedgerRejection;
