/**
 * A fenced hand-off of a book to its successor in another region (docs/geography.md "Books that
 * follow the session"). The registry drives it; each step is durable here and safe to repeat:
 *
 * 1. `fence` (old): commands are refused with `instrument_moving` (retry after a second); the
 *    alarm stops (no expiry commits, no deliveries, no stream).
 * 2. `export` (old, in pages: handoff-transfer.ts): the event stream is flushed to the Queue and
 *    stops here; the pages carry everything the successor needs.
 * 3. `import` (successor, pristine or still standby): the pages are written; it stays standby
 *    (refusing commands as the old one does, nothing streamed or delivered) until `activate`.
 * 4. The registry flips the instrument to the successor's epoch and region, then `activate`
 *    (successor): memory from storage, the alarm re-armed (expiries, outbox sweep, stream).
 * 5. `complete` (old): commands are refused with `book_moved` naming the successor; reads and the
 *    feed's subscribe calls are forwarded to it, so callers with a stale instrument keep working.
 *
 * `abort` (old, fenced or exported) lifts the fence: the old book trades on as if nothing happened.
 */
import type { MatchingEngine } from "../../shared/engine/index.ts";
import type { PublicChannel, SubscribeReply } from "../../shared/feed/messages.ts";
import { type Instrument, InstrumentSchema } from "../../shared/instruments/schema.ts";
import type { CandleInterval } from "../../shared/market/candles.ts";
import type { Sql } from "../runtime/sql.ts";
import {
  type EngineCounters,
  firstCursor,
  type HandoffCursor,
  type HandoffHead,
  type HandoffPart,
  readPage,
  wipeTables,
  writeHead,
  writeRows,
} from "./handoff-transfer.ts";
import type { BookView, CandleView, TickerView, TradeView } from "./market-data.ts";
import type { BookStore, Sequences } from "./store.ts";

export type { EngineCounters, HandoffCursor, HandoffHead, HandoffPart } from "./handoff-transfer.ts";

/** How long a refused caller should wait before sending again, ms (`Retry-After: 1`). */
export const MOVING_RETRY_AFTER_MS = 1_000;

export type HandoffPhase = "fenced" | "exported" | "standby" | "moved";

/** Where a moved book went. */
export interface HandoffSuccessor {
  /** The successor's object name (`<symbol>@<epoch>`). */
  name: string;
  epoch: number;
  region: string;
}

/** Why a book refuses a whole batch during or after a hand-off. */
export type HandoffRefusal =
  | { code: "instrument_moving"; message: string; retry_after_ms: number }
  | { code: "book_moved"; message: string; successor: string; book_epoch: number; home_region: string };

/** A step's answer: the phase the book is in now, or why the step was refused (nothing changed). */
export type HandoffStep =
  | { ok: true; phase: HandoffPhase | "live"; seq: number; fenced_at: number | null }
  | { ok: false; code: "handoff_refused"; message: string };

/** What a moved book forwards to its successor. */
export interface ForwardedBook {
  book(level: 1 | 2 | 3, depth: number): Promise<BookView>;
  trades(query: { before?: number; after?: number; limit: number }): Promise<{
    trades: TradeView[];
    next_before: number | null;
    next_after: number | null;
  }>;
  ticker(): Promise<TickerView>;
  candles(interval: CandleInterval, start: number, end: number): Promise<CandleView[]>;
  sequences(): Promise<Sequences>;
  instrument(): Promise<Instrument | null>;
  reference(): Promise<string | null>;
  feedSubscribe(shard: string, channel: PublicChannel, resumeFrom?: number): Promise<SubscribeReply>;
  feedUnsubscribe(shard: string): Promise<void>;
}

export interface HandoffEnv {
  ORDER_BOOK?: DurableObjectNamespace;
  BOOK_EVENT_RETENTION?: string;
}

export interface HandoffDeps {
  ctx: DurableObjectState;
  env: HandoffEnv;
  sql: Sql;
  store: BookStore;
  spec: () => Instrument | undefined;
  seqs: () => Sequences;
  engine: () => Pick<MatchingEngine, "counters">;
  stream: { flush(): Promise<boolean>; cursor(): number };
  /** Deletes acknowledged outbox rows, so only unacknowledged ones ship. */
  flushAcks: () => void;
  /** Rebuilds memory from storage and re-arms the alarm. */
  reload: () => Promise<void>;
}

interface HandoffRow {
  phase: HandoffPhase;
  since: number;
  successor: string | null;
  epoch: number | null;
  region: string | null;
}

