/**
 * OrderBook: one Durable Object per instrument, addressed by symbol and
 * created near the instrument's home market. The only writer of its book.
 *
 * Lifecycle: the constructor builds the object's parts (parts.ts), runs schema migrations
 * and rebuilds the engine from SQLite before any request (blockConcurrencyWhile). Each batch
 * is matched in memory and written atomically (writer.ts; `atomically`: with the rest of the
 * turn, in one commit); the reply leaves only once the write is durable (output gate). If a
 * write fails half-way, the object resets and rebuilds the engine from storage, so memory
 * never runs ahead of disk. The alarm (alarm-round.ts) expires GTD orders, sweeps the outbox
 * and streams events. A hand-off to another region (handoff.ts) fences the book, then
 * forwards its reads to the successor.
 */
import { DurableObject } from "cloudflare:workers";
import { SQLSchemaMigrations } from "durable-utils/sql-migrations";
import type { EngineSnapshot, MatchingEngine } from "../../shared/engine/index.ts";
import type { PublicChannel, SubscribeReply } from "../../shared/feed/messages.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";
import { InstrumentUnits } from "../../shared/instruments/units.ts";
import type { CandleInterval } from "../../shared/market/candles.ts";
import { DAY_MS, MINUTE_MS, RollingDay } from "../../shared/market/rolling-day.ts";
import type { MetricsSnapshot } from "../../shared/metrics/registry.ts";
import type { LogTail } from "../../shared/replay/log-tail.ts";
import type { RebuiltRow } from "../../shared/replay/outbox-rows.ts";
import { enforceOutage, type Fault, type FaultResult, suffer } from "../runtime/fault-injection.ts";
import { referencePrice, summarize } from "./batch.ts";
import { type BacklogSpec, fillBacklog } from "./bench-backlog.ts";
import type { BookmarkKind, BookRestorePlan } from "./bookmarks.ts";
import { checkConfigure } from "./configure.ts";
import {
  type BatchResult,
  type BatchSummary,
  BookNotConfiguredError,
  type CallContext,
  type SubmitOptions,
  type SubmitResult,
} from "./contract.ts";
import type { OrderBookEnv } from "./env.ts";
import type { FeedChannels } from "./feed-channels.ts";
import type { HandoffCursor, HandoffPart, HandoffSuccessor } from "./handoff.ts";
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
import { type BookParts, bookParts } from "./parts.ts";
import { ORDER_BOOK_MIGRATIONS } from "./schema.ts";
import type { Sequences } from "./store.ts";

export type * from "./contract.ts";
export { BookNotConfiguredError } from "./contract.ts";
export type { OrderBookEnv } from "./env.ts";

export class OrderBook extends DurableObject<OrderBookEnv> {
  private spec: Instrument | undefined;
  private units: InstrumentUnits | undefined;
  private engine!: MatchingEngine;
  private seqs!: Sequences;
  /** The last 24 h by the minute, for the ticker and the feed's candles (no query per publish). */
  private day = new RollingDay();
  /** The store, outbox, stream, recovery, hand-off, writer and alarm round (parts.ts), over the state above. */
  private readonly parts: BookParts;
  /** Snapshots, resumes and pushes for feed shards (feed-channels.ts): a part, held here too for feed.test.ts. */
  private readonly channels: FeedChannels;

  constructor(ctx: DurableObjectState, env: OrderBookEnv) {
    super(ctx, env);
    this.parts = bookParts(ctx, env, {
      spec: () => this.spec,
      configured: () => this.configured(),
      engine: () => this.engine,
      sequences: () => this.seqs,
      day: () => this.day,
      reload: () => this.reloadAll(),
    });
    this.channels = this.parts.channels;
    const migrations = new SQLSchemaMigrations({ doStorage: ctx.storage, migrations: ORDER_BOOK_MIGRATIONS });
    ctx
      .blockConcurrencyWhile(async () => {
        // An injected outage (fault-injection.ts) resets the object here until it ends.
        await enforceOutage(ctx);
        await migrations.runAll();
        this.load();
        this.parts.outbox.load();
        await this.parts.round.start();
        // The last updates may not have reached the feed before a crash: push the tail again.
        this.channels.resendTail();
      })
      .catch((err: unknown) => {
        // The object resets (its callers see why); this only keeps the rejection from going unhandled.
        console.error(JSON.stringify({ level: "error", msg: "order book start failed", error: String(err) }));
      });
  }

