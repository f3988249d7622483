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
 * streams events.
 */
import { DurableObject } from "cloudflare:workers";
import { SQLSchemaMigrations } from "durable-utils/sql-migrations";
import { BookBatchSchema, type BookCommand } from "../../shared/book/commands.ts";
import { type EngineEvent, type EngineSnapshot, MatchingEngine } from "../../shared/engine/index.ts";
import type { FeedCandle, FeedMessage, FeedTicker, PublicChannel, SubscribeReply } from "../../shared/feed/messages.ts";
import { type Instrument, InstrumentSchema } from "../../shared/instruments/schema.ts";
import { InstrumentUnits } from "../../shared/instruments/units.ts";
import { DAY_MS, MINUTE_MS, RollingDay } from "../../shared/market/rolling-day.ts";
import { type Fault, type FaultResult, suffer } from "../runtime/fault-injection.ts";
import { atomically, type Sql, sqlOver } from "../runtime/sql.ts";
import { STREAM_RETRY_MS, StreamOut, streamDelayMs } from "../runtime/stream-out.ts";
import { appendBacklog, type BacklogSpec } from "./bench-backlog.ts";
import { OutboxDelivery, SWEEP_AFTER_MS } from "./delivery.ts";
import { FeedPublisher, type FeedShardRpc } from "./feed-publisher.ts";
import {
  type BookView,
  bookView,
  type CandleInterval,
  type CandleView,
  candles,
  type TickerView,
  type TradeView,
  ticker,
  tradesPage,
} from "./market-data.ts";
import { Outbox, type OutboxReceiver, type OutboxRow, type WrittenRows } from "./outbox.ts";
import { replayUpdates } from "./replay.ts";
import { ORDER_BOOK_MIGRATIONS } from "./schema.ts";
import { BookStore, ENGINE_OPTIONS, type LoggedEvent, type Sequences } from "./store.ts";
import { type BookReject, ENGINE_REJECT_MESSAGES, toEngineCommand, toWireEvent, type WireEvent } from "./wire.ts";

export interface OrderBookEnv {
  FEED_SHARD?: DurableObjectNamespace;
  /** Account objects, to which the outbox delivers each account's events. */
  ACCOUNT?: DurableObjectNamespace;
  /** Events kept in the log for resume (default 100 000). */
  BOOK_EVENT_RETENTION?: string;
  /** The event stream's Queue (Postgres, Kafka); unbound: nothing is streamed. */
  EVENTS?: Queue;
  /** Feed batching tick in ms (default 10). */
  FEED_TICK_MS?: string;
  /** How long committed events wait to go to the Queue together, ms (default 100). */
  EVENT_STREAM_DELAY_MS?: string;
  /** "true": obey `suffer` (the load run's fault injection). */
  FAULT_ROUTES?: string;
  /** "true": obey `benchBacklog` (the order benchmark's largest state). */
  BENCH_ROUTES?: string;
}

/** Who is calling: continues the caller's W3C trace in the book's logs. */
export interface CallContext {
  traceparent?: string;
  request_id?: string;
}

export interface CommandResult {
  ok: boolean;
  /** The command's events on the wire, each with its `seq` (rejections have none). */
  events: WireEvent[];
  error?: BookReject;
}

/** How an Account object's `submit` may be answered more cheaply. */
export interface SubmitOptions {
  /**
   * Every place command carries an id minted for this send: the book skips looking the ids up
   * among those it has seen (the engine and the id table's key still refuse a repeat).
   */
  fresh?: boolean;
}

/** A command's outcome without its events (`reply: "summary"`). */
export interface CommandSummary {
  ok: boolean;
  error?: BookReject;
  /** The event-log sequences of the command's events, if it logged any. */
  first_seq?: number;
  last_seq?: number;
}

export interface BatchResult {
  instrument: string;
  results: CommandResult[];
  /** The event-log sequences this batch used, if it changed anything. */
  first_seq: number | null;
  last_seq: number | null;
  /** Set when the batch as a whole was refused (not a list of 1 to 100 valid commands); nothing ran. */
  error?: { code: "invalid_batch"; message: string };
}

/** `executeSummary`'s reply: the batch result with per-command summaries instead of event lists. */
export interface BatchSummary extends Omit<BatchResult, "results"> {
  results: CommandSummary[];
}

