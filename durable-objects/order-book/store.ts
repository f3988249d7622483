/**
 * The book's SQLite: what a committed batch writes (event log, trades, candles,
 * the live-order mirror, counters) and how the engine is rebuilt on start.
 * `commit` must run inside one atomic write (`atomically`, ../runtime/sql.ts).
 */

import { type EngineEvent, type EngineSnapshot, MatchingEngine, type OrderView } from "../../shared/engine/index.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";
import { ENGINE_OPTIONS } from "../../shared/instruments/units.ts";
import type { MinuteCandle } from "../../shared/market/rolling-day.ts";
import type { LogTail } from "../../shared/replay/log-tail.ts";
import type { Sql } from "../runtime/sql.ts";

/** Per-instrument sequences: `seq` over all logged events, the others per public channel. */
export interface Sequences {
  seq: number;
  level2: number;
  trades: number;
  ticker: number;
  candles: number;
}

/** One logged event with its place in the sequences. */
export interface LoggedEvent {
  seq: number;
  at: number;
  event: EngineEvent;
  channel: "level2" | "trades" | null;
  channelSeq: number | null;
}

const MINUTE = 60_000;

type Candle = { open: number; high: number; low: number; close: number; volume: number; trades: number };

/** Folds one trade into the batch's per-minute candles (written with one upsert per minute). */
function addToCandle(minutes: Map<number, Candle>, at: number, price: number, qty: number): void {
  const start = Math.floor(at / MINUTE) * MINUTE;
  const c = minutes.get(start);
  if (!c) {
    minutes.set(start, { open: price, high: price, low: price, close: price, volume: qty, trades: 1 });
    return;
  }
  if (price > c.high) c.high = price;
  if (price < c.low) c.low = price;
  c.close = price;
  c.volume += qty;
  c.trades += 1;
}

export class BookStore {
  private readonly sql: Sql;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  loadInstrument(): Instrument | undefined {
    const row = this.sql.one<{ spec: string }>`SELECT spec FROM instrument WHERE id = 1`;
    return row ? (JSON.parse(row.spec) as Instrument) : undefined;
  }

  saveInstrument(spec: Instrument, now: number): void {
    const json = JSON.stringify(spec);
    this.sql`INSERT INTO instrument (id, spec, updated_at) VALUES (1, ${json}, ${now})
             ON CONFLICT (id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`;
  }

  loadSequences(): Sequences {
    const row = this.sql.one<{
      seq: number;
      level2_seq: number;
      trades_seq: number;
      ticker_seq: number;
      candles_seq: number;
    }>`
      SELECT seq, level2_seq, trades_seq, ticker_seq, candles_seq FROM book_state WHERE id = 1`;
    if (!row) throw new Error("book_state row missing: migrations did not run");
    return {
      seq: row.seq,
      level2: row.level2_seq,
      trades: row.trades_seq,
      ticker: row.ticker_seq,
      candles: row.candles_seq,
    };
  }

  /** Rebuilds the engine from the live-order mirror and the stored counters. */
  loadEngine(): MatchingEngine {
    const state = this.sql.one<{
      last_price: number | null;
      next_trade_id: number;
      next_priority: number;
      clock: number;
    }>`
      SELECT last_price, next_trade_id, next_priority, clock FROM book_state WHERE id = 1`;
    if (!state) throw new Error("book_state row missing: migrations did not run");
    // Queue order: best price first, then time priority; stops are re-sorted by the engine.
    const bids = this
      .views`SELECT view FROM live_orders WHERE state = 'resting' AND side = 'buy' ORDER BY price DESC, priority`;
    const asks = this
      .views`SELECT view FROM live_orders WHERE state = 'resting' AND side = 'sell' ORDER BY price ASC, priority`;
    const stops = this.views`SELECT view FROM live_orders WHERE state = 'stop' ORDER BY priority`;
    const snapshot: EngineSnapshot = {
      version: 1,
      lastTradePrice: state.last_price,
      nextTradeId: state.next_trade_id,
      nextPriority: state.next_priority,
      now: state.clock,
      resting: [...bids, ...asks],
      stops,
      options: ENGINE_OPTIONS,
    };
    return MatchingEngine.restore(snapshot);
  }

