/**
 * One account's money: balances per asset (total, hold, available), holds per order,
 * and an append-only double-entry journal. Every operation either posts one balanced
 * transaction or is refused with a stable code and changes nothing.
 */
import { ASSET_SCALES, type AssetScales, formatAmount, isAssetCode } from "./assets.ts";
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
  LedgerRejection,
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

type Rejection<C extends LedgerRejection["code"]> = Extract<LedgerRejection, { code: C }>;

function reject<C extends LedgerRejection["code"]>(
  code: C,
  message: string,
  details: Omit<Rejection<C>, "ok" | "code" | "message">,
): Rejection<C> {
  return { ok: false, code, message, ...details } as Rejection<C>;
}

function isOwn(account: Leg["ledger_account"]): account is OwnAccount {
  return account === "available" || account === "hold";
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
    const b = this.#state.balances.get(asset);
    const total = b?.total ?? 0n;
    const hold = b?.hold ?? 0n;
    return { total, hold, available: total - hold };
  }

  /** `asset`'s available balance. */
  available(asset: string): bigint {
    return this.balance(asset).available;
  }

  /** Every asset the account has used, by code, as decimal strings. */
  balances(): BalanceView[] {
    return [...this.#state.balances.keys()].sort().map((asset) => {
      const { total, hold, available } = this.balance(asset);
      const fmt = (n: bigint) => formatAmount(n, asset, this.#scales);
      return { asset, total: fmt(total), hold: fmt(hold), available: fmt(available) };
    });
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
    const bad = checkAsset(asset) ?? checkAmount(amount) ?? this.#checkAvailable(asset, amount);
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
    const bad = checkAsset(asset) ?? checkAmount(amount) ?? this.#checkHeldAsset(orderRef, asset);
    if (bad) return bad;
    const short = this.#checkAvailable(asset, amount);
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
    const bad = this.#checkHeldAsset(fill.order_ref, heldAsset);
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

  #checkAvailable(asset: string, amount: bigint): LedgerRejection | null {
    const available = this.available(asset);
    if (available >= amount) return null;
    return reject("insufficient_available", `available ${asset} is ${available}, less than ${amount}`, {
      asset,
      available,
      requested: amount,
    });
  }

  #checkHeldAsset(orderRef: string, asset: string): LedgerRejection | null {
    const h = this.#state.holds.get(orderRef);
    if (h === undefined || h.asset === asset) return null;
    return reject("hold_asset_mismatch", `order ${orderRef} holds ${h.asset}, not ${asset}`, {
      order_ref: orderRef,
      asset,
      held_asset: h.asset,
    });
  }

  /**
   * Appends one transaction and its journal entries. Zero legs are dropped; the account's
   * credits are journaled before its debits, so no running balance dips below where the
   * transaction starts or ends. Callers have checked that nothing ends negative.
   */
  #post(type: TransactionType, ref: string, legs: Leg[], orderRef?: string): LedgerTransaction {
    const posted = legs.filter((l) => l.amount !== 0n);
    assertBalanced(posted);
    const state = this.#state;
    const at = this.#clock();
    const tx: LedgerTransaction = { tx_id: ++state.lastTxId, at, type, ref, legs: posted };
    if (orderRef !== undefined) tx.order_ref = orderRef;
    const own = posted.filter((l) => isOwn(l.ledger_account));
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
}

function checkAsset(asset: string): LedgerRejection | null {
  if (typeof asset === "string" && isAssetCode(asset)) return null;
  return reject("invalid_asset", `not an asset code: ${JSON.stringify(asset)}`, { asset });
}

function checkAmount(amount: bigint): LedgerRejection | null {
  if (typeof amount === "bigint" && amount > 0n) return null;
  return reject("invalid_amount", `amount must be a positive bigint, got ${amount}`, { amount });
}

/** Why a fill is malformed, or null. */
function checkFill(f: Fill): string | null {
  if (typeof f.fill_id !== "string" || f.fill_id === "") return "fill_id is required";
  if (typeof f.order_ref !== "string" || f.order_ref === "") return "order_ref is required";
  if (f.side !== "buy" && f.side !== "sell") return "side must be buy or sell";
  if (f.liquidity !== "maker" && f.liquidity !== "taker") return "liquidity must be maker or taker";
  if (!isAssetCode(f.base) || !isAssetCode(f.quote) || f.base === f.quote) return "base and quote must be two assets";
  if (f.fee_asset !== f.quote) return "fees are charged in the quote asset";
  for (const key of ["base_amount", "quote_amount", "fee"] as const) {
    if (typeof f[key] !== "bigint") return `${key} must be a bigint`;
  }
  if (f.base_amount <= 0n || f.quote_amount <= 0n) return "base_amount and quote_amount must be positive";
  if (f.fee > f.quote_amount || -f.fee > f.quote_amount) return "the fee must not exceed the quote amount";
  return null;
}

/** Throws when `legs` do not sum to zero per asset (a bug in this module, never an input error). */
function assertBalanced(legs: Leg[]): void {
  const sums = new Map<string, bigint>();
  for (const l of legs) sums.set(l.asset, (sums.get(l.asset) ?? 0n) + l.amount);
  for (const [asset, sum] of sums) {
    if (sum !== 0n) throw new Error(`unbalanced transaction: ${asset} legs sum to ${sum}`);
  }
}
