/**
 * Account: one Durable Object per account, addressed by account id. Holds the
 * account's API keys, refresh-token families and signed-request nonces
 * (gateway auth), and its money: balances, holds and the ledger journal
 * (`funds.ts`; this object is their only writer), the trading kill switch, and
 * its orders (`orders/`): order entry with pre-trade risk and holds, settlement
 * of the books' outbox rows, idempotency records and the dead-man timer.
 *
 * Credentials are checked here (`credentials.ts`), so no secret or verification key ever leaves
 * the object: the edge sends what it was given and gets back a grant (to sign
 * an access token for) or a refusal with a stable reason.
 */
import { DurableObject } from "cloudflare:workers";
import type { FamilyStatus } from "../../shared/auth/revocation.ts";
import type { Scope } from "../../shared/auth/scopes.ts";
import type { LedgerSnapshot } from "../../shared/ledger/index.ts";
import type { AmendOrder, CancelAll, FillQuery, OrderQuery, OrderRef } from "../../shared/orders/input.ts";
import type { DeliveryAck, OutboxRow } from "../order-book/contract.ts";
import { type Fault, type FaultResult, suffer } from "../runtime/fault-injection.ts";
import { sqlOver } from "../runtime/sql.ts";
import { Access } from "./access.ts";
import { AlarmRounds } from "./alarm-rounds.ts";
import { AccountRecovery, type AccountRestorePlan, type BookmarkKind } from "./bookmarks.ts";
import type {
  AccountBalances,
  AccountInfo,
  AccountNotFound,
  AssertionCheck,
  CallOptions,
  CreateAccountResult,
  KeyReused,
  RevokeKeyResult,
  StoredOutcome,
  TradingSwitch,
} from "./contract.ts";
import type { AccountEnv } from "./env.ts";
import { FeedSockets, type FeedSocketsAnswer, type FeedSocketsClaim } from "./feed-sockets.ts";
import type { BalanceView, Funds, LedgerEntriesPage, TransferInput, TransferResult } from "./funds.ts";
import { maxKeysOf } from "./keys.ts";
import type { EntryQuery } from "./ledger-store.ts";
import type { DeskError, OrderDesk } from "./orders/desk.ts";
import type { OrderEntry } from "./orders/entry.ts";
import type { OrderView } from "./orders/record.ts";
import type { FillView } from "./orders/settle.ts";
import type { Page, RequestRecord } from "./orders/store.ts";
import { AccountParts, type StoredParts, type TradingParts } from "./parts.ts";
import type { AccountRecord } from "./record.ts";
import type {
  ApiKeyView,
  CreatedKey,
  Grant,
  KeyLimitReached,
  NewKey,
  Refusal,
  SignedRequestCheck,
  SignedRequestOk,
  TokenLifetimes,
} from "./types.ts";
import type { UserSubscribeReply } from "./user-feed.ts";

export type * from "./contract.ts";
export type { AccountEnv } from "./env.ts";

/** What a mutation of order entry answers. */
type Answer = Promise<StoredOutcome | KeyReused>;

export class Account extends DurableObject<AccountEnv> {
  private readonly parts: AccountParts;
  private readonly access: Access;
  private readonly feedSockets: FeedSockets;
  /** Operator point-in-time recovery: bookmarks and restore (bookmarks.ts). */
  private readonly recovery: AccountRecovery;
  /** The alarm's rounds and when the next one is due (alarm-rounds.ts). */
  private readonly alarms: AlarmRounds;

  constructor(ctx: DurableObjectState, env: AccountEnv) {
    super(ctx, env);
    const sql = sqlOver(ctx.storage.sql);
    this.recovery = new AccountRecovery(ctx, sql);
    this.parts = new AccountParts({ ctx, env, sql, armAlarm: () => this.alarms.arm() });
    this.alarms = new AlarmRounds(this.parts, ctx.storage);
    this.access = new Access(sql, () => this.parts.migrated, maxKeysOf(env.MAX_API_KEYS_PER_ACCOUNT));
    this.feedSockets = new FeedSockets({
      account: () => this.record.row?.account_id,
      shards: env.FEED_SHARD,
      userShards: () => this.trading?.feed.subscribers() ?? [],
    });
    this.access.onRevoked = (revoked) => this.feedSockets.revoked(revoked);
    void ctx.blockConcurrencyWhile(() => this.parts.start());
  }

