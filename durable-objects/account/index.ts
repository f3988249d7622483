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
import { SQLSchemaMigrations } from "durable-utils/sql-migrations";
import type { Scope } from "../../shared/auth/scopes.ts";
import { AccountLedger, type LedgerSnapshot } from "../../shared/ledger/index.ts";
import {
  type AmendOrder,
  type CancelAll,
  type FillQuery,
  type NewOrder,
  NewOrderSchema,
  type OrderQuery,
  type OrderRef,
} from "../../shared/orders/input.ts";
import { FEES_NAME } from "../fees/index.ts";
import { registryStub } from "../instrument-registry/index.ts";
import type { DeliveryAck, OutboxRow } from "../order-book/contract.ts";
import { orderBookStub } from "../order-book/stub.ts";
import { type Fault, type FaultResult, suffer } from "../runtime/fault-injection.ts";
import { type Sql, sqlOver } from "../runtime/sql.ts";
import { streamDelayMs } from "../runtime/stream-out.ts";
import {
  type AccountBalances,
  type AccountInfo,
  type AccountNotFound,
  type AssertionCheck,
  type BatchOutcome,
  type CallOptions,
  type CancelAfterOutcome,
  type CreateAccountResult,
  type KeyReused,
  type RevokeKeyResult,
  type StoredOutcome,
  statusUnknown,
  type TradingSwitch,
} from "./contract.ts";
import { grantByAssertion, grantBySecret, verifySignedRequest } from "./credentials.ts";
import { type BalanceView, Funds, type LedgerEntriesPage, type TransferInput, type TransferResult } from "./funds.ts";
import { AccountJournal } from "./journal.ts";
import { createKey, findKey, listKeys, parseScopes, refusal, revokeKey } from "./keys.ts";
import { appendJournal, type EntryQuery } from "./ledger-store.ts";
import { type DeskError, OrderDesk, type OrderOutcome, PENDING_RESOLVE_MS } from "./orders/desk.ts";
import { FeeTally } from "./orders/fee-tally.ts";
import { InstrumentCache } from "./orders/instruments.ts";
import { KeyedRequests } from "./orders/keyed-requests.ts";
import { type OrderView, orderView } from "./orders/record.ts";
import type { FillView } from "./orders/settle.ts";
import { OrderStore, type Page, type RequestRecord } from "./orders/store.ts";
import { ACCOUNT_MIGRATIONS } from "./schema.ts";
import { familyRevoked, revokeByToken, revokeFamily, rotate } from "./tokens.ts";
import type {
  ApiKeyView,
  CreatedKey,
  Grant,
  NewKey,
  Refusal,
  SignedRequestCheck,
  SignedRequestOk,
  TokenLifetimes,
} from "./types.ts";
import { UserFeed, type UserShardRpc, type UserSubscribeReply } from "./user-feed.ts";

export type * from "./contract.ts";

interface AccountRow extends Record<string, string | number | null> {
  account_id: string;
  name: string | null;
  created_at: number;
  trading_enabled: number;
  trading_changed_at: number | null;
  cancel_after_at: number | null;
}