/** `submit`'s reply: each command's outcome, and every outbox row of the caller not yet acknowledged. */
export interface SubmitResult {
  instrument: string;
  results: Array<{ ok: boolean; error?: BookReject }>;
  /** The caller's events after its `ack`, oldest first: this batch's and any still undelivered. */
  rows: OutboxRow[];
  /** Set when the batch as a whole was refused; nothing ran. */
  error?: { code: "invalid_batch"; message: string };
}

export type { OutboxRow } from "./outbox.ts";

export class BookNotConfiguredError extends Error {
  constructor() {
    super("This order book has no instrument yet: list it through the instrument registry first.");
    this.name = "BookNotConfiguredError";
  }
}

/** What the event stream carries of each logged event. */
type StreamedEvent = Pick<LoggedEvent, "seq" | "at" | "event">;

/** Acknowledged outbox rows are deleted at most this long after their acknowledgement, ms. */
const ACK_FLUSH_MS = 1_000;

const RECENT_TRADES = 50;
/** Updates per public channel a restarted book pushes again (what a crash may have kept from the feed). */
const FEED_TAIL_RESENT = 200;
const RECENT_CANDLES = 60;
const REPLAY_LIMIT = 10_000;

export class OrderBook extends DurableObject<OrderBookEnv> {
  private readonly sql: Sql;
  private readonly store: BookStore;
  private spec: Instrument | undefined;
  private units: InstrumentUnits | undefined;
  private engine!: MatchingEngine;
  private seqs!: Sequences;
  private publisher: FeedPublisher | undefined;
  private readonly outbox: Outbox;
  private readonly delivery: OutboxDelivery;
  /** Sends the event log to the EVENTS Queue (stream-out.ts). */
  private readonly stream: StreamOut<StreamedEvent>;
  /** The alarm as last set (epoch ms), so arming it costs no storage read per batch. */
  private alarmAt: number | null = null;
  /** The last 24 h by the minute, for the ticker and the feed's candles (no query per publish). */
  private day = new RollingDay();
  /** Feed shards registered for pushes, by name, with their registration generation. */
  private shards = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: OrderBookEnv) {
    super(ctx, env);
    this.sql = sqlOver(ctx.storage.sql);
    this.store = new BookStore(this.sql);
    this.outbox = new Outbox(this.sql);
    this.delivery = new OutboxDelivery({
      outbox: this.outbox,
      instrument: () => this.configured().spec.symbol,
      receiver: (account) => this.accountOf(account),
      delayMs: Number(env.FEED_TICK_MS ?? 10),
    });
    this.stream = new StreamOut<StreamedEvent>({
      sql: this.sql,
      queue: () => env.EVENTS,
      read: (after, limit) => this.store.eventsAfter(after, limit),
      envelope: ({ seq, at, event }) => {
        const { spec, units } = this.configured();
        return { stream: "book", key: spec.symbol, seq, at, type: event.type, body: toWireEvent(event, units) };
      },
      head: () => this.seqs.seq,
      delayMs: streamDelayMs(env.EVENT_STREAM_DELAY_MS),
      label: () => `book:${this.spec?.symbol ?? "?"}`,
    });
    const migrations = new SQLSchemaMigrations({ doStorage: ctx.storage, migrations: ORDER_BOOK_MIGRATIONS });
    void ctx.blockConcurrencyWhile(async () => {
      await migrations.runAll();
      this.load();
      this.outbox.load();
      this.alarmAt = await ctx.storage.getAlarm();
      // Rows left from before a restart are swept by the alarm.
      if (this.outbox.hasWaiting()) await this.armAlarm(Date.now() + SWEEP_AFTER_MS);
      // Events not yet streamed before a restart too.
      if (this.stream.lag() > 0) await this.armAlarm(Date.now() + STREAM_RETRY_MS);
      // The last updates may not have reached the feed before a crash: push the tail again.
      this.resendFeedTail();
    });
  }

  /** (Re)builds everything in memory from SQLite. */
  private load(): void {
    this.spec = this.store.loadInstrument();
    this.units = this.spec ? new InstrumentUnits(this.spec) : undefined;
    this.engine = this.store.loadEngine();
    this.seqs = this.store.loadSequences();
    this.day = new RollingDay(this.store.minutesSince(Date.now() - DAY_MS - MINUTE_MS));
    this.shards = this.store.feedShards();
    this.publisher = this.spec ? this.createPublisher(this.spec.symbol) : undefined;
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
    this.publisher ??= this.createPublisher(spec.symbol);
    return spec;
  }

  /**
   * Loads a book rebuilt from the journal (`shared/replay/restore.ts` `replaySnapshot`) into this
   * object, which must never have traded (no event logged, no live order): the instrument, the
   * engine restored from `snapshot`, the live-order mirror and counters. `seqs` are the journal's
   * (its last seq and the level2/trades channel counts); the stream cursor starts there, so
   * nothing already journaled is sent again. Operators (`POST /v1/admin/replay`) only.
   */
  async restoreFromReplay(
    input: Instrument,
    snapshot: EngineSnapshot,
    seqs: Pick<Sequences, "seq" | "level2" | "trades"> = { seq: 0, level2: 0, trades: 0 },
  ): Promise<{ ok: true; resting: number; stops: number } | { ok: false; code: "book_not_fresh"; message: string }> {
    const spec = InstrumentSchema.parse(input);
    if (!this.store.isPristine(this.seqs)) {
      return {
        ok: false,
        code: "book_not_fresh",
        message: "This book has traded: replay restores only into a fresh object.",
      };
    }
    const engine = MatchingEngine.restore({ ...snapshot, options: ENGINE_OPTIONS });
    const now = Date.now();
    try {
      this.ctx.storage.transactionSync(() => {
        this.store.saveInstrument(spec, now);
        this.store.restoreState(engine, { ...this.seqs, ...seqs }, now);
      });
    } finally {
      this.load();
      this.outbox.load();
      this.stream.reload();
    }
    return { ok: true, resting: snapshot.resting.length, stops: snapshot.stops.length };
  }

  async instrument(): Promise<Instrument | null> {
    return this.spec ?? null;
  }

  // ── commands ───────────────────────────────────────────────────────────

  /**
   * Runs up to 100 commands in order and commits them in one transaction.
   * Invalid or refused commands get their own error and change nothing.
   */
  async execute(input: unknown, context: CallContext = {}): Promise<BatchResult> {
    const { batch } = await this.run(input, context, true);
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
    const owned = Array.isArray(commands)
      ? commands.map((c) => (c !== null && typeof c === "object" ? { ...c, account } : c))
      : commands;
    if (ack > 0) this.outbox.ack(account, ack);
    const { batch } = await this.run(owned, context, false, account, options.fresh === true);
    const results = batch.results.map((r) => (r.error ? { ok: r.ok, error: r.error } : { ok: r.ok }));
    const out: SubmitResult = { instrument: spec.symbol, results, rows: this.outbox.pending(account, ack) };
    if (batch.error) out.error = batch.error;
    return out;
  }

  /** Last trade price, else mid, as a decimal string; null before there is either. */
  async reference(): Promise<string | null> {
    const { units } = this.configured();
    const ticks = this.referencePrice();
    return ticks === undefined ? null : units.price(ticks);
  }

  /** The event stream: the last seq the Queue accepted, the newest logged, and whether it is bound. */
  async streamStatus(): Promise<{ enabled: boolean; cursor: number; head: number }> {
    return { enabled: this.stream.enabled, cursor: this.stream.cursor(), head: this.seqs.seq };
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
   * `execute`, answering each command with `{ok, error?, first_seq?, last_seq?}`
   * instead of its events: a much smaller reply for callers that only need the
   * outcome (load runs, bulk operations), and no wire events are built at all.
   */
  async executeSummary(input: unknown, context: CallContext = {}): Promise<BatchSummary> {
    const { batch, ranges } = await this.run(input, context, false);
    return {
      ...batch,
      results: batch.results.map((result, i) => {
        const out: CommandSummary = { ok: result.ok };
        if (result.error) out.error = result.error;
        const range = ranges[i];
        if (range) {
          out.first_seq = range.first;
          out.last_seq = range.last;
        }
        return out;
      }),
    };
  }

  /**
   * Validates, matches and commits one batch; `withEvents` also builds each command's wire
   * events. Outbox rows of accounts other than `caller` are pushed to them soon after.
   */
  private async run(
    input: unknown,
    context: CallContext,
    withEvents: boolean,
    caller?: string,
    fresh = false,
  ): Promise<{ batch: BatchResult; ranges: Array<{ first: number; last: number } | undefined> }> {
    const ranges: Array<{ first: number; last: number } | undefined> = [];
    const { spec, units } = this.configured();
    const parsed = BookBatchSchema.safeParse(input);
    if (!parsed.success) {
      // Returned, not thrown: bad input is the caller's error, not the object's.
      const message = parsed.error.issues.map((i) => `${i.path.join(".") || "batch"}: ${i.message}`).join("; ");
      return {
        batch: {
          instrument: spec.symbol,
          results: [],
          first_seq: null,
          last_seq: null,
          error: { code: "invalid_batch", message },
        },
        ranges,
      };
    }
    const now = Date.now();
    const perCommand: EngineEvent[][] = [];
    const results: CommandResult[] = [];
    const newIds = new Set<string>();
    const known = fresh
      ? new Map<string, { code: string; message: string } | null>()
      : this.store.knownOrderIds(parsed.data.flatMap((c) => (c.type === "place" ? [c.order_id] : [])));
    const refusals: Array<{ order_id: string; code: string; message: string }> = [];
    for (const cmd of parsed.data) {
      if (cmd.type === "place" && (newIds.has(cmd.order_id) || known.has(cmd.order_id))) {
        // Order ids are unique for ever, not only among open orders. An Account object resending
        // an order it refused gets the first refusal back, so the outcome it records is the real one.
        const first = known.get(cmd.order_id);
        const error: BookReject =
          caller !== undefined && first
            ? { code: first.code as BookReject["code"], message: first.message }
            : { code: "duplicate_order_id", message: ENGINE_REJECT_MESSAGES.duplicate_order_id };
        perCommand.push([]);
        results.push({ ok: false, events: [], error });
        continue;
      }
      if (cmd.type === "place") newIds.add(cmd.order_id);
      const outcome = this.runOne(cmd, now, units, withEvents);
      perCommand.push(outcome.events);
      results.push(outcome.result);
      if (caller !== undefined && cmd.type === "place" && outcome.result.error) {
        refusals.push({ order_id: cmd.order_id, ...outcome.result.error });
      }
    }
    this.store.rememberRefusals(refusals, now);
    const all = perCommand.flat();
    let firstSeq: number | null = null;
    let lastSeq: number | null = null;
    if (all.some((e) => e.type !== "rejected")) {
      const logged = this.commit(all, now, caller);
      firstSeq = logged[0]?.seq ?? null;
      lastSeq = logged[logged.length - 1]?.seq ?? null;
      // Attach each logged event's seq and time to its wire form, in order, and note each command's range.
      let i = 0;
      for (const [c, events] of perCommand.entries()) {
        const result = results[c] as CommandResult;
        for (const [k, event] of events.entries()) {
          if (event.type === "rejected") continue;
          const entry = logged[i++];
          if (!entry) continue;
          const range = ranges[c];
          if (range) range.last = entry.seq;
          else ranges[c] = { first: entry.seq, last: entry.seq };
          const wire = result.events[k];
          if (wire) {
            wire.seq = entry.seq;
            wire.time = entry.at;
          }
        }
      }
      await this.armAlarm(this.nextWake(now));
    }
    if (context.traceparent || context.request_id) {
      // One line per batch, under the caller's trace id, so a request can be followed into its book.
      console.log(
        JSON.stringify({
          level: "info",
          msg: "book batch",
          instrument: spec.symbol,
          commands: results.length,
          refused: results.filter((r) => !r.ok).length,
          first_seq: firstSeq,
          last_seq: lastSeq,
          trace_id: context.traceparent?.split("-")[1] ?? null,
          request_id: context.request_id ?? null,
        }),
      );
    }
    return { batch: { instrument: spec.symbol, results, first_seq: firstSeq, last_seq: lastSeq }, ranges };
  }

  private runOne(
    cmd: BookCommand,
    now: number,
    units: InstrumentUnits,
    withEvents: boolean,
  ): { events: EngineEvent[]; result: CommandResult } {
    const command = toEngineCommand(cmd, units, {
      status: this.status(),
      referencePrice: this.referencePrice(),
      now,
      calendar: this.spec?.calendar,
    });
    if ("code" in command) return { events: [], result: { ok: false, events: [], error: command } };
    const events = this.engine.execute(command, now);
    const rejected = events.find((e) => e.type === "rejected");
    const wire = withEvents ? events.map((e) => toWireEvent(e, units)) : [];
    if (rejected && rejected.type === "rejected") {
      return {
        events,
        result: {
          ok: false,
          events: wire,
          error: { code: rejected.reason, message: ENGINE_REJECT_MESSAGES[rejected.reason] },
        },
      };
    }
    return { events, result: { ok: true, events: wire } };
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
    this.publisher?.record(logged);
    this.stream.logged(logged);
    return logged;
  }

  /**
   * When the alarm must next run: the next GTD expiry, the outbox sweep while rows wait,
   * or a stream retry while events wait for the Queue.
   */
  private nextWake(now: number): number | undefined {
    let at = this.engine.nextExpiry() ?? Number.POSITIVE_INFINITY;
    if (this.outbox.hasWaiting()) at = Math.min(at, now + SWEEP_AFTER_MS);
    if (this.outbox.hasAcks()) at = Math.min(at, now + ACK_FLUSH_MS);
    if (this.stream.lag() > 0) at = Math.min(at, now + STREAM_RETRY_MS);
    return at === Number.POSITIVE_INFINITY ? undefined : at;
  }

  /** Moves the alarm earlier to `at` (never later: a later wake-up re-arms itself). */
  private async armAlarm(at: number | undefined): Promise<void> {
    if (at === undefined || (this.alarmAt !== null && this.alarmAt <= at)) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  /**
   * Expires due GTD orders, deletes acknowledged outbox rows, sweeps unacknowledged ones,
   * streams unsent events, then re-arms.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (!this.spec) return;
    const now = Date.now();
    const events = this.engine.execute({ type: "tick" }, now);
    if (events.length > 0) this.commit(events, now);
    this.outbox.flushAcks();
    await this.delivery.sweep(now);
    await this.stream.flush();
    await this.armAlarm(this.nextWake(Date.now()));
  }

  private accountOf(account: string): OutboxReceiver {
    const ns = this.env.ACCOUNT;
    if (!ns) throw new Error("ACCOUNT binding is missing: the outbox cannot deliver");
    return ns.getByName(account) as unknown as OutboxReceiver;
  }

  // ── market data ────────────────────────────────────────────────────────

  async book(level: 1 | 2 | 3, depth: number): Promise<BookView> {
    const { spec, units } = this.configured();
    return bookView(this.engine, units, spec.symbol, level, depth, this.seqs.level2, Date.now());
  }

  async trades(query: { before?: number; after?: number; limit: number }): Promise<{
    trades: TradeView[];
    next_before: number | null;
    next_after: number | null;
  }> {
    const { units } = this.configured();
    return tradesPage(this.sql, units, query);
  }

  async ticker(): Promise<TickerView> {
    const { spec, units } = this.configured();
    return ticker(this.day, this.engine, units, spec.symbol, Date.now());
  }

  async candles(interval: CandleInterval, start: number, end: number): Promise<CandleView[]> {
    const { units } = this.configured();
    return candles(this.sql, units, interval, start, end);
  }

  /** Current sequences, for tests and operators. */
  async sequences(): Promise<Sequences> {
    return { ...this.seqs };
  }

  // ── feed ───────────────────────────────────────────────────────────────

  /**
   * A feed shard subscribes one channel: it is registered for pushes and gets a
   * snapshot, or the updates after `resumeFrom` while the log still holds them.
   * Pending updates are flushed first, so nothing reaches the shard twice or out of order.
   */
  async feedSubscribe(shard: string, channel: PublicChannel, resumeFrom?: number): Promise<SubscribeReply> {
    const { spec } = this.configured();
    this.publisher?.flush();
    // Each registration gets a newer generation, so a stale "not subscribed" reply cannot drop it.
    const generation = this.nextShardGeneration();
    this.sql`INSERT INTO feed_shards (name, since) VALUES (${shard}, ${generation})
             ON CONFLICT (name) DO UPDATE SET since = excluded.since`;
    this.shards.set(shard, generation);
    if (resumeFrom !== undefined && (channel === "level2" || channel === "trades")) {
      const replay = this.replay(spec.symbol, channel, resumeFrom);
      if (replay) return { messages: replay, resumed: true };
      return { messages: [this.snapshot(channel)], resumed: false, reason: "sequence no longer in the event log" };
    }
    const reply: SubscribeReply = { messages: [this.snapshot(channel)], resumed: false };
    if (resumeFrom !== undefined) reply.reason = `${channel} is a state channel: it always resumes with a snapshot`;
    return reply;
  }

  /** Pushes the newest level2 and trades updates to the registered shards again (see `FeedPublisher.resend`). */
  private resendFeedTail(): void {
    if (!this.spec || !this.publisher || this.shards.size === 0) return;
    const messages: FeedMessage[] = [];
    for (const channel of ["level2", "trades"] as const) {
      const head = channel === "level2" ? this.seqs.level2 : this.seqs.trades;
      if (head === 0) continue;
      const tail = Math.min(head, FEED_TAIL_RESENT);
      messages.push(...(this.replay(this.spec.symbol, channel, head - tail) ?? []));
    }
    this.publisher.resend(messages);
  }

  private nextShardGeneration(): number {
    let top = 0;
    for (const since of this.shards.values()) top = Math.max(top, since);
    return Math.max(top, Date.now()) + 1;
  }

  async feedUnsubscribe(shard: string): Promise<void> {
    this.sql`DELETE FROM feed_shards WHERE name = ${shard}`;
    this.shards.delete(shard);
  }

  /** The channel's state now, at its current sequence. */
  private snapshot(channel: PublicChannel): FeedMessage {
    const { spec, units } = this.configured();
    const instrument = spec.symbol;
    const time = Date.now();
    switch (channel) {
      case "level2": {
        const { bids, asks } = this.engine.depth();
        const l2 = (l: { price: number; qty: number }): [string, string] => [units.price(l.price), units.size(l.qty)];
        return {
          type: "snapshot",
          channel,
          instrument,
          seq: this.seqs.level2,
          time,
          bids: bids.map(l2),
          asks: asks.map(l2),
        };
      }
      case "trades": {
        const page = tradesPage(this.sql, units, { limit: RECENT_TRADES });
        const trades = page.trades.map((t) => ({ ...t, side: t.side as "buy" | "sell" }));
        return { type: "snapshot", channel, instrument, seq: this.seqs.trades, time, trades };
      }
      case "ticker":
        return {
          type: "snapshot",
          channel,
          instrument,
          first_seq: this.seqs.ticker,
          seq: this.seqs.ticker,
          time,
          ticker: this.feedTicker(),
        };
      case "candles":
        return {
          type: "snapshot",
          channel,
          instrument,
          first_seq: this.seqs.candles,
          seq: this.seqs.candles,
          time,
          interval: "1m",
          candles: this.feedCandles(time - RECENT_CANDLES * 60_000),
        };
    }
  }

  /** Updates after `after` rebuilt from the event log, or null when the log no longer reaches back. */
  private replay(instrument: string, channel: "level2" | "trades", after: number): FeedMessage[] | null {
    const logged = this.store.channelEventsAfter(channel, after, REPLAY_LIMIT);
    return logged === null ? null : replayUpdates(instrument, channel, logged, this.configured().units);
  }

  private feedTicker(): FeedTicker {
    const { spec, units } = this.configured();
    const t = ticker(this.day, this.engine, units, spec.symbol, Date.now());
    return {
      best_bid: t.best_bid,
      best_ask: t.best_ask,
      last: t.last,
      open_24h: t.open_24h,
      high_24h: t.high_24h,
      low_24h: t.low_24h,
      volume_24h: t.volume_24h,
    };
  }

  private feedCandles(since: number): FeedCandle[] {
    const { units } = this.configured();
    return this.day.since(since).map((m) => ({
      start: m.start,
      open: units.price(m.open),
      high: units.price(m.high),
      low: units.price(m.low),
      close: units.price(m.close),
      volume: units.size(m.volume),
    }));
  }

  private createPublisher(instrument: string): FeedPublisher {
    return new FeedPublisher({
      instrument,
      units: () => this.configured().units,
      sequences: this.seqs,
      shards: () => [...this.shards].map(([name, generation]) => ({ name, generation })),
      shard: (name) => {
        const ns = this.env.FEED_SHARD;
        if (!ns) throw new Error("FEED_SHARD binding is missing");
        return ns.get(ns.idFromName(name)) as unknown as FeedShardRpc;
      },
      ticker: () => this.feedTicker(),
      currentCandles: (since) => this.feedCandles(since),
      dropShard: (name, generation) => {
        if ((this.shards.get(name) ?? Number.POSITIVE_INFINITY) > generation) return;
        this.sql`DELETE FROM feed_shards WHERE name = ${name} AND since <= ${generation}`;
        this.shards.delete(name);
      },
      tickMs: Number(this.env.FEED_TICK_MS ?? 10),
    });
  }

  // ── helpers ────────────────────────────────────────────────────────────

  private configured(): { spec: Instrument; units: InstrumentUnits } {
    if (!this.spec || !this.units) throw new BookNotConfiguredError();
    return { spec: this.spec, units: this.units };
  }

  private status() {
    return this.spec?.status ?? "closed";
  }

  /** Last trade price, else the mid, else none: the price band's anchor. */
  private referencePrice(): number | undefined {
    const last = this.engine.lastTradePrice;
    if (last !== undefined) return last;
    const { bid, ask } = this.engine.bbo();
    return bid && ask ? Math.floor((bid.price + ask.price) / 2) : undefined;
  }
}
