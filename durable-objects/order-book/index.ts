/**
 * OrderBook: one Durable Object per instrument, addressed by symbol and
 * created near the instrument's home market. The only writer of its book.
 *
 * Lifecycle: the constructor runs schema migrations and rebuilds the engine
 * from SQLite before any request (blockConcurrencyWhile). Each batch is matched
 * in memory and written atomically (`atomically`: with the rest of the turn, in one
 * commit); the reply leaves only once the write is durable (output gate). If a write
 * fails half-way, the object resets and rebuilds the engine from storage, so memory
 * never runs ahead of disk. The alarm expires GTD orders, sweeps the outbox and
 * streams events. A hand-off to another region (handoff.ts) fences the book, then
 * forwards its reads to the successor.
 */
import { DurableObject } from "cloudflare:workers";
import { SQLSchemaMigrations } from "durable-utils/sql-migrations";
import type { EngineEvent, EngineSnapshot, MatchingEngine } from "../../shared/engine/index.ts";
import type { PublicChannel, SubscribeReply } from "../../shared/feed/messages.ts";
import { type Instrument, InstrumentSchema } from "../../shared/instruments/schema.ts";
import { InstrumentUnits } from "../../shared/instruments/units.ts";
import type { CandleInterval } from "../../shared/market/candles.ts";
import { DAY_MS, MINUTE_MS, RollingDay } from "../../shared/market/rolling-day.ts";
import type { MetricsSnapshot } from "../../shared/metrics/registry.ts";
import { EarliestAlarm } from "../runtime/alarm.ts";
import { type Fault, type FaultResult, suffer } from "../runtime/fault-injection.ts";
import { feedTarget } from "../runtime/feed-targets.ts";
import { atomically, type Sql, sqlOver } from "../runtime/sql.ts";
import type { StreamOut } from "../runtime/stream-out.ts";
import { type BatchRun, referencePrice, summarize } from "./batch.ts";
import { appendBacklog, type BacklogSpec } from "./bench-backlog.ts";
import { type BookmarkKind, BookRecovery, type BookRestorePlan } from "./bookmarks.ts";
import {
  type BatchResult,
  type BatchSummary,
  BookNotConfiguredError,
  type CallContext,
  type OutboxReceiver,
  type SubmitOptions,
  type SubmitResult,
} from "./contract.ts";
import { OutboxDelivery, SWEEP_AFTER_MS } from "./delivery.ts";
import type { OrderBookEnv } from "./env.ts";
import { bookEventStream, type StreamedEvent } from "./event-stream.ts";
import { FeedChannels } from "./feed-channels.ts";
import type { FeedShardRpc } from "./feed-publisher.ts";
import { BookHandoff, type HandoffCursor, type HandoffPart, type HandoffSuccessor, refusedBatch } from "./handoff.ts";
import { type JournalSequences, type RestoreResult, restoreFromJournal } from "./journal-restore.ts";
import {
  type BookView,
  bookView,
  type CandleView,
  candles,
  type TickerView,
  type TradeView,
  ticker,
  tradesPage,
} from "./market-data.ts";
import { BookMetrics } from "./metrics.ts";
import { Outbox, type WrittenRows } from "./outbox.ts";
import { ORDER_BOOK_MIGRATIONS } from "./schema.ts";
import { BookStore, type Sequences } from "./store.ts";
import { runBatchInSpan, tagged } from "./tracing.ts";

export type * from "./contract.ts";
export { BookNotConfiguredError } from "./contract.ts";
export type { OrderBookEnv } from "./env.ts";

/** Acknowledged outbox rows are deleted at most this long after their acknowledgement, ms. */
const ACK_FLUSH_MS = 1_000;