export class BookHandoff {
  private readonly d: HandoffDeps;
  private row: HandoffRow | undefined;

  constructor(deps: HandoffDeps) {
    this.d = deps;
  }

  /** Reads the phase back (with the rest of memory). */
  load(): void {
    this.row = this.d.sql.one<{
      phase: string;
      since: number;
      successor: string | null;
      epoch: number | null;
      region: string | null;
    }>`SELECT phase, since, successor, epoch, region FROM handoff WHERE id = 1` as HandoffRow | undefined;
  }

  /** Whether a hand-off holds the book: the alarm does nothing. */
  get paused(): boolean {
    return this.row !== undefined;
  }

  /** Whether the event stream stopped here: the successor (or, standby, this book later) sends it. */
  get streamStopped(): boolean {
    return this.row !== undefined && this.row.phase !== "fenced";
  }

  /** Why commands are refused now, if they are. */
  refusal(): HandoffRefusal | undefined {
    const row = this.row;
    if (!row) return undefined;
    const symbol = this.d.spec()?.symbol ?? "this instrument";
    if (row.phase !== "moved") {
      return {
        code: "instrument_moving",
        message: `The book of ${symbol} is moving to another region; nothing was done. Send again after Retry-After.`,
        retry_after_ms: MOVING_RETRY_AFTER_MS,
      };
    }
    return {
      code: "book_moved",
      message: `The book of ${symbol} moved to ${row.region} (epoch ${row.epoch}): look the instrument up again and send there.`,
      successor: row.successor ?? "",
      book_epoch: row.epoch ?? 0,
      home_region: row.region ?? "",
    };
  }

  /** The successor, once this book has moved: reads go there. */
  successor(): ForwardedBook | undefined {
    const name = this.row?.phase === "moved" ? this.row.successor : null;
    const ns = this.d.env.ORDER_BOOK;
    if (!name || !ns) return undefined;
    return ns.get(ns.idFromName(name)) as unknown as ForwardedBook;
  }

  /** Step 1 (old): refuse commands from now on. Repeating it answers the phase held. */
  async fence(): Promise<HandoffStep> {
    if (!this.d.spec()) return refused("This book has no instrument: there is nothing to hand off.");
    if (this.row?.phase === "standby") return refused("This book is a hand-off's standby, not a live book.");
    if (!this.row) this.save({ phase: "fenced", since: Date.now(), successor: null, epoch: null, region: null });
    return this.step();
  }

  /** Step 2 (old): one page of the state, from `cursor` (the first page, with the head, without). */
  async export(cursor?: HandoffCursor): Promise<HandoffPart | HandoffStep> {
    const row = this.row;
    const spec = this.d.spec();
    if (!spec || !row || (row.phase !== "fenced" && row.phase !== "exported")) {
      return refused("Fence the book before exporting it (and not after it moved).");
    }
    let head: HandoffHead | undefined;
    let from = cursor;
    if (!from) {
      if (row.phase === "fenced") {
        // What the Queue takes now it never gets twice: the stream stops here once exported.
        await this.d.stream.flush();
        this.d.flushAcks();
        // The cursor as memory has it (its save may lag): a repeated export after a restart ships the same.
        const cursor = this.d.stream.cursor();
        this.d.sql`UPDATE stream_out SET seq = ${cursor} WHERE id = 1 AND seq < ${cursor}`;
        this.save({ ...row, phase: "exported" });
      }
      head = {
        spec,
        counters: counters(this.d.engine()),
        seqs: { ...this.d.seqs() },
        stream_cursor: this.d.stream.cursor(),
        fenced_at: row.since,
      };
      const newest = this.d.sql.one<{ n: number | null }>`SELECT max(trade_id) AS n FROM trades`?.n ?? 0;
      from = firstCursor(head, newest, Number(this.d.env.BOOK_EVENT_RETENTION ?? 100_000));
    }
    const page = readPage(this.d.ctx.storage.sql, from);
    return head ? { ok: true, head, ...page } : { ok: true, ...page };
  }

