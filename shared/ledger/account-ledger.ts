/**
 * One account's money: balances per asset (total, hold, available), holds per order,
 * and an append-only double-entry journal. Every operation either posts one balanced
 * transaction or is refused with a stable code and changes nothing.
 *
 * `AccountLedger` decides what each operation posts; the checks it makes first are in
 * `checks.ts`, the posting itself in `posting.ts`, balance reads in `balances.ts`, and
 * the state and its JSON forms in `snapshot.ts`.
 */
import { ASSET_SCALES, type AssetScales } from "./assets.ts";
import { balanceOf, balanceViews } from "./balances.ts";
import { checkAmount, checkAsset, checkAvailable, checkFill, checkHeldAsset, reject } from "./checks.ts";
import { appendTransaction, assertBalanced } from "./posting.ts";
import {
  decodeLedger,
  decodePosition,
  emptyLedgerState,
  encodeLedger,
  type LedgerPosition,
  type LedgerSnapshot,
  type LedgerState,
} from "./snapshot.ts";
import type {
  Balance,
  BalanceView,
  Fill,
  FillResult,
  JournalEntry,
  LedgerResult,
  LedgerTransaction,
  Leg,
  OrderHold,
  OwnAccount,
  ReleaseResult,
  TransactionType,
} from "./types.ts";

/** Options of an {@link AccountLedger}. */
export interface AccountLedgerOptions {
  /** Minor-unit scales for {@link AccountLedger.balances} (default `ASSET_SCALES`). */
  scales?: AssetScales;
  /** Epoch-ms clock stamped on transactions (default `Date.now`). */
  clock?: () => number;
  /**
   * Most fill ids a resumed ledger remembers for {@link AccountLedger.applyFill}'s duplicate
   * check (default 10 000, the oldest forgotten first). A restored ledger remembers all.
   * Exactly-once beyond that window is the caller's: an Account object applies a book's
   * events strictly in order after its cursor, and its store refuses a fill id twice.
   */
  recentFills?: number;
}

/** The journal posted since the last {@link AccountLedger.takeJournal}, oldest first. */
export interface PostedJournal {
  transactions: LedgerTransaction[];
  entries: JournalEntry[];
}

/**
 * The ledger of one account. Amounts are positive `bigint` minor units of the asset.
 *
 * @example
 * const ledger = new AccountLedger();
 * ledger.deposit("USD", 100_00000000n, "wire-1");
 * ledger.hold("o1", "USD", 50_00000000n);
 * ledger.balance("USD"); // { total: 10000000000n, hold: 5000000000n, available: 5000000000n }
 */
export class AccountLedger {
  readonly #state: LedgerState;
  readonly #scales: AssetScales;
  readonly #clock: () => number;
  readonly #recentFills: number;

  /**
   * An empty ledger. `state` is for {@link AccountLedger.restore}; the ledger owns it from then on.
   */
  constructor(options: AccountLedgerOptions = {}, state: LedgerState = emptyLedgerState()) {
    this.#scales = options.scales ?? ASSET_SCALES;
    this.#clock = options.clock ?? Date.now;
    this.#state = state;
    this.#recentFills = state.complete ? Number.POSITIVE_INFINITY : (options.recentFills ?? 10_000);
  }

  /**
   * A ledger that continues from a {@link LedgerPosition} (balances, holds and the last ids)
   * without loading its history: new transactions and entries continue the ids, and
   * {@link AccountLedger.takeJournal} hands out what is posted. Checks that the holds add up
   * to each asset's hold balance.
   *
   * @throws TypeError when the position is malformed or inconsistent.
   */
  static resume(position: LedgerPosition, options: AccountLedgerOptions = {}): AccountLedger {
    return new AccountLedger(options, decodePosition(position));
  }

  /**
   * A ledger from {@link AccountLedger.snapshot} output (after a JSON round trip too).
   *
   * @throws TypeError when the snapshot is malformed or its balances disagree with its holds or journal.
   */
  static restore(snapshot: unknown, options: AccountLedgerOptions = {}): AccountLedger {
    return new AccountLedger(options, decodeLedger(snapshot));
  }