export class OrderBook extends DurableObject<OrderBookEnv> {
  private readonly sql: Sql;
  private readonly store: BookStore;
  private spec: Instrument | undefined;
  private units: InstrumentUnits | undefined;
  private engine!: MatchingEngine;
  private seqs!: Sequences;
  private readonly outbox: Outbox;
  private readonly delivery: OutboxDelivery;
  /** Sends the event log to the EVENTS Queue (runtime/stream-out.ts). */
  private readonly stream: StreamOut<StreamedEvent>;
  /** Snapshots, resumes and pushes for feed shards (feed-channels.ts). */
  private readonly channels: FeedChannels;
  /** GTD expiries, outbox sweeps and acks, stream retries (one alarm, only moved earlier). */
  private readonly alarmClock: EarliestAlarm;
  /** The last 24 h by the minute, for the ticker and the feed's candles (no query per publish). */
  private day = new RollingDay();
  /** Commands, refusals, trades, call durations; the storage gauges when scraped (metrics.ts). */
  private readonly metering: BookMetrics;
  /** Operator point-in-time recovery: bookmarks, restore, roll forward (bookmarks.ts). */
  private readonly recovery: BookRecovery;
  /** The fenced hand-off to a successor in another region (handoff.ts). */
  private readonly handoff: BookHandoff;

  constructor(ctx: DurableObjectState, env: OrderBookEnv) {
    super(ctx, env);
    this.alarmClock = new EarliestAlarm(ctx.storage);
    this.sql = sqlOver(ctx.storage.sql);
    this.store = new BookStore(this.sql);
    this.outbox = new Outbox(this.sql);
    this.metering = new BookMetrics(() => env.ANALYTICS, this.store, this.outbox);
    this.recovery = new BookRecovery({
      ctx,
      env,
      sql: this.sql,
      store: this.store,
      seq: () => this.seqs.seq,
      reload: () => this.reloadAll(),
    });
    this.delivery = new OutboxDelivery({
      outbox: this.outbox,
      instrument: () => this.configured().spec.symbol,
      receiver: (account) => this.accountOf(account),
      delayMs: Number(env.FEED_TICK_MS ?? 10),
    });
    this.stream = bookEventStream({
      sql: this.sql,
      env,
      store: this.store,
      configured: () => this.configured(),
      head: () => this.seqs.seq,
      symbol: () => this.spec?.symbol,
      stopped: () => this.handoff.streamStopped,
    });
    this.handoff = new BookHandoff({
      ctx,
      env,
      sql: this.sql,
      store: this.store,
      spec: () => this.spec,
      seqs: () => this.seqs,
      engine: () => this.engine,
      stream: this.stream,
      flushAcks: () => this.outbox.flushAcks(),
      reload: () => this.reloadAll(),
    });
    this.channels = new FeedChannels({
      sql: this.sql,
      store: this.store,
      configured: () => this.configured(),
      engine: () => this.engine,
      sequences: () => this.seqs,
      day: () => this.day,
      shard: (name) => this.feedShard(name),
      tickMs: Number(env.FEED_TICK_MS ?? 10),
    });
    const migrations = new SQLSchemaMigrations({ doStorage: ctx.storage, migrations: ORDER_BOOK_MIGRATIONS });
    void ctx.blockConcurrencyWhile(async () => {
      await migrations.runAll();
      this.load();
      this.outbox.load();
      await this.alarmClock.load();
      // Rows left from before a restart are swept by the alarm.
      if (this.outbox.hasWaiting()) await this.alarmClock.armBy(Date.now() + SWEEP_AFTER_MS);
      // Events not yet streamed before a restart too.
      if (this.stream.lag() > 0) await this.alarmClock.armBy(Date.now() + this.stream.retryDelayMs());
      // The last updates may not have reached the feed before a crash: push the tail again.
      this.channels.resendTail();
    });
  }

  /** (Re)builds everything in memory from SQLite. */
  private load(): void {
    this.spec = this.store.loadInstrument();
    this.units = this.spec ? new InstrumentUnits(this.spec) : undefined;
    this.engine = this.store.loadEngine();
    this.seqs = this.store.loadSequences();
    this.day = new RollingDay(this.store.minutesSince(Date.now() - DAY_MS - MINUTE_MS));
    this.channels.load(this.spec?.symbol);
    this.handoff.load();
  }

  // ── configuration ──────────────────────────────────────────────────────