  private get record(): AccountRecord {
    return this.parts.record;
  }

  private get stored(): StoredParts | undefined {
    return this.parts.stored;
  }

  private get trading(): TradingParts | undefined {
    return this.parts.trading;
  }

  // ── accounts and keys ──────────────────────────────────────────────────

  /** Creates this account with its first key (operator bootstrap). */
  async createAccount(
    account: string,
    input: { name?: string | undefined; key: NewKey },
  ): Promise<CreateAccountResult> {
    await this.parts.migrate();
    if (this.record.row) return { ok: false, code: "account_exists", message: `Account ${account} already exists.` };
    const now = Date.now();
    this.parts.ensure(account, input.name ?? null, now);
    const key = await this.access.createKey(account, input.key, now);
    if ("ok" in key) throw new Error(key.message); // a new account has no key yet
    return { ok: true, account: this.record.info(), api_key: key };
  }

  /** The account, or null if it was never created (an OIDC principal without keys). */
  async describe(account: string): Promise<AccountInfo | null> {
    this.record.check(account);
    return this.record.row ? this.record.info() : null;
  }

  /** Creates a key (at most `MAX_API_KEYS_PER_ACCOUNT` live ones); an account first seen here (an OIDC principal) comes into being. */
  async createKey(account: string, input: NewKey): Promise<CreatedKey | KeyLimitReached> {
    await this.parts.migrate();
    const now = Date.now();
    this.parts.ensure(account, null, now);
    return this.access.createKey(account, input, now);
  }

  async listKeys(account: string): Promise<ApiKeyView[]> {
    this.record.check(account);
    return this.access.listKeys(Date.now());
  }

  /** Revokes a key (and its refresh families) if the caller holds every scope it has. */
  async revokeKey(account: string, keyId: string, callerScopes: readonly Scope[]): Promise<RevokeKeyResult> {
    this.record.check(account);
    return this.access.revokeKey(keyId, callerScopes, Date.now());
  }

  // ── tokens and signed requests (access.ts) ─────────────────────────────

  async grantWithSecret(
    account: string,
    input: { key_id: string; secret: string; ip: string | undefined },
    lifetimes: TokenLifetimes,
  ): Promise<Grant | Refusal> {
    this.record.check(account);
    return this.access.grantWithSecret(account, input, lifetimes);
  }

  async grantWithAssertion(
    account: string,
    input: AssertionCheck,
    lifetimes: TokenLifetimes,
  ): Promise<Grant | Refusal> {
    this.record.check(account);
    return this.access.grantWithAssertion(account, input, lifetimes);
  }

  async refresh(
    account: string,
    input: { token: string; ip: string | undefined },
    lifetimes: TokenLifetimes,
  ): Promise<Grant | Refusal> {
    this.record.check(account);
    return this.access.refresh(account, input, lifetimes, Date.now());
  }

  /** Revokes a refresh token's family; the family, or null for an unknown token. */
  async revokeRefreshToken(account: string, token: string): Promise<string | null> {
    this.record.check(account);
    return this.access.revokeRefreshToken(token, Date.now());
  }

  async revokeFamily(account: string, family: string): Promise<void> {
    this.record.check(account);
    this.access.revokeFamily(family, Date.now());
  }

  /** Whether this family vouches for access tokens of API key `keyId`: live, revoked or refused. */
  async familyStatus(account: string, family: string, keyId: string): Promise<FamilyStatus> {
    this.record.check(account);
    return this.access.familyStatus(family, keyId);
  }

  async verifySignedRequest(account: string, input: SignedRequestCheck): Promise<SignedRequestOk | Refusal> {
    this.record.check(account);
    return this.access.verifySignedRequest(input);
  }

  // ── balances and ledger ────────────────────────────────────────────────

  /** Credits `amount` of `asset` once per `reference` (operator). */
  async deposit(account: string, input: TransferInput): Promise<TransferResult> {
    const funds = this.fundsOf(account);
    return "ok" in funds ? funds : this.published(funds.transfer(account, "deposit", input));
  }

  /** Debits available `asset` once per `reference` (operator); never below zero available. */
  async withdraw(account: string, input: TransferInput): Promise<TransferResult> {
    const funds = this.fundsOf(account);
    return "ok" in funds ? funds : this.published(funds.transfer(account, "withdrawal", input));
  }