  /**
   * The whole ledger as plain JSON (bigints as decimal integer strings).
   *
   * @throws Error for a ledger that does not hold its whole history (resumed, or journal taken).
   */
  snapshot(): LedgerSnapshot {
    if (!this.#state.complete) {
      throw new Error("This ledger does not hold its whole history (resumed, or its journal was taken): no snapshot.");
    }
    return encodeLedger(this.#state);
  }

  /**
   * Hands out the transactions and entries posted since the last call (for a restored
   * ledger, its whole journal the first time) and forgets them, so the ledger's memory
   * does not grow with its history. The caller persists them.
   */
  takeJournal(): PostedJournal {
    const state = this.#state;
    const taken = { transactions: state.transactions, entries: state.entries };
    state.transactions = [];
    state.entries = [];
    if (state.complete) {
      state.complete = false;
      this.#trimFills();
    }
    return taken;
  }

  /** `asset`'s balances (zero for an asset never used). */
  balance(asset: string): Balance {
    return balanceOf(this.#state, asset);
  }

  /** `asset`'s available balance. */
  available(asset: string): bigint {
    return this.balance(asset).available;
  }

  /** Every asset the account has used, by code, as decimal strings. */
  balances(): BalanceView[] {
    return balanceViews(this.#state, this.#scales);
  }

  /** What `orderRef` still has on hold, or undefined once fully released (or never held). */
  holdOf(orderRef: string): OrderHold | undefined {
    const h = this.#state.holds.get(orderRef);
    return h === undefined ? undefined : { ...h };
  }

  /** Orders with a hold still tracked (possibly spent to zero by fills, awaiting release). */
  heldOrders(): string[] {
    return [...this.#state.holds.keys()];
  }

  /** Whether the fill `fillId` has been applied. */
  hasFill(fillId: string): boolean {
    return this.#state.fills.has(fillId);
  }

  /** The journal in memory (all of it, or what was posted since the last `takeJournal`): own legs with running balances, oldest first. */
  entries(): readonly JournalEntry[] {
    return this.#state.entries;
  }

  /** The transactions in memory (as for `entries`), with all their legs, oldest first. */
  transactions(): readonly LedgerTransaction[] {
    return this.#state.transactions;
  }

  /** Credits `amount` of `asset` from outside. */
  deposit(asset: string, amount: bigint, ref: string): LedgerResult {
    const bad = checkAsset(asset) ?? checkAmount(amount);
    if (bad) return bad;
    return this.#ok(
      this.#post("deposit", ref, [
        { ledger_account: "external", asset, amount: -amount, type: "deposit" },
        { ledger_account: "available", asset, amount, type: "deposit" },
      ]),
    );
  }

  /** Sends `amount` of `asset` out, from available only. */
  withdraw(asset: string, amount: bigint, ref: string): LedgerResult {
    const bad = checkAsset(asset) ?? checkAmount(amount) ?? checkAvailable(this.#state, asset, amount);
    if (bad) return bad;
    return this.#ok(
      this.#post("withdrawal", ref, [
        { ledger_account: "available", asset, amount: -amount, type: "withdrawal" },
        { ledger_account: "external", asset, amount, type: "withdrawal" },
      ]),
    );
  }

  /** Moves `amount` of `asset` from available to `orderRef`'s hold (adding to a hold it already has). */
  hold(orderRef: string, asset: string, amount: bigint): LedgerResult {
    const bad = checkAsset(asset) ?? checkAmount(amount) ?? checkHeldAsset(this.#state, orderRef, asset);
    if (bad) return bad;
    const short = checkAvailable(this.#state, asset, amount);
    if (short) return short;
    const tx = this.#post("hold", orderRef, [
      { ledger_account: "available", asset, amount: -amount, type: "hold" },
      { ledger_account: "hold", asset, amount, type: "hold" },
    ]);
    const h = this.#state.holds.get(orderRef);
    this.#state.holds.set(orderRef, { asset, amount: (h?.amount ?? 0n) + amount });
    return this.#ok(tx);
  }

  /**
   * Returns `orderRef`'s hold to available: `amount` of it, or everything left when
   * `amount` is omitted (which also stops tracking the order: call it when the order is done).
   */
  release(orderRef: string, amount?: bigint): ReleaseResult {
    const h = this.#state.holds.get(orderRef);
    if (h === undefined) return reject("unknown_hold", `order ${orderRef} has no hold`, { order_ref: orderRef });
    if (amount !== undefined) {
      const bad = checkAmount(amount);
      if (bad) return bad;
      if (amount > h.amount) {
        return reject("release_exceeds_hold", `order ${orderRef} holds ${h.amount}, less than ${amount}`, {
          order_ref: orderRef,
          hold: h.amount,
          requested: amount,
        });
      }
    }
    const released = amount ?? h.amount;
    const tx =
      released === 0n
        ? null
        : this.#post("release", orderRef, [
            { ledger_account: "hold", asset: h.asset, amount: -released, type: "release" },
            { ledger_account: "available", asset: h.asset, amount: released, type: "release" },
          ]);
    if (amount === undefined) this.#state.holds.delete(orderRef);
    else h.amount -= released;
    return { ok: true, duplicate: false, transaction: tx, released };
  }

  /**
   * Settles one fill exactly once by `fill_id` (a repeat answers `duplicate: true` and
   * changes nothing; a refused fill is not remembered, so it may be retried).
   *
   * A buy spends `quote_amount + fee` of quote from the order's hold (a rebate leaves that
   * much more on hold, returned by `release`) and credits `base_amount` to available.
   * A sell spends `base_amount` of base from the order's hold and credits
   * `quote_amount − fee` to available. Fees post to the `fees` ledger account.
   * Refused with `hold_insufficient` when the order's hold does not cover the fill.
   */
  applyFill(fill: Fill): FillResult {
    if (this.#state.fills.has(fill.fill_id)) return { ok: true, duplicate: true };
    const invalid = checkFill(fill);
    if (invalid) return reject("invalid_fill", invalid, { fill_id: fill.fill_id });
    const { base, quote, base_amount: b, quote_amount: q, fee } = fill;
    const buy = fill.side === "buy";
    const heldAsset = buy ? quote : base;
    const bad = checkHeldAsset(this.#state, fill.order_ref, heldAsset);
    if (bad) return bad;
    const required = buy ? q + fee : b;
    const h = this.#state.holds.get(fill.order_ref);
    const held = h?.amount ?? 0n;
    if (h === undefined || held < required) {
      return reject(
        "hold_insufficient",
        `order ${fill.order_ref} holds ${held} ${heldAsset}, the fill needs ${required}`,
        {
          order_ref: fill.order_ref,
          asset: heldAsset,
          hold: held,
          required,
        },
      );
    }
    const feePayer: OwnAccount = buy ? "hold" : "available";
    const tx = this.#post(
      "fill",
      fill.fill_id,
      [
        { ledger_account: buy ? "counterparty" : "hold", asset: base, amount: -b, type: "trade" },
        { ledger_account: buy ? "available" : "counterparty", asset: base, amount: b, type: "trade" },
        { ledger_account: buy ? "hold" : "counterparty", asset: quote, amount: -q, type: "trade" },
        { ledger_account: buy ? "counterparty" : "available", asset: quote, amount: q, type: "trade" },
        { ledger_account: feePayer, asset: quote, amount: -fee, type: "fee" },
        { ledger_account: "fees", asset: quote, amount: fee, type: "fee" },
      ],
      fill.order_ref,
    );
    h.amount -= required;
    this.#state.fills.add(fill.fill_id);
    this.#trimFills();
    return this.#ok(tx);
  }

  /** Forgets the oldest fill ids beyond the window (a Set iterates in insertion order). */
  #trimFills(): void {
    const fills = this.#state.fills;
    const limit = this.#state.complete ? Number.POSITIVE_INFINITY : this.#recentFills;
    while (fills.size > limit) {
      const oldest = fills.values().next().value as string;
      fills.delete(oldest);
    }
  }

  #ok(transaction: LedgerTransaction): LedgerResult {
    return { ok: true, duplicate: false, transaction };
  }

  /**
   * Appends one transaction and its journal entries, stamped with the clock (see
   * `appendTransaction`). Zero legs are dropped. Callers have checked that nothing ends negative.
   */
  #post(type: TransactionType, ref: string, legs: Leg[], orderRef?: string): LedgerTransaction {
    const posted = legs.filter((l) => l.amount !== 0n);
    assertBalanced(posted);
    return appendTransaction(this.#state, this.#clock(), type, ref, posted, orderRef);
  }
}