  private views(strings: TemplateStringsArray): OrderView[] {
    return this.sql<{ view: string }>(strings).map((r) => JSON.parse(r.view) as OrderView);
  }

  /**
   * Writes the events of one batch: the log (with channel sequences), trades,
   * one-minute candles, the mirror of every order the events touched, and the
   * engine's counters. Returns the logged events and their JSON as stored.
   *
   * Each table gets one statement per batch, its rows passed as one JSON
   * parameter and unpacked by `json_each`: a statement per row made a batch of
   * 100 commands cost ~500 statements.
   */
  commit(
    engine: MatchingEngine,
    events: readonly EngineEvent[],
    at: number,
    seqs: Sequences,
  ): { logged: LoggedEvent[]; bodies: string[] } {
    const logged: LoggedEvent[] = [];
    const bodies: string[] = [];
    const touched = new Set<string>();
    const eventRows: unknown[][] = [];
    const tradeRows: unknown[][] = [];
    const acceptedIds: string[] = [];
    const minutes = new Map<number, Candle>();
    for (const event of events) {
      if (event.type === "rejected") continue;
      const seq = ++seqs.seq;
      let channel: LoggedEvent["channel"] = null;
      let channelSeq: number | null = null;
      if (event.type === "level") {
        channel = "level2";
        channelSeq = ++seqs.level2;
      } else if (event.type === "trade") {
        channel = "trades";
        channelSeq = ++seqs.trades;
        tradeRows.push([event.tradeId, at, event.price, event.qty, event.aggressor, event.makerId, event.takerId, seq]);
        addToCandle(minutes, at, event.price, event.qty);
        touched.add(event.makerId);
        touched.add(event.takerId);
      } else {
        touched.add(event.id);
        if (event.type === "accepted") acceptedIds.push(event.id);
      }
      const body = JSON.stringify(event);
      eventRows.push([seq, at, event.type, channel, channelSeq, body]);
      bodies.push(body);
      logged.push({ seq, at, event, channel, channelSeq });
    }
    if (eventRows.length > 0) {
      this.sql`INSERT INTO events (seq, at, type, channel, channel_seq, body)
               SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
               FROM json_each(${JSON.stringify(eventRows)})`;
    }
    if (tradeRows.length > 0) {
      this.sql`INSERT INTO trades (trade_id, at, price, qty, aggressor, maker_order_id, taker_order_id, seq)
               SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7
               FROM json_each(${JSON.stringify(tradeRows)})`;
    }
    for (const [start, c] of minutes) {
      this.sql`INSERT INTO candles_1m (start, open, high, low, close, volume, trades)
               VALUES (${start}, ${c.open}, ${c.high}, ${c.low}, ${c.close}, ${c.volume}, ${c.trades})
               ON CONFLICT (start) DO UPDATE SET high = max(high, excluded.high), low = min(low, excluded.low),
                 close = excluded.close, volume = volume + excluded.volume, trades = trades + excluded.trades`;
    }
    if (acceptedIds.length > 0) {
      this
        .sql`INSERT INTO order_ids (order_id, accepted_at) SELECT value, ${at} FROM json_each(${JSON.stringify(acceptedIds)})`;
    }
    this.mirror(engine, touched);
    const c = engine.counters();
    // The ticker and candles sequences advance when the feed publishes; they are saved here, with the
    // next commit, rather than in a commit of their own per publish.
    this.sql`UPDATE book_state SET last_price = ${c.lastTradePrice}, next_trade_id = ${c.nextTradeId},
             next_priority = ${c.nextPriority}, clock = ${c.now}, seq = ${seqs.seq}, level2_seq = ${seqs.level2},
             trades_seq = ${seqs.trades}, ticker_seq = ${seqs.ticker}, candles_seq = ${seqs.candles} WHERE id = 1`;
    return { logged, bodies };
  }