  /** (Re)builds everything in memory from SQLite. */
  private load(): void {
    const { store, handoff } = this.parts;
    this.spec = store.loadInstrument();
    this.units = this.spec ? new InstrumentUnits(this.spec) : undefined;
    this.engine = store.loadEngine();
    this.seqs = store.loadSequences();
    this.day = new RollingDay(store.minutesSince(Date.now() - DAY_MS - MINUTE_MS));
    this.channels.load(this.spec?.symbol);
    handoff.load();
  }

  /** `load`, and the outbox, the stream and the alarm after it. */
  private async reloadAll(): Promise<void> {
    this.load();
    this.parts.outbox.load();
    this.parts.stream.reload();
    await this.parts.round.rearm();
  }

  // ── configuration ──────────────────────────────────────────────────────

  /** Sets or updates the instrument (the registry calls this). Tick and lot size are fixed once orders rest. */
  async configure(input: Instrument): Promise<Instrument> {
    const { spec, units } = checkConfigure(this.spec, input, this.engine);
    this.parts.store.saveInstrument(spec, Date.now());
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
    outbox?: RebuiltRow[],
    tail?: LogTail & { subscribers: string[] },
  ): Promise<RestoreResult> {
    try {
      const journal = { input, snapshot, seqs, outbox, tail };
      return restoreFromJournal(this.ctx.storage, this.parts.store, this.parts.outbox, this.seqs, journal);
    } finally {
      // The rebuilt outbox (a failover's) is delivered by the alarm's sweep.
      await this.reloadAll();
    }
  }

  async instrument(): Promise<Instrument | null> {
    return this.parts.handoff.successor()?.instrument() ?? this.spec ?? null;
  }

  // ── commands (writer.ts) ───────────────────────────────────────────────

  /**
   * Runs up to 100 commands in order and commits them in one transaction.
   * Invalid or refused commands get their own error and change nothing.
   */
  async execute(input: unknown, context: CallContext = {}): Promise<BatchResult> {
    const { batch } = await this.parts.writer.run(input, context, { withEvents: true });
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
    const { outbox, handoff, writer } = this.parts;
    const { spec } = this.configured();
    const held = handoff.refusal();
    if (held) return { instrument: spec.symbol, results: [], rows: [], error: held };
    const owned = Array.isArray(commands)
      ? commands.map((c) => (c !== null && typeof c === "object" ? { ...c, account } : c))
      : commands;
    if (ack > 0) outbox.ack(account, ack);
    const { batch } = await writer.run(owned, context, { withEvents: false, caller: account, fresh: options.fresh });
    const results = batch.results.map((r) => (r.error ? { ok: r.ok, error: r.error } : { ok: r.ok }));
    const out: SubmitResult = { instrument: spec.symbol, results, rows: outbox.pending(account, ack) };
    if (batch.error) out.error = batch.error;
    return out;
  }

  /**
   * `execute`, answering each command with `{ok, error?, first_seq?, last_seq?}`
   * instead of its events: a much smaller reply for callers that only need the
   * outcome (load runs, bulk operations), and no wire events are built at all.
   */
  async executeSummary(input: unknown, context: CallContext = {}): Promise<BatchSummary> {
    return summarize(await this.parts.writer.run(input, context, { withEvents: false }));
  }

  /** Last trade price, else mid, as a decimal string; null before there is either. */
  async reference(): Promise<string | null> {
    const moved = this.parts.handoff.successor();
    if (moved) return moved.reference();
    const { units } = this.configured();
    const ticks = referencePrice(this.engine);
    return ticks === undefined ? null : units.price(ticks);
  }

  /** The event stream: the last seq the Queue accepted, the newest logged, and whether it is bound. */
  async streamStatus(): Promise<{ enabled: boolean; cursor: number; head: number }> {
    return { enabled: this.parts.stream.enabled, cursor: this.parts.stream.cursor(), head: this.seqs.seq };
  }

  /** This book's metrics, the storage gauges read now (metrics.ts): what the scrape reads. */
  async metrics(): Promise<MetricsSnapshot> {
    return this.parts.metering.snapshot(this.configured().spec.symbol, Date.now());
  }