  /** Sets or updates the instrument (the registry calls this). Tick and lot size are fixed once orders rest. */
  async configure(input: Instrument): Promise<Instrument> {
    const spec = InstrumentSchema.parse(input);
    if (this.spec && this.spec.symbol !== spec.symbol) {
      throw new Error(`This book trades ${this.spec.symbol}, not ${spec.symbol}.`);
    }
    const gridChanged = this.spec && (this.spec.tick_size !== spec.tick_size || this.spec.lot_size !== spec.lot_size);
    const { bids, asks } = this.engine.depth(1);
    if (gridChanged && bids.length + asks.length + this.engine.stops().length > 0) {
      throw new Error("tick_size and lot_size cannot change while orders are open.");
    }
    const units = new InstrumentUnits(spec);
    this.store.saveInstrument(spec, Date.now());
    this.spec = spec;
    this.units = units;
    this.channels.configured(spec.symbol);
    return spec;
  }

  /** Loads a book rebuilt from the journal into this fresh object (journal-restore.ts); operators only. */
  async restoreFromReplay(
    input: Instrument,
    snapshot: EngineSnapshot,
    seqs?: JournalSequences,
  ): Promise<RestoreResult> {
    try {
      return restoreFromJournal(this.ctx.storage, this.store, this.seqs, { input, snapshot, seqs });
    } finally {
      this.load();
      this.outbox.load();
      this.stream.reload();
    }
  }

  async instrument(): Promise<Instrument | null> {
    return this.handoff.successor()?.instrument() ?? this.spec ?? null;
  }

  // ── commands ───────────────────────────────────────────────────────────

  /**
   * Runs up to 100 commands in order and commits them in one transaction.
   * Invalid or refused commands get their own error and change nothing.
   */
  async execute(input: unknown, context: CallContext = {}): Promise<BatchResult> {
    const { batch } = await this.run(input, context, { withEvents: true });
    return batch;
  }

  /**
   * An Account object's commands for its own orders: every command is forced onto
   * `account` (so cancels and amends reach only its orders), rows up to `ack` are
   * forgotten, and the reply carries the account's rows after `ack`, this batch's
   * included, so the caller settles them before it answers its client.
   */
  async submit(
    account: string,
    ack: number,
    commands: unknown,
    context: CallContext = {},
    options: SubmitOptions = {},
  ): Promise<SubmitResult> {
    const { spec } = this.configured();
    const held = this.handoff.refusal();
    if (held) return { instrument: spec.symbol, results: [], rows: [], error: held };
    const owned = Array.isArray(commands)
      ? commands.map((c) => (c !== null && typeof c === "object" ? { ...c, account } : c))
      : commands;
    if (ack > 0) this.outbox.ack(account, ack);
    const { batch } = await this.run(owned, context, { withEvents: false, caller: account, fresh: options.fresh });
    const results = batch.results.map((r) => (r.error ? { ok: r.ok, error: r.error } : { ok: r.ok }));
    const out: SubmitResult = { instrument: spec.symbol, results, rows: this.outbox.pending(account, ack) };
    if (batch.error) out.error = batch.error;
    return out;
  }

  /**
   * `execute`, answering each command with `{ok, error?, first_seq?, last_seq?}`
   * instead of its events: a much smaller reply for callers that only need the
   * outcome (load runs, bulk operations), and no wire events are built at all.
   */
  async executeSummary(input: unknown, context: CallContext = {}): Promise<BatchSummary> {
    return summarize(await this.run(input, context, { withEvents: false }));
  }

  /** Runs one batch (batch.ts); outbox rows of accounts other than the caller are pushed to them soon after. */
  private async run(
    input: unknown,
    context: CallContext,
    options: { withEvents: boolean; caller?: string; fresh?: boolean | undefined },
  ): Promise<BatchRun> {
    const { spec, units } = this.configured();
    const held = this.handoff.refusal();
    if (held) return { batch: refusedBatch(spec.symbol, held), ranges: [], committed: false };
    const started = Date.now();
    const commit = (events: readonly EngineEvent[], now: number, caller?: string) => this.commit(events, now, caller);
    const book = { spec, units, engine: this.engine, store: this.store, commit };
    const run = runBatchInSpan(this.ctx, this.env, book, input, context, { ...options, fresh: options.fresh === true });
    if (run.committed) await this.alarmClock.armBy(this.nextWake(Date.now()));
    this.metering.called(spec.symbol, options, input, run, Date.now() - started);
    return run;
  }

