/**
 * The parts of an Account object, built in two steps: those it has once its schema exists
 * (funds, journal, order store, idempotency records), and those it has once the account
 * does (order desk, order entry, user channel), wired to the books, the instrument cache,
 * the fees account and the kill switch. The schema is created on first need only: an
 * object reached by unknown credentials never writes storage.
 */
import { SQLSchemaMigrations } from "durable-utils/sql-migrations";
import { maxOpenOrdersVar } from "../../shared/config/defaults.ts";
import { LiveConfig } from "../../shared/config/live-cache.ts";
import { maxOpenOrdersFor, maxOrderNotionalFor } from "../../shared/config/risk.ts";
import { resolveAccountBudgets } from "../../shared/rate-limit/budget.ts";
import { configStub } from "../config/stub.ts";
import { FEES_NAME } from "../fees/index.ts";
import { registryStub } from "../instrument-registry/index.ts";
import { orderBookStub } from "../order-book/stub.ts";
import type { Sql } from "../runtime/sql.ts";
import { streamDelayMs } from "../runtime/stream-out.ts";
import { reportUnreachable } from "../runtime/unreachable.ts";
import type { CallOptions } from "./contract.ts";
import type { AccountEnv } from "./env.ts";
import { Funds } from "./funds.ts";
import { AccountJournal } from "./journal.ts";
import { AccountMetrics } from "./metrics.ts";
import { OrderDesk, PENDING_RESOLVE_MS } from "./orders/desk.ts";
import { OrderEntry } from "./orders/entry.ts";
import { FeeTally } from "./orders/fee-tally.ts";
import { InstrumentCache } from "./orders/instruments.ts";
import { KeyedRequests } from "./orders/keyed-requests.ts";
import { OrderBudget } from "./orders/order-budget.ts";
import { orderView } from "./orders/record.ts";
import { OrderStore } from "./orders/store.ts";
import { AccountRecord } from "./record.ts";
import { ACCOUNT_MIGRATIONS } from "./schema.ts";
import { UserFeed, type UserShardRpc } from "./user-feed.ts";

/**
 * How old an Account's configuration copy may get before it asks the ConfigStore itself, ms.
 * Long on purpose: callers (the edge, the feed shards) pass the versions they hold with every
 * order call and the account catches up at once when they are newer (catchUpConfig), so the
 * store's read load grows with isolates and shards, not with trading accounts.
 */
export const ACCOUNT_CONFIG_TTL_MS = 30_000;

export interface AccountPartsDeps {
  ctx: DurableObjectState;
  env: AccountEnv;
  sql: Sql;
  /** Re-arms the object's alarm (retries, the dead-man timer). */
  armAlarm: () => Promise<void>;
}

export class AccountParts {
  private readonly deps: AccountPartsDeps;
  private readonly migrations: SQLSchemaMigrations;
  private readonly instruments: InstrumentCache;
  /** The live configuration (risk, account budgets; instruments and fees through the registry): caught up on callers' hints, else every 30 s. */
  private readonly config: LiveConfig | undefined;
  readonly record: AccountRecord;
  /** False until the schema exists. */
  migrated = false;
  private migrating: Promise<void> | undefined;
  /** Funds, journal, order store and idempotency records, once the schema exists. */
  stored: StoredParts | undefined;
  /** Order desk, order entry and the user channel, once the account exists. */
  trading: TradingParts | undefined;
  /** Until when the alarm last armed for unsent events covers new ones (one setAlarm per window). */
  private streamWakeUntil = 0;

  constructor(deps: AccountPartsDeps) {
    this.deps = deps;
    this.record = new AccountRecord(deps.sql);
    this.migrations = new SQLSchemaMigrations({ doStorage: deps.ctx.storage, migrations: ACCOUNT_MIGRATIONS });
    const ns = deps.env.CONFIG;
    this.config = ns
      ? new LiveConfig({ fetchChanges: (known) => configStub(ns).changesSince(known), ttlMs: ACCOUNT_CONFIG_TTL_MS })
      : undefined;
    const config = this.config;
    this.instruments = new InstrumentCache(
      (symbol) => registryStub(deps.env.INSTRUMENTS).get(symbol),
      undefined,
      // A new instruments or fees version drops the cached specs (the registry serves them laid over).
      config && (() => `${config.current("instruments")?.version ?? 0}/${config.current("fees")?.version ?? 0}`),
      // A book this account cannot reach is reported to the registry's failover watch.
      (spec) => reportUnreachable(() => registryStub(deps.env.INSTRUMENTS), spec),
    );
  }

  /** On start: loads what exists, creating nothing. */
  async start(): Promise<void> {
    const exists = this.deps.sql.one`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'account'`;
    if (exists) await this.load();
  }

  /** Creates or upgrades the schema once, with other events held back meanwhile. */
  async migrate(): Promise<void> {
    if (this.migrated) return;
    this.migrating ??= this.deps.ctx
      .blockConcurrencyWhile(() => this.load())
      .finally(() => {
        this.migrating = undefined;
      });
    await this.migrating;
  }

  /** Creates the account row on first use; refuses a call addressed to another account. */
  ensure(account: string, name: string | null, now: number): void {
    if (this.record.row) return this.record.check(account);
    this.record.create(account, name, now);
    this.openTrading(account);
  }

  /** A refresh to wait for when a caller holds newer configuration versions than this account (LiveConfig.catchUp). */
  catchUpConfig(hint: CallOptions["config_versions"]): Promise<void> | undefined {
    return this.config?.catchUp(hint);
  }