  /**
   * Step 3 (successor): writes a page. The first (with the head) needs a pristine book or this
   * hand-off's standby (a move resumed after a failure starts over); `spec` replaces the head's
   * instrument (its new home and epoch). The last page rebuilds memory.
   */
  async import(part: HandoffPart, spec?: Instrument): Promise<HandoffStep> {
    const phase = this.row?.phase;
    if (part.head) {
      const head = part.head;
      if (phase !== undefined && phase !== "standby")
        return refused(`This book is ${phase}: it cannot take a hand-off.`);
      if (phase === undefined && !this.d.store.isPristine(this.d.seqs())) {
        return refused("This book has traded: a hand-off imports only into a fresh object.");
      }
      const instrument = InstrumentSchema.parse(spec ?? head.spec);
      if (instrument.symbol !== head.spec.symbol) {
        return refused(`This hand-off carries ${head.spec.symbol}, not ${instrument.symbol}.`);
      }
      const sql = this.d.ctx.storage.sql;
      this.d.ctx.storage.transactionSync(() => {
        wipeTables(sql);
        writeHead(sql, head);
        this.d.store.saveInstrument(instrument, Date.now());
        this.save({ phase: "standby", since: head.fenced_at, successor: null, epoch: null, region: null });
        for (const t of part.tables) writeRows(sql, t.table, t.rows);
      });
    } else {
      if (phase !== "standby") return refused("Send the hand-off's first page (with its head) first.");
      const sql = this.d.ctx.storage.sql;
      this.d.ctx.storage.transactionSync(() => {
        for (const t of part.tables) writeRows(sql, t.table, t.rows);
      });
    }
    if (part.next === null) await this.d.reload();
    return this.step();
  }

  /** Step 4 (successor, after the registry flipped): takes commands, streams and delivers. */
  async activate(): Promise<HandoffStep> {
    const phase = this.row?.phase;
    if (phase !== undefined && phase !== "standby") return refused(`This book is ${phase}, not a standby.`);
    if (phase === "standby") {
      this.d.sql`DELETE FROM handoff WHERE id = 1`;
      this.row = undefined;
      await this.d.reload();
      void this.d.stream.flush();
    }
    return this.step();
  }

  /** Step 5 (old): moved for good; commands answer `book_moved`, reads are forwarded. */
  async complete(to: HandoffSuccessor): Promise<HandoffStep> {
    const row = this.row;
    if (row?.phase === "moved") return this.step();
    if (row?.phase !== "exported") return refused("Export the book before completing its hand-off.");
    this.d.ctx.storage.transactionSync(() => {
      this.save({ ...row, phase: "moved", successor: to.name, epoch: to.epoch, region: to.region });
      // The successor pushes to these relays and shards now; this book must never again.
      this.d.sql`DELETE FROM feed_shards`;
    });
    await this.d.reload();
    return this.step();
  }

  /**
   * A failover replaced this book while it was unreachable (registry failover.ts): from whatever
   * phase, it becomes a moved book that refuses commands with `book_moved`, forwards reads, and
   * never streams again (events it logged that never reached the Queue stay in its log only).
   */
  async depose(to: HandoffSuccessor): Promise<HandoffStep> {
    if (this.row?.phase === "moved") return this.step();
    const since = this.row?.since ?? Date.now();
    this.d.ctx.storage.transactionSync(() => {
      this.save({ phase: "moved", since, successor: to.name, epoch: to.epoch, region: to.region });
      this.d.sql`DELETE FROM feed_shards`;
    });
    await this.d.reload();
    return this.step();
  }

  /** Lifts a fence (a move given up before the registry flipped): the book trades on. */
  async abort(): Promise<HandoffStep> {
    const phase = this.row?.phase;
    if (phase === "moved" || phase === "standby") return refused(`A ${phase} book cannot be unfenced.`);
    if (phase !== undefined) {
      this.d.sql`DELETE FROM handoff WHERE id = 1`;
      this.row = undefined;
      await this.d.reload();
      void this.d.stream.flush();
    }
    return this.step();
  }

  private save(row: HandoffRow): void {
    this.d.sql`INSERT INTO handoff (id, phase, since, successor, epoch, region)
               VALUES (1, ${row.phase}, ${row.since}, ${row.successor}, ${row.epoch}, ${row.region})
               ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, since = excluded.since,
                 successor = excluded.successor, epoch = excluded.epoch, region = excluded.region`;
    this.row = row;
  }

  private step(): HandoffStep {
    return { ok: true, phase: this.row?.phase ?? "live", seq: this.d.seqs().seq, fenced_at: this.row?.since ?? null };
  }
}

/** A whole batch refused by the hand-off: nothing ran. */
export function refusedBatch(instrument: string, error: HandoffRefusal) {
  return { instrument, results: [], first_seq: null, last_seq: null, error };
}

function counters(engine: Pick<MatchingEngine, "counters">): EngineCounters {
  const c = engine.counters();
  return { last_price: c.lastTradePrice, next_trade_id: c.nextTradeId, next_priority: c.nextPriority, clock: c.now };
}

function refused(message: string): HandoffStep {
  return { ok: false, code: "handoff_refused", message };
}