  /**
   * Writes a batch's events and outbox rows atomically (one commit with the rest of the turn;
   * a failure half-way resets the object, which rebuilds memory from disk). Accounts concerned
   * other than `caller` get their rows pushed soon.
   */
  private commit(events: readonly EngineEvent[], now: number, caller?: string) {
    let written: WrittenRows | undefined;
    const logged = atomically(this.ctx, () => {
      const out = this.store.commit(this.engine, events, now, this.seqs);
      written = this.outbox.write(out.logged, out.bodies);
      const keep = Number(this.env.BOOK_EVENT_RETENTION ?? 100_000);
      if (this.seqs.seq % 1_000 < out.logged.length || keep < 1_000) {
        this.store.prune(this.seqs, keep, this.stream.keepAfter());
      }
      return out.logged;
    });
    if (written) {
      this.outbox.committed(written);
      const others = [...written.keys()].filter((a) => a !== caller);
      if (others.length > 0) this.delivery.soon(others);
    }
    for (const { event, at } of logged) if (event.type === "trade") this.day.add(at, event.price, event.qty);
    this.metering.logged((this.spec as Instrument).symbol, logged);
    this.channels.record(logged);
    this.stream.logged(tagged(logged));
    return logged;
  }

  /** Last trade price, else mid, as a decimal string; null before there is either. */
  async reference(): Promise<string | null> {
    const moved = this.handoff.successor();
    if (moved) return moved.reference();
    const { units } = this.configured();
    const ticks = referencePrice(this.engine);
    return ticks === undefined ? null : units.price(ticks);
  }

  /** The event stream: the last seq the Queue accepted, the newest logged, and whether it is bound. */
  async streamStatus(): Promise<{ enabled: boolean; cursor: number; head: number }> {
    return { enabled: this.stream.enabled, cursor: this.stream.cursor(), head: this.seqs.seq };
  }

  /** This book's metrics, the storage gauges read now (metrics.ts): what the scrape reads. */
  async metrics(): Promise<MetricsSnapshot> {
    return this.metering.snapshot(this.configured().spec.symbol, Date.now());
  }

  // ── recovery (operators; bookmarks.ts) ────────────────────────────────
  async bookmark(kind?: BookmarkKind) {
    return this.recovery.take(kind);
  }
  async bookmarks() {
    return this.recovery.list();
  }
  async restoreBookmark(id: string, plan: BookRestorePlan) {
    return this.recovery.restore(id, plan);
  }
  async schedulePitrRestore(id: string) {
    return this.recovery.schedulePitr(id);
  }
  async restartForRestore(): Promise<void> {
    this.recovery.restart();
  }
  async finishPitrRestore(id: string, plan: BookRestorePlan) {
    return this.recovery.finish(id, plan);
  }
  async wipeForDrill() {
    return this.recovery.wipe();
  }
  private async reloadAll(): Promise<void> {
    this.load();
    this.outbox.load();
    this.stream.reload();
    await this.alarmClock.armBy(this.nextWake(Date.now()));
  }

  // ── hand-off to another region (handoff.ts; the registry drives it) ────
  async handoffFence() {
    return this.handoff.fence();
  }
  async handoffExport(cursor?: HandoffCursor) {
    return this.handoff.export(cursor);
  }
  async handoffImport(part: HandoffPart, spec?: Instrument) {
    return this.handoff.import(part, spec);
  }
  async handoffActivate() {
    return this.handoff.activate();
  }
  async handoffComplete(successor: HandoffSuccessor) {
    return this.handoff.complete(successor);
  }
  async handoffAbort() {
    return this.handoff.abort();
  }

  /** Outbox rows waiting for acknowledgement (operators, tests). */
  async outboxSize(): Promise<number> {
    return this.outbox.size();
  }

  /** Fault injection (`FAULT_ROUTES` builds only): crash, or resend journal events. */
  async suffer(fault: Fault): Promise<FaultResult> {
    return suffer(fault, this.env, this.ctx, this.stream);
  }

  /**
   * Benchmark builds only (`BENCH_ROUTES`): fills the log and the outbox with a backlog of
   * offline accounts, whose deliveries are held back for an hour (bench-backlog.ts).
   */
  async benchBacklog(spec: BacklogSpec): Promise<{ ok: boolean; seq: number; outbox: number }> {
    if (this.env.BENCH_ROUTES !== "true") return { ok: false, seq: this.seqs.seq, outbox: 0 };
    const now = Date.now();
    const accounts = this.ctx.storage.transactionSync(() => appendBacklog(this.sql, this.seqs, spec, now));
    this.outbox.load();
    this.stream.reload();
    for (const account of accounts) this.delivery.holdOff(account, now + 3_600_000, 10);
    return { ok: true, seq: this.seqs.seq, outbox: this.outbox.size() };
  }