  /** Whether the alarm must come back soon: orders wait for their book, fees or events wait to be sent. */
  retriesPending(): boolean {
    const desk = this.trading?.desk;
    return (
      (desk?.hasPending() ?? false) || (desk?.feesUnreported() ?? false) || (this.stored?.journal.stream.lag() ?? 0) > 0
    );
  }

  private async load(): Promise<void> {
    const { sql, ctx, env } = this.deps;
    await this.migrations.runAll();
    await this.config?.ready();
    this.record.load();
    this.stored = loadStoredParts({
      sql,
      ctx,
      env,
      account: () => this.record.row?.account_id,
      wake: () => {
        // A safety net for a crash before the send: the alarm retries what the Queue lacks.
        const now = Date.now();
        if (now < this.streamWakeUntil) return;
        this.streamWakeUntil = now + PENDING_RESOLVE_MS;
        void this.deps.armAlarm();
      },
    });
    if (this.record.row) this.openTrading(this.record.row.account_id);
    this.migrated = true;
    // Orders left waiting for their book, or fees or events not yet sent, before a restart: the alarm finishes them.
    if (this.retriesPending()) await this.deps.armAlarm();
  }

  private openTrading(account: string): void {
    if (!this.stored) return;
    const { env, ctx, sql, armAlarm } = this.deps;
    this.trading = openTradingParts({
      account,
      env,
      storage: ctx.storage,
      sql,
      stored: this.stored,
      instruments: this.instruments,
      config: this.config,
      tradingEnabled: () => this.record.tradingEnabled,
      setCancelAfter: async (at) => {
        this.record.cancelAfterAt = at;
        await armAlarm();
      },
      armAlarm,
    });
  }
}

/** What the object has once its schema exists. */
export interface StoredParts {
  funds: Funds;
  journal: AccountJournal;
  store: OrderStore;
  keyed: KeyedRequests;
}

function loadStoredParts(deps: {
  sql: Sql;
  ctx: DurableObjectState;
  env: AccountEnv;
  account: () => string | undefined;
  /** Called when events wait for the Queue: the alarm retries what it lacks. */
  wake: () => void;
}): StoredParts {
  const funds = new Funds(deps.sql, deps.ctx);
  const journal = new AccountJournal({
    sql: deps.sql,
    delayMs: streamDelayMs(deps.env.EVENT_STREAM_DELAY_MS),
    account: deps.account,
    queue: () => deps.env.EVENTS,
    wake: deps.wake,
  });
  funds.changeLog = journal;
  const store = new OrderStore(deps.sql);
  return { funds, journal, store, keyed: new KeyedRequests(store) };
}

/** What the object has once the account exists. */
export interface TradingParts {
  desk: OrderDesk;
  entry: OrderEntry;
  feed: UserFeed;
}

export interface TradingDeps {
  account: string;
  env: AccountEnv;
  storage: DurableObjectStorage;
  sql: Sql;
  stored: StoredParts;
  instruments: InstrumentCache;
  config: LiveConfig | undefined;
  tradingEnabled: () => boolean;
  /** Arms the dead-man timer at `at` (null disarms). */
  setCancelAfter: (at: number | null) => Promise<void>;
  /** The alarm retries what failed (a fee report, an order whose book did not answer). */
  armAlarm: () => Promise<void>;
}

function openTradingParts(parts: TradingDeps): TradingParts {
  const { account, env } = parts;
  const { funds, store, journal, keyed } = parts.stored;
  let desk: OrderDesk | undefined;
  const feed = new UserFeed({
    sql: parts.sql,
    account,
    shard: (name) => env.FEED_SHARD.get(env.FEED_SHARD.idFromName(name)) as unknown as UserShardRpc,
    openOrders: () => desk?.openOrders().map(orderView) ?? [],
    balances: () => funds.balances(),
  });
  desk = new OrderDesk({
    account,
    store,
    funds,
    instruments: parts.instruments,
    book: (instrument) => orderBookStub(env.ORDER_BOOK, instrument),
    tradingEnabled: parts.tradingEnabled,
    // Read at each placement: the account's class limit of the `risk` section, else MAX_OPEN_ORDERS.
    get maxOpenOrders() {
      return maxOpenOrdersFor(parts.config?.current("risk")?.document, account, maxOpenOrdersVar(env));
    },
    get maxOrderNotional() {
      return maxOrderNotionalFor(parts.config?.current("risk")?.document, account);
    },
    journal,
    metrics: new AccountMetrics(env, parts.storage.kv, account, () => funds.orderLedger.heldOrders().length),
    fees: {
      tally: new FeeTally(parts.storage.kv),
      report: async (version, totals) => {
        try {
          return await env.FEES.getByName(FEES_NAME).report(account, version, totals);
        } catch (err) {
          await parts.armAlarm();
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
  // The account's budgets, in memory (a restarted object starts them full); a bad RATE_LIMITS fails order entry only.
  // A new `rate-limits` version starts new budgets, full, at its limits.
  let budget: { version: number; budget: OrderBudget } | undefined;
  const entry = new OrderEntry({
    desk,
    keyed,
    budget: () => {
      const live = parts.config?.current("rate-limits");
      const version = live?.version ?? 0;
      if (budget?.version !== version) {
        const fresh = live
          ? new OrderBudget(resolveAccountBudgets(live.document))
          : OrderBudget.fromVar(env.RATE_LIMITS);
        budget = { version, budget: fresh };
      }
      return budget.budget;
    },
    setCancelAfter: parts.setCancelAfter,
    armAlarm: parts.armAlarm,
  });
  return { desk, entry, feed };
}