  /** Whether this book has never logged an event nor held an order (what `restoreState` needs). */
  isPristine(seqs: Sequences): boolean {
    return seqs.seq === 0 && this.sql.one`SELECT 1 AS one FROM live_orders LIMIT 1` === undefined;
  }

  /**
   * Writes a restored engine (`MatchingEngine.restore` of a replayed snapshot) into a pristine
   * book: the live-order mirror, every order id as seen, the counters and `seqs`, and the
   * stream cursor at `seqs.seq` (the journal already holds those events: nothing is sent again).
   * Call inside a transaction.
   */
  restoreState(engine: MatchingEngine, seqs: Sequences, at: number): void {
    const snapshot = engine.snapshot();
    const ids = [...snapshot.resting, ...snapshot.stops].map((o) => o.id);
    this.mirror(engine, new Set(ids));
    if (ids.length > 0) {
      this
        .sql`INSERT OR IGNORE INTO order_ids (order_id, accepted_at) SELECT value, ${at} FROM json_each(${JSON.stringify(ids)})`;
    }
    const c = engine.counters();
    this.sql`UPDATE book_state SET last_price = ${c.lastTradePrice}, next_trade_id = ${c.nextTradeId},
             next_priority = ${c.nextPriority}, clock = ${c.now}, seq = ${seqs.seq}, level2_seq = ${seqs.level2},
             trades_seq = ${seqs.trades}, ticker_seq = ${seqs.ticker}, candles_seq = ${seqs.candles} WHERE id = 1`;
    this.sql`UPDATE stream_out SET seq = ${seqs.seq} WHERE id = 1`;
  }

  /**
   * A failover's restore (shared/replay/log-tail.ts): the journal's tail as the event log and the
   * trade tape, and the feed subscribers the lost book pushed to (its region's relays), so
   * resumes, REST trades and pushes go on. Call inside the restore's transaction.
   */
  restoreLog(tail: LogTail, subscribers: readonly string[], at: number): void {
    if (tail.log.length > 0) {
      this.sql`INSERT INTO events (seq, at, type, channel, channel_seq, body)
               SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
               FROM json_each(${JSON.stringify(tail.log)})`;
    }
    if (tail.trades.length > 0) {
      this.sql`INSERT INTO trades (trade_id, at, price, qty, aggressor, maker_order_id, taker_order_id, seq)
               SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7
               FROM json_each(${JSON.stringify(tail.trades)})`;
    }
    subscribers.forEach((name, i) => {
      this.sql`INSERT OR REPLACE INTO feed_shards (name, since) VALUES (${name}, ${at + i})`;
    });
  }