  // ── recovery (operators; bookmarks.ts) ────────────────────────────────
  async bookmark(kind?: BookmarkKind) {
    return this.parts.recovery.take(kind);
  }
  async bookmarks() {
    return this.parts.recovery.list();
  }
  async restoreBookmark(id: string, plan: BookRestorePlan) {
    return this.parts.recovery.restore(id, plan);
  }
  async schedulePitrRestore(id: string) {
    return this.parts.recovery.schedulePitr(id);
  }
  async restartForRestore(): Promise<void> {
    this.parts.recovery.restart();
  }
  async finishPitrRestore(id: string, plan: BookRestorePlan) {
    return this.parts.recovery.finish(id, plan);
  }
  async wipeForDrill() {
    return this.parts.recovery.wipe();
  }

  // ── hand-off to another region (handoff.ts; the registry drives it) ────
  async handoffFence() {
    return this.parts.handoff.fence();
  }
  async handoffExport(cursor?: HandoffCursor) {
    return this.parts.handoff.export(cursor);
  }
  async handoffImport(part: HandoffPart, spec?: Instrument) {
    return this.parts.handoff.import(part, spec);
  }
  async handoffActivate() {
    return this.parts.handoff.activate();
  }
  async handoffComplete(successor: HandoffSuccessor) {
    return this.parts.handoff.complete(successor);
  }
  async handoffAbort() {
    return this.parts.handoff.abort();
  }
  /** After a failover (registry failover.ts): this book was replaced while unreachable, and redirects from now on. */
  async handoffDepose(successor: HandoffSuccessor) {
    return this.parts.handoff.depose(successor);
  }

  /** Outbox rows waiting for acknowledgement (operators, tests). */
  async outboxSize(): Promise<number> {
    return this.parts.outbox.size();
  }

  /** Fault injection (`FAULT_ROUTES` builds only): crash, or resend journal events. */
  async suffer(fault: Fault): Promise<FaultResult> {
    return suffer(fault, this.env, this.ctx, this.parts.stream);
  }

  /**
   * Benchmark builds only (`BENCH_ROUTES`): fills the log and the outbox with a backlog of
   * offline accounts, whose deliveries are held back for an hour (bench-backlog.ts).
   */
  async benchBacklog(spec: BacklogSpec): Promise<{ ok: boolean; seq: number; outbox: number }> {
    return fillBacklog({ ...this.parts, env: this.env, storage: this.ctx.storage, seqs: this.seqs }, spec);
  }

  /** Expires due GTD orders, flushes and sweeps the outbox, streams unsent events, then re-arms (alarm-round.ts). */
  override async alarm(): Promise<void> {
    await this.parts.round.run();
  }

  // ── market data (a moved book forwards to its successor) ─────────────

  async book(level: 1 | 2 | 3, depth: number): Promise<BookView> {
    const moved = this.parts.handoff.successor();
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
    return this.parts.handoff.successor()?.trades(query) ?? tradesPage(this.parts.sql, units, query);
  }

  async ticker(): Promise<TickerView> {
    const { spec, units } = this.configured();
    return this.parts.handoff.successor()?.ticker() ?? ticker(this.day, this.engine, units, spec.symbol, Date.now());
  }

  async candles(interval: CandleInterval, start: number, end: number): Promise<CandleView[]> {
    const { handoff, sql } = this.parts;
    const { units } = this.configured();
    return handoff.successor()?.candles(interval, start, end) ?? candles(sql, units, interval, start, end);
  }

  /** Current sequences, for tests and operators. */
  async sequences(): Promise<Sequences> {
    return this.parts.handoff.successor()?.sequences() ?? { ...this.seqs };
  }

  // ── feed (feed-channels.ts) ────────────────────────────────────────────

  /** A feed shard subscribes one channel. */
  async feedSubscribe(shard: string, channel: PublicChannel, resumeFrom?: number): Promise<SubscribeReply> {
    return (
      this.parts.handoff.successor()?.feedSubscribe(shard, channel, resumeFrom) ??
      this.channels.subscribe(shard, channel, resumeFrom)
    );
  }

  async feedUnsubscribe(shard: string): Promise<void> {
    return this.parts.handoff.successor()?.feedUnsubscribe(shard) ?? this.channels.unsubscribe(shard);
  }

  // ── helpers ────────────────────────────────────────────────────────────

  private configured(): { spec: Instrument; units: InstrumentUnits } {
    if (!this.spec || !this.units) throw new BookNotConfiguredError();
    return { spec: this.spec, units: this.units };
  }
}