  /** Per asset total, hold and available (decimal strings), and the kill switch. */
  async balances(account: string): Promise<AccountBalances | AccountNotFound> {
    const funds = this.fundsOf(account);
    if ("ok" in funds) return funds;
    const enabled = this.record.tradingEnabled;
    return { ok: true, account_id: account, trading_enabled: enabled, balances: funds.balances() };
  }

  /**
   * Creates this (fresh) account from a ledger rebuilt from the journal (`shared/replay/ledger.ts`
   * `ledgerSnapshot`), checked by `AccountLedger.restore` and written through the ledger store.
   * Nothing is journaled to the event stream. Refused when the account already exists.
   * Operators (`POST /v1/admin/replay`) only.
   */
  async restoreFromReplay(
    account: string,
    snapshot: LedgerSnapshot,
  ): Promise<{ ok: true; balances: BalanceView[] } | { ok: false; code: "account_exists"; message: string }> {
    await this.parts.migrate();
    if (this.record.row) return { ok: false, code: "account_exists", message: `Account ${account} already exists.` };
    const now = Date.now();
    const balances = (this.stored as StoredParts).funds.restore(snapshot, now, () =>
      this.parts.ensure(account, "replay", now),
    );
    return { ok: true, balances };
  }

  /** Journal entries, newest first. */
  async ledgerEntries(
    account: string,
    query: EntryQuery,
  ): Promise<({ ok: true } & LedgerEntriesPage) | AccountNotFound> {
    const funds = this.fundsOf(account);
    return "ok" in funds ? funds : { ok: true, ...funds.entries(query) };
  }

  /** The kill switch: order entry refuses new orders while `trading_enabled` is false. */
  async setTradingEnabled(account: string, enabled: boolean): Promise<TradingSwitch | AccountNotFound> {
    const funds = this.fundsOf(account);
    if ("ok" in funds) return funds;
    const state = this.record.setTrading(enabled, Date.now());
    // The kill switch also cancels whatever is open (every time it is set, so a retry finishes the job).
    if (!enabled) await this.trading?.desk.cancelAll();
    return state;
  }

  /** A done transfer also reaches the account's user channel as a balance change. */
  private published(result: TransferResult): TransferResult {
    if (result.ok && !result.replayed) {
      this.trading?.feed.publish({ orders: [], fills: [], assets: [result.outcome.asset] });
    }
    return result;
  }

  // ── orders (orders/entry.ts, orders/desk.ts) ───────────────────────────

  /** Places an order (idempotent on `client_order_id`, and on the key if given). */
  async placeOrder(account: string, input: unknown, options: CallOptions = {}): Answer {
    return this.withEntry(account, options, (entry) => entry.place(input, options));
  }

  /** Places up to 20 orders, each with its own outcome. */
  async placeOrders(account: string, inputs: unknown[], options: CallOptions = {}): Answer {
    return this.withEntry(account, options, (entry) => entry.placeMany(inputs, options));
  }

  async cancelOrder(account: string, ref: OrderRef, options: CallOptions = {}): Answer {
    return this.withEntry(account, options, (entry) => entry.cancel(ref, options));
  }

  async amendOrder(account: string, ref: OrderRef, change: AmendOrder, options: CallOptions = {}): Answer {
    return this.withEntry(account, options, (entry) => entry.amend(ref, change, options));
  }

  async cancelAllOrders(account: string, filter: CancelAll, options: CallOptions = {}): Answer {
    return this.withEntry(account, options, (entry) => entry.cancelAll(filter, options));
  }

  /** Arms (or with 0 disarms) the dead-man timer: all open orders are cancelled when it fires. */
  async cancelAfter(account: string, timeoutMs: number, options: CallOptions = {}): Answer {
    return this.withEntry(account, options, (entry) => entry.cancelAfter(timeoutMs, options));
  }

  async getOrder(account: string, ref: OrderRef): Promise<OrderView | DeskError> {
    const desk = this.deskOf(account);
    return desk ? desk.get(ref) : { ok: false, code: "order_not_found", message: "No such order on this account." };
  }

  async listOrders(account: string, query: OrderQuery): Promise<Page<OrderView>> {
    return this.deskOf(account)?.list(query) ?? { items: [], next_before: null };
  }