  /**
   * When the alarm must next run: the next GTD expiry, the outbox sweep while rows wait,
   * or a stream retry while events wait for the Queue.
   */
  private nextWake(now: number): number | undefined {
    let at = this.engine.nextExpiry() ?? Number.POSITIVE_INFINITY;
    if (this.outbox.hasWaiting()) at = Math.min(at, now + SWEEP_AFTER_MS);
    if (this.outbox.hasAcks()) at = Math.min(at, now + ACK_FLUSH_MS);
    // Backs off (full jitter) while the Queue keeps refusing.
    if (this.stream.lag() > 0) at = Math.min(at, now + this.stream.retryDelayMs());
    return at === Number.POSITIVE_INFINITY ? undefined : at;
  }

  /**
   * Expires due GTD orders, deletes acknowledged outbox rows, sweeps unacknowledged ones,
   * streams unsent events, then re-arms.
   */
  override async alarm(): Promise<void> {
    this.alarmClock.fired();
    // A hand-off holds the book: its successor (or, aborted, this book again) re-arms.
    if (!this.spec || this.handoff.paused) return;
    const now = Date.now();
    const events = this.engine.execute({ type: "tick" }, now);
    if (events.length > 0) this.commit(events, now);
    this.outbox.flushAcks();
    await this.delivery.sweep(now);
    await this.stream.flush();
    await this.alarmClock.armBy(this.nextWake(Date.now()));
  }

  private accountOf(account: string): OutboxReceiver {
    const ns = this.env.ACCOUNT;
    if (!ns) throw new Error("ACCOUNT binding is missing: the outbox cannot deliver");
    return ns.getByName(account) as unknown as OutboxReceiver;
  }

  // ── market data (a moved book forwards to its successor) ─────────────

  async book(level: 1 | 2 | 3, depth: number): Promise<BookView> {
    const moved = this.handoff.successor();
    if (moved) return moved.book(level, depth);
    const { spec, units } = this.configured();
    return bookView(this.engine, units, spec.symbol, level, depth, this.seqs.level2, Date.now());
  }

  async trades(query: { before?: number; after?: number; limit: number }): Promise<{
    trades: TradeView[];
    next_before: number | null;
    next_after: number | null;
  }> {
    const { units } = this.configured();
    return this.handoff.successor()?.trades(query) ?? tradesPage(this.sql, units, query);
  }

  async ticker(): Promise<TickerView> {
    const { spec, units } = this.configured();
    return this.handoff.successor()?.ticker() ?? ticker(this.day, this.engine, units, spec.symbol, Date.now());
  }

  async candles(interval: CandleInterval, start: number, end: number): Promise<CandleView[]> {
    const { units } = this.configured();
    return this.handoff.successor()?.candles(interval, start, end) ?? candles(this.sql, units, interval, start, end);
  }

  /** Current sequences, for tests and operators. */
  async sequences(): Promise<Sequences> {
    return this.handoff.successor()?.sequences() ?? { ...this.seqs };
  }

  // ── feed ───────────────────────────────────────────────────────────────

  /** A feed shard subscribes one channel (feed-channels.ts). */
  async feedSubscribe(shard: string, channel: PublicChannel, resumeFrom?: number): Promise<SubscribeReply> {
    return (
      this.handoff.successor()?.feedSubscribe(shard, channel, resumeFrom) ??
      this.channels.subscribe(shard, channel, resumeFrom)
    );
  }

  async feedUnsubscribe(shard: string): Promise<void> {
    return this.handoff.successor()?.feedUnsubscribe(shard) ?? this.channels.unsubscribe(shard);
  }

  private feedShard(name: string): FeedShardRpc {
    return feedTarget(this.env, name, this.spec?.home_region);
  }

  // ── helpers ────────────────────────────────────────────────────────────

  private configured(): { spec: Instrument; units: InstrumentUnits } {
    if (!this.spec || !this.units) throw new BookNotConfiguredError();
    return { spec: this.spec, units: this.units };
  }
}