export class Account extends DurableObject {
  private readonly sql: Sql;
  private readonly migrations: SQLSchemaMigrations;
  /** False until the schema exists: an object only reached by unknown credentials never writes storage. */
  private migrated = false;
  private migrating: Promise<void> | undefined;
  private self: AccountRow | undefined;
  /** Balances and ledger, loaded with the schema. */
  private funds: Funds | undefined;
  /** Order entry, loaded with the schema. */
  private desk: OrderDesk | undefined;
  private orderStore: OrderStore | undefined;
  /** The user channel's subscribed feed shards and message sequence, loaded with the desk. */
  private userFeed: UserFeed | undefined;
  private readonly instruments: InstrumentCache;
  /** Outcomes of mutations sent with an Idempotency-Key, loaded with the schema. */
  private keyedRequests: KeyedRequests | undefined;
  /** The event journal sent to the EVENTS Queue (stream-out.ts), loaded with the schema. */
  private journal: AccountJournal | undefined;
  /** Until when the alarm last armed for unsent events covers new ones (one setAlarm per window). */
  private streamWakeUntil = 0;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.sql = sqlOver(ctx.storage.sql);
    this.migrations = new SQLSchemaMigrations({ doStorage: ctx.storage, migrations: ACCOUNT_MIGRATIONS });
    this.instruments = new InstrumentCache((symbol) => registryStub(env.INSTRUMENTS).get(symbol));
    void ctx.blockConcurrencyWhile(async () => {
      const exists = this.sql.one`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'account'`;
      if (exists) await this.runMigrations();
    });
  }

  // ── accounts and keys ──────────────────────────────────────────────────

  /** Creates this account with its first key (operator bootstrap). */
  async createAccount(
    account: string,
    input: { name?: string | undefined; key: NewKey },
  ): Promise<CreateAccountResult> {
    await this.migrate();
    if (this.self) return { ok: false, code: "account_exists", message: `Account ${account} already exists.` };
    const now = Date.now();
    this.ensure(account, input.name ?? null, now);
    const key = await createKey(this.sql, account, input.key, now);
    return { ok: true, account: this.info(), api_key: key };
  }

  /** The account, or null if it was never created (an OIDC principal without keys). */
  async describe(account: string): Promise<AccountInfo | null> {
    this.check(account);
    return this.self ? this.info() : null;
  }

  /** Creates a key; an account first seen here (an OIDC principal) comes into being. */
  async createKey(account: string, input: NewKey): Promise<CreatedKey> {
    await this.migrate();
    const now = Date.now();
    this.ensure(account, null, now);
    return createKey(this.sql, account, input, now);
  }

  async listKeys(account: string): Promise<ApiKeyView[]> {
    this.check(account);
    if (!this.migrated) return [];
    return listKeys(this.sql, Date.now());
  }

  /** Revokes a key (and its refresh families) if the caller holds every scope it has. */
  async revokeKey(account: string, keyId: string, callerScopes: readonly Scope[]): Promise<RevokeKeyResult> {
    this.check(account);
    const row = this.migrated ? findKey(this.sql, keyId) : undefined;
    if (!row || row.revoked_at !== null) {
      return { ok: false, code: "api_key_not_found", message: `No API key ${keyId}.` };
    }
    const lacking = parseScopes(row).find((s) => !callerScopes.includes(s));
    if (lacking) {
      return {
        ok: false,
        code: "missing_scope",
        scope: lacking,
        message: `Revoking this key needs the '${lacking}' scope it has.`,
      };
    }
    return { ok: true, families: revokeKey(this.sql, keyId, Date.now()) ?? [] };
  }

  // ── tokens ─────────────────────────────────────────────────────────────

  /** `api_key` + `api_secret` → a refresh grant. Unknown key and wrong secret refuse alike. */
  async grantWithSecret(
    account: string,
    input: { key_id: string; secret: string; ip: string | undefined },
    lifetimes: TokenLifetimes,
  ): Promise<Grant | Refusal> {
    this.check(account);
    const row = this.migrated ? findKey(this.sql, input.key_id) : undefined;
    return grantBySecret(this.sql, account, row, input, lifetimes);
  }

  /** A JWT assertion signed with the key's Ed25519 private key (RFC 7523) → a refresh grant. */
  async grantWithAssertion(
    account: string,
    input: AssertionCheck,
    lifetimes: TokenLifetimes,
  ): Promise<Grant | Refusal> {
    this.check(account);
    const row = this.migrated ? findKey(this.sql, input.key_id) : undefined;
    return grantByAssertion(this.sql, account, row, input, lifetimes);
  }

  async refresh(
    account: string,
    input: { token: string; ip: string | undefined },
    lifetimes: TokenLifetimes,
  ): Promise<Grant | Refusal> {
    this.check(account);
    if (!this.migrated) return refusal("refresh_token_unknown", "Unknown refresh token.");
    return rotate(this.sql, account, input.token, input.ip, lifetimes, Date.now());
  }

  /** Revokes a refresh token's family; the family, or null for an unknown token. */
  async revokeRefreshToken(account: string, token: string): Promise<string | null> {
    this.check(account);
    if (!this.migrated) return null;
    return (await revokeByToken(this.sql, token, Date.now())) ?? null;
  }

  async revokeFamily(account: string, family: string): Promise<void> {
    this.check(account);
    if (this.migrated) revokeFamily(this.sql, family, "revoked", Date.now());
  }

  /** True if access tokens of this family must be refused. */
  async familyRevoked(account: string, family: string): Promise<boolean> {
    this.check(account);
    return !this.migrated || familyRevoked(this.sql, family);
  }

  // ── signed requests ────────────────────────────────────────────────────

  /** Verifies a signed request (HMAC-SHA256 or Ed25519 by the key's kind) and spends its nonce. */
  async verifySignedRequest(account: string, input: SignedRequestCheck): Promise<SignedRequestOk | Refusal> {
    this.check(account);
    const row = this.migrated ? findKey(this.sql, input.key_id) : undefined;
    return verifySignedRequest(this.sql, row, input);
  }

  // ── balances and ledger ────────────────────────────────────────────────

  /** Credits `amount` of `asset` once per `reference` (operator). */
  async deposit(account: string, input: TransferInput): Promise<TransferResult> {
    this.check(account);
    const funds = this.fundsOf(account);
    return "ok" in funds ? funds : this.published(funds.transfer(account, "deposit", input));
  }

  /** Debits available `asset` once per `reference` (operator); never below zero available. */
  async withdraw(account: string, input: TransferInput): Promise<TransferResult> {
    this.check(account);
    const funds = this.fundsOf(account);
    return "ok" in funds ? funds : this.published(funds.transfer(account, "withdrawal", input));
  }

  /** Per asset total, hold and available (decimal strings), and the kill switch. */
  async balances(account: string): Promise<AccountBalances | AccountNotFound> {
    this.check(account);
    const funds = this.fundsOf(account);
    if ("ok" in funds) return funds;
    const self = this.self as AccountRow;
    return { ok: true, account_id: account, trading_enabled: self.trading_enabled === 1, balances: funds.balances() };
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
    await this.migrate();
    if (this.self) return { ok: false, code: "account_exists", message: `Account ${account} already exists.` };
    const ledger = AccountLedger.restore(snapshot);
    const funds = this.funds as Funds;
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      appendJournal(this.sql, ledger, ledger.takeJournal(), now, ledger.heldOrders());
      this.ensure(account, "replay", now);
    });
    funds.reload();
    return { ok: true, balances: funds.balances() };
  }

  /** Journal entries, newest first. */
  async ledgerEntries(
    account: string,
    query: EntryQuery,
  ): Promise<({ ok: true } & LedgerEntriesPage) | AccountNotFound> {
    this.check(account);
    const funds = this.fundsOf(account);
    return "ok" in funds ? funds : { ok: true, ...funds.entries(query) };
  }

  /** The kill switch: order entry refuses new orders while `trading_enabled` is false. */
  async setTradingEnabled(account: string, enabled: boolean): Promise<TradingSwitch | AccountNotFound> {
    this.check(account);
    const funds = this.fundsOf(account);
    if ("ok" in funds) return funds;
    const self = this.self as AccountRow;
    if ((self.trading_enabled === 1) !== enabled) {
      const now = Date.now();
      this.sql`UPDATE account SET trading_enabled = ${enabled ? 1 : 0}, trading_changed_at = ${now} WHERE id = 1`;
      self.trading_enabled = enabled ? 1 : 0;
      self.trading_changed_at = now;
    }
    // The kill switch also cancels whatever is open (every time it is set, so a retry finishes the job).
    if (!enabled) await this.desk?.cancelAll();
    const at = self.trading_changed_at;
    return {
      ok: true,
      account_id: account,
      trading_enabled: self.trading_enabled === 1,
      changed_at: at === null ? null : new Date(at).toISOString(),
      changed_at_ms: at,
    };
  }

  /** A done transfer also reaches the account's user channel as a balance change. */
  private published(result: TransferResult): TransferResult {
    if (result.ok && !result.replayed) {
      this.userFeed?.publish({ orders: [], fills: [], assets: [result.outcome.asset] });
    }
    return result;
  }

  // ── orders ─────────────────────────────────────────────────────────────

  /** Places an order (idempotent on `client_order_id`, and on the key if given). */
  async placeOrder(account: string, input: unknown, options: CallOptions = {}): Promise<StoredOutcome | KeyReused> {
    const desk = this.deskOf(account);
    if ("code" in desk) return desk;
    const parsed = NewOrderSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
    return this.keyedCall(options, "place", parsed.data, () => desk.place(parsed.data, options));
  }

  /** Places up to 20 orders, each with its own outcome. */
  async placeOrders(account: string, inputs: unknown[], options: CallOptions = {}): Promise<StoredOutcome | KeyReused> {
    const desk = this.deskOf(account);
    if ("code" in desk) return desk;
    return this.keyedCall(options, "batch", inputs, async (): Promise<BatchOutcome> => {
      const results: OrderOutcome[] = [];
      const valid: Array<{ index: number; order: NewOrder }> = [];
      for (const [index, input] of inputs.entries()) {
        const parsed = NewOrderSchema.safeParse(input);
        if (parsed.success) valid.push({ index, order: parsed.data });
        else results[index] = invalid(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
      }
      // The valid ones go together: one commit of their holds, one submit per instrument.
      const placed = await desk.placeMany(
        valid.map((v) => v.order),
        options,
      );
      for (const [k, v] of valid.entries()) results[v.index] = placed[k] as OrderOutcome;
      return { ok: true, results };
    });
  }

  async cancelOrder(account: string, ref: OrderRef, options: CallOptions = {}): Promise<StoredOutcome | KeyReused> {
    const desk = this.deskOf(account);
    if ("code" in desk) return desk;
    return this.keyedCall(options, "cancel", ref, () => desk.cancel(ref, options));
  }

  async amendOrder(
    account: string,
    ref: OrderRef,
    change: AmendOrder,
    options: CallOptions = {},
  ): Promise<StoredOutcome | KeyReused> {
    const desk = this.deskOf(account);
    if ("code" in desk) return desk;
    return this.keyedCall(options, "amend", { ref, change }, () => desk.amend(ref, change, options));
  }

  async cancelAllOrders(
    account: string,
    filter: CancelAll,
    options: CallOptions = {},
  ): Promise<StoredOutcome | KeyReused> {
    const desk = this.deskOf(account);
    if ("code" in desk) return desk;
    return this.keyedCall(options, "cancel_all", filter, () => desk.cancelAll(filter, options));
  }

  /** Arms (or with 0 disarms) the dead-man timer: all open orders are cancelled when it fires. */
  async cancelAfter(account: string, timeoutMs: number, options: CallOptions = {}): Promise<StoredOutcome | KeyReused> {
    const desk = this.deskOf(account);
    if ("code" in desk) return desk;
    return this.keyedCall(options, "cancel_after", { timeoutMs }, async (): Promise<CancelAfterOutcome> => {
      const at = timeoutMs === 0 ? null : Date.now() + timeoutMs;
      this.sql`UPDATE account SET cancel_after_at = ${at} WHERE id = 1`;
      (this.self as AccountRow).cancel_after_at = at;
      await this.armAlarm();
      return { ok: true, cancel_at: at === null ? null : new Date(at).toISOString(), cancel_at_ms: at };
    });
  }

  async getOrder(account: string, ref: OrderRef): Promise<OrderView | DeskError> {
    const desk = this.deskOf(account);
    if ("code" in desk) return { ok: false, code: "order_not_found", message: "No such order on this account." };
    return desk.get(ref);
  }

  async listOrders(account: string, query: OrderQuery): Promise<Page<OrderView>> {
    const desk = this.deskOf(account);
    return "code" in desk ? { items: [], next_before: null } : desk.list(query);
  }

  async listFills(account: string, query: FillQuery): Promise<Page<FillView>> {
    const desk = this.deskOf(account);
    return "code" in desk ? { items: [], next_before: null } : desk.fills(query);
  }

  /** The stored outcome of a mutation sent with `key`, or null if none was recorded. */
  async requestOutcome(account: string, key: string): Promise<(RequestRecord & { in_progress: boolean }) | null> {
    this.check(account);
    return this.keyedRequests?.outcome(key) ?? null;
  }

  /** A book's outbox push: applies this account's new rows and acknowledges through its cursor. */
  async applyBookEvents(account: string, instrument: string, rows: OutboxRow[]): Promise<DeliveryAck> {
    this.check(account);
    const desk = this.desk;
    // Rows for an account that never existed (orders placed on the book directly) are acknowledged and dropped.
    if (!this.self || !desk) return { through: rows.at(-1)?.seq ?? 0 };
    return { through: desk.applyBookEvents(instrument, rows) };
  }

  // ── user channel ───────────────────────────────────────────────────────

  /**
   * A feed shard subscribes this account's user channel: it is registered for pushes
   * (`FeedShard.pushUser`) and gets the snapshot its sockets start from.
   */
  async userSubscribe(account: string, shard: string): Promise<UserSubscribeReply> {
    this.check(account);
    const feed = this.userFeed;
    if (!this.self || !feed) return { ok: false, code: "account_not_found", message: `No account ${account}.` };
    return { ok: true, snapshot: feed.subscribe(shard) };
  }

  /** A feed shard has no socket left on this account's user channel. */
  async userUnsubscribe(account: string, shard: string): Promise<void> {
    this.check(account);
    this.userFeed?.unsubscribe(shard);
  }

  /** Fires the dead-man timer, resolves orders whose book answer was lost, forgets old idempotency records. */
  override async alarm(): Promise<void> {
    const self = this.self;
    const desk = this.desk;
    if (!self || !desk) return;
    const now = Date.now();
    if (self.cancel_after_at !== null && self.cancel_after_at <= now) {
      const outcome = await desk.cancelAll();
      // Disarmed once everything is cancelled; a book that did not answer is tried again in a second.
      const retryAt = outcome.ok ? null : Date.now() + 1_000;
      self.cancel_after_at = retryAt;
      this.sql`UPDATE account SET cancel_after_at = ${retryAt} WHERE id = 1`;
    }
    await desk.resolvePending(now - PENDING_RESOLVE_MS);
    await desk.reportFees();
    await this.journal?.flush();
    this.keyedRequests?.prune(now);
    await this.armAlarm();
  }

  /** Sets the alarm to the dead-man deadline, or soon while orders wait for their book. */
  private async armAlarm(): Promise<void> {
    const deadline = this.self?.cancel_after_at ?? null;
    // Pending orders and unreported fees are retried soon.
    const pending =
      (this.desk?.hasPending() ?? false) ||
      (this.desk?.feesUnreported() ?? false) ||
      (this.journal?.stream.lag() ?? 0) > 0;
    const resolveAt = pending ? Date.now() + PENDING_RESOLVE_MS : null;
    const next = deadline === null ? resolveAt : resolveAt === null ? deadline : Math.min(deadline, resolveAt);
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }

  /** Runs a mutation once per Idempotency-Key (see `orders/keyed-requests.ts`), then arms the alarm if it must. */
  private async keyedCall(
    options: CallOptions,
    operation: string,
    body: unknown,
    run: () => Promise<StoredOutcome>,
  ): Promise<StoredOutcome | KeyReused> {
    const outcome = await (this.keyedRequests as KeyedRequests).run(options.idempotency_key, operation, body, run);
    return outcome.ok || outcome.code !== "idempotency_key_reused" ? this.afterMutation(outcome) : outcome;
  }

  /** An outcome whose book call failed leaves an order pending: the alarm resolves it. */
  private async afterMutation(outcome: StoredOutcome): Promise<StoredOutcome> {
    if (statusUnknown(outcome)) await this.armAlarm();
    return outcome;
  }

  private deskOf(account: string): OrderDesk | DeskError {
    this.check(account);
    if (!this.self || !this.desk) return { ok: false, code: "account_not_found", message: `No account ${account}.` };
    return this.desk;
  }

  /** Fault injection (`FAULT_ROUTES` builds only): crash, or resend journal events. */
  async suffer(fault: Fault): Promise<FaultResult> {
    await this.migrate();
    return suffer(fault, this.env, this.ctx, this.journal?.stream);
  }

  // ── internals ──────────────────────────────────────────────────────────

  /** Creates or upgrades the schema once, with other events held back meanwhile. */
  private async migrate(): Promise<void> {
    if (this.migrated) return;
    this.migrating ??= this.ctx
      .blockConcurrencyWhile(() => this.runMigrations())
      .finally(() => {
        this.migrating = undefined;
      });
    await this.migrating;
  }

  private async runMigrations(): Promise<void> {
    await this.migrations.runAll();
    this.self = this.sql.one<AccountRow>`
      SELECT account_id, name, created_at, trading_enabled, trading_changed_at, cancel_after_at FROM account WHERE id = 1`;
    const funds = new Funds(this.sql, this.ctx);
    this.funds = funds;
    const journal = new AccountJournal({
      sql: this.sql,
      delayMs: streamDelayMs((this.env as { EVENT_STREAM_DELAY_MS?: string }).EVENT_STREAM_DELAY_MS),
      account: () => this.self?.account_id,
      queue: () => this.env.EVENTS,
      wake: () => {
        // A safety net for a crash before the send: the alarm retries what the Queue lacks.
        const now = Date.now();
        if (now < this.streamWakeUntil) return;
        this.streamWakeUntil = now + PENDING_RESOLVE_MS;
        void this.armAlarm();
      },
    });
    this.journal = journal;
    funds.changeLog = journal;
    this.orderStore = new OrderStore(this.sql);
    this.keyedRequests = new KeyedRequests(this.orderStore);
    if (this.self) this.desk = this.createDesk(this.self.account_id, funds, this.orderStore);
    this.migrated = true;
    // Orders left waiting for their book, or fees not yet reported, before a restart: the alarm finishes them.
    if (this.desk && (this.desk.hasPending() || this.desk.feesUnreported() || journal.stream.lag() > 0)) {
      await this.armAlarm();
    }
  }

  /** The account's funds, or not found for an account never created (without writing storage). */
  private fundsOf(account: string): Funds | AccountNotFound {
    if (!this.self || !this.funds) {
      return { ok: false, code: "account_not_found", message: `No account ${account}.` };
    }
    return this.funds;
  }

  /** Creates the account row on first use; refuses a call addressed to another account. */
  private ensure(account: string, name: string | null, now: number): void {
    if (this.self) return this.check(account);
    this.sql`INSERT INTO account (id, account_id, name, created_at) VALUES (1, ${account}, ${name}, ${now})`;
    this.self = {
      account_id: account,
      name,
      created_at: now,
      trading_enabled: 1,
      trading_changed_at: null,
      cancel_after_at: null,
    };
    if (this.funds && this.orderStore) this.desk = this.createDesk(account, this.funds, this.orderStore);
  }

  private createDesk(account: string, funds: Funds, store: OrderStore): OrderDesk {
    const env = this.env;
    const feed = new UserFeed({
      sql: this.sql,
      account,
      shard: (name) => env.FEED_SHARD.get(env.FEED_SHARD.idFromName(name)) as unknown as UserShardRpc,
      openOrders: () => this.desk?.openOrders().map(orderView) ?? [],
      balances: () => funds.balances(),
    });
    this.userFeed = feed;
    return new OrderDesk({
      account,
      store,
      funds,
      instruments: this.instruments,
      book: (instrument) => orderBookStub(env.ORDER_BOOK, instrument),
      tradingEnabled: () => this.self?.trading_enabled === 1,
      maxOpenOrders: env.MAX_OPEN_ORDERS === undefined ? undefined : Number(env.MAX_OPEN_ORDERS),
      journal: this.journal,
      fees: {
        tally: new FeeTally(this.ctx.storage.kv),
        report: async (version, totals) => {
          try {
            return await env.FEES.getByName(FEES_NAME).report(account, version, totals);
          } catch (err) {
            await this.armAlarm();
            throw err;
          }
        },
      },
      onUpdates: (updates) => {
        try {
          feed.publish(updates);
        } catch (err) {
          // The change is committed; the user channel's subscribers resync at their next message.
          console.error(JSON.stringify({ level: "error", msg: "user channel publish failed", error: String(err) }));
        }
      },
    });
  }

  private check(account: string): void {
    if (this.self && this.self.account_id !== account) {
      throw new Error(
        `This Account object holds ${this.self.account_id}, not ${account}: address it with accountStub(env.ACCOUNT, account).`,
      );
    }
  }

  private info(): AccountInfo {
    const self = this.self as AccountRow;
    return { account_id: self.account_id, name: self.name, created_at: new Date(self.created_at).toISOString() };
  }
}

function invalid(message: string): DeskError {
  return { ok: false, code: "invalid_order", message };
}