  /**
   * Which of `ids` this book has seen (one query for a whole batch): accepted ones map to
   * null, ones refused to an Account object to the refusal.
   */
  knownOrderIds(ids: readonly string[]): Map<string, { code: string; message: string } | null> {
    if (ids.length === 0) return new Map();
    type Row = { order_id: string; reject_code: string | null; reject_message: string | null };
    // One id (most calls): a plain key lookup; several: one statement for all.
    const rows =
      ids.length === 1
        ? this
            .sql<Row>`SELECT order_id, reject_code, reject_message FROM order_ids WHERE order_id = ${ids[0] as string}`
        : this.sql<Row>`
            SELECT order_id, reject_code, reject_message FROM order_ids
            WHERE order_id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
    return new Map(
      rows.map((r) => [
        r.order_id,
        r.reject_code === null ? null : { code: r.reject_code, message: r.reject_message ?? "" },
      ]),
    );
  }

  /** Remembers refused order ids with their refusal, so the id is never placed later. */
  rememberRefusals(refusals: ReadonlyArray<{ order_id: string; code: string; message: string }>, at: number): void {
    if (refusals.length === 0) return;
    const rows = refusals.map((r) => [r.order_id, at, r.code, r.message]);
    this.sql`INSERT OR IGNORE INTO order_ids (order_id, accepted_at, reject_code, reject_message)
             SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(${JSON.stringify(rows)})`;
  }

  /** The one-minute candles that started at or after `since` (the rolling day's seed). */
  minutesSince(since: number): MinuteCandle[] {
    return this.sql<{
      start: number;
      open: number;
      high: number;
      low: number;
      close: number;
      volume: number;
      trades: number;
    }>`
      SELECT start, open, high, low, close, volume, trades FROM candles_1m WHERE start >= ${since} ORDER BY start`;
  }

  /** Makes `live_orders` equal to the engine's view of each touched order (upsert or delete). */
  private mirror(engine: MatchingEngine, ids: ReadonlySet<string>): void {
    const upserts: unknown[][] = [];
    const deletes: string[] = [];
    for (const id of ids) {
      const view = engine.order(id);
      if (view) {
        upserts.push([
          id,
          view.side,
          view.state,
          view.price ?? null,
          view.stopPrice ?? null,
          view.priority,
          JSON.stringify(view),
        ]);
      } else deletes.push(id);
    }
    if (deletes.length > 0) {
      this.sql`DELETE FROM live_orders WHERE order_id IN (SELECT value FROM json_each(${JSON.stringify(deletes)}))`;
    }
    if (upserts.length > 0) {
      // "WHERE true" lets SQLite parse the upsert clause after a SELECT.
      this.sql`INSERT INTO live_orders (order_id, side, state, price, stop_price, priority, view)
               SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6
               FROM json_each(${JSON.stringify(upserts)}) WHERE true
               ON CONFLICT (order_id) DO UPDATE SET side = excluded.side, state = excluded.state, price = excluded.price,
                 stop_price = excluded.stop_price, priority = excluded.priority, view = excluded.view`;
    }
  }

  /**
   * Drops logged events older than the newest `keep`, so the log stays bounded; never
   * those after `keepAfter` (not yet streamed out).
   */
  prune(seqs: Sequences, keep: number, keepAfter?: number): void {
    const upTo = keepAfter === undefined ? seqs.seq - keep : Math.min(seqs.seq - keep, keepAfter);
    this.sql`DELETE FROM events WHERE seq <= ${upTo}`;
  }

  /** Rows in the event log: the log is contiguous (pruning drops a prefix), so two index reads, not a count. */
  eventLogRows(): number {
    const r = this.sql.one<{ lo: number | null; hi: number | null }>`SELECT min(seq) AS lo, max(seq) AS hi FROM events`;
    return r?.lo == null || r.hi == null ? 0 : r.hi - r.lo + 1;
  }

  /** Logged events after `after`, oldest first (the event stream's source after a restart). */
  eventsAfter(after: number, limit: number): Array<{ seq: number; at: number; event: EngineEvent }> {
    return this.sql<{ seq: number; at: number; body: string }>`
      SELECT seq, at, body FROM events WHERE seq > ${after} ORDER BY seq LIMIT ${limit}`.map((r) => ({
      seq: r.seq,
      at: r.at,
      event: JSON.parse(r.body) as EngineEvent,
    }));
  }

  /** Logged events of one channel after `afterChannelSeq`, if the log still holds the next one. */
  channelEventsAfter(channel: "level2" | "trades", afterChannelSeq: number, limit: number): LoggedEvent[] | null {
    const first = this.sql.one<{ first: number | null }>`
      SELECT min(channel_seq) AS first FROM events WHERE channel = ${channel}`;
    const oldest = first?.first ?? null;
    const current = this.sql.one<{ last: number | null }>`
      SELECT max(channel_seq) AS last FROM events WHERE channel = ${channel}`;
    const newest = current?.last ?? 0;
    if (afterChannelSeq === newest) return [];
    if (oldest === null || afterChannelSeq + 1 < oldest || afterChannelSeq > newest) return null;
    return this.sql<{ seq: number; at: number; channel_seq: number; body: string }>`
      SELECT seq, at, channel_seq, body FROM events WHERE channel = ${channel} AND channel_seq > ${afterChannelSeq}
      ORDER BY channel_seq LIMIT ${limit}`.map((r) => ({
      seq: r.seq,
      at: r.at,
      event: JSON.parse(r.body) as EngineEvent,
      channel,
      channelSeq: r.channel_seq,
    }));
  }
}