  async listFills(account: string, query: FillQuery): Promise<Page<FillView>> {
    return this.deskOf(account)?.fills(query) ?? { items: [], next_before: null };
  }

  /** The stored outcome of a mutation sent with `key`, or null if none was recorded. */
  async requestOutcome(account: string, key: string): Promise<(RequestRecord & { in_progress: boolean }) | null> {
    this.record.check(account);
    return this.stored?.keyed.outcome(key) ?? null;
  }

  /** A book's outbox push: applies this account's new rows and acknowledges through its cursor. */
  async applyBookEvents(account: string, instrument: string, rows: OutboxRow[]): Promise<DeliveryAck> {
    const desk = this.deskOf(account);
    // Rows for an account that never existed (orders placed on the book directly) are acknowledged and dropped.
    if (!desk) return { through: rows.at(-1)?.seq ?? 0 };
    return { through: desk.applyBookEvents(instrument, rows) };
  }

  // ── feed sockets (feed-sockets.ts) ─────────────────────────────────────

  /** A feed shard's count of sockets authenticated as this account; a rise past `limit` is refused. */
  async claimFeedSockets(account: string, claim: FeedSocketsClaim): Promise<FeedSocketsAnswer> {
    this.record.check(account);
    return this.feedSockets.claim(claim, Date.now());
  }

  // ── user channel ───────────────────────────────────────────────────────

  /**
   * A feed shard subscribes this account's user channel: it is registered for pushes
   * (`FeedShard.pushUser`) and gets the snapshot its sockets start from.
   */
  async userSubscribe(account: string, shard: string): Promise<UserSubscribeReply> {
    this.record.check(account);
    const feed = this.trading?.feed;
    if (!this.record.row || !feed) return { ok: false, code: "account_not_found", message: `No account ${account}.` };
    return { ok: true, snapshot: feed.subscribe(shard) };
  }

  /** A feed shard has no socket left on this account's user channel. */
  async userUnsubscribe(account: string, shard: string): Promise<void> {
    this.record.check(account);
    this.trading?.feed.unsubscribe(shard);
  }

  // ── alarm ──────────────────────────────────────────────────────────────

  /** Fires the dead-man timer, resolves orders whose book answer was lost, forgets old idempotency records (alarm-rounds.ts). */
  override async alarm(): Promise<void> {
    await this.alarms.fire();
  }

  // ── recovery (operators; bookmarks.ts): a restore restarts the object, so its call rejects ──
  async bookmark(kind?: BookmarkKind) {
    await this.parts.migrate();
    return this.recovery.take(kind);
  }
  async bookmarks() {
    await this.parts.migrate();
    return this.recovery.list();
  }
  async restoreBookmark(id: string, plan: AccountRestorePlan, pitr = false) {
    return pitr ? this.recovery.restorePitr(id, plan) : this.recovery.restore(id, plan);
  }
  async lastRestore() {
    return this.recovery.lastRestore();
  }
  async journalHead() {
    return this.recovery.head();
  }

  /** Fault injection (`FAULT_ROUTES` builds only): crash, or resend journal events. */
  async suffer(fault: Fault): Promise<FaultResult> {
    await this.parts.migrate();
    return suffer(fault, this.env, this.ctx, this.stored?.journal.stream);
  }

  // ── internals ──────────────────────────────────────────────────────────

  /** The account's funds, or not found for an account never created (without writing storage). */
  private fundsOf(account: string): Funds | AccountNotFound {
    this.record.check(account);
    const funds = this.stored?.funds;
    if (!this.record.row || !funds) return { ok: false, code: "account_not_found", message: `No account ${account}.` };
    return funds;
  }

  private deskOf(account: string): OrderDesk | undefined {
    this.record.check(account);
    return this.record.row ? this.trading?.desk : undefined;
  }

  private withEntry(account: string, options: CallOptions, call: (entry: OrderEntry) => Answer): Answer {
    this.record.check(account);
    const entry = this.record.row ? this.trading?.entry : undefined;
    if (!entry) return Promise.resolve({ ok: false, code: "account_not_found", message: `No account ${account}.` });
    // The caller saw a newer configuration than this account holds: take it first (one call, only after a change).
    const catchingUp = this.parts.catchUpConfig(options.config_versions);
    return catchingUp ? catchingUp.then(() => call(entry)) : call(entry);
  }
}
