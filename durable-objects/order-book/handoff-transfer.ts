/**
 * What a hand-off ships from the old book to its successor (handoff.ts), as pages of rows of
 * the book's own tables, so a large book never needs one oversized call:
 * - the head (first page): the instrument, the engine's counters, every sequence (seq, level2,
 *   trades, ticker, candles, from memory: ticker and candles are saved with the next commit) and
 *   the stream cursor (the last seq the EVENTS Queue accepted);
 * - every live order (the mirror the engine is rebuilt from on each start: resting orders, stops
 *   and their GTD expiries), every outbox row not yet acknowledged, the feed registrations (the
 *   successor pushes to the same relays and shards, whose sequences go on), every order id seen
 *   (ids stay unique for ever), every one-minute candle (ticker, candles);
 * - the log's tail: the newest {@link TAIL_EVENTS} events (feed resume) and at least every event
 *   after the stream cursor (the successor sends those to the Queue: nothing lost, nothing twice),
 *   and the newest {@link TAIL_TRADES} trades (older ones are in Postgres history).
 * The old book is fenced while it is read, so the pages are one consistent state.
 */

import type { Instrument } from "../../shared/instruments/schema.ts";
import type { SqlValue } from "../runtime/sql.ts";
import type { Sequences } from "./store.ts";

/** Events and trades of the log's tail the successor gets (more events when the Queue lags). */
export const TAIL_EVENTS = 10_000;
export const TAIL_TRADES = 10_000;

/** Most rows per page (small tables share one page: a small book ships in one call). */
const PAGE_ROWS = 1_000;

interface TableSpec {
  name: string;
  cols: readonly string[];
  key: readonly string[];
  /** Only rows whose first key column is above the cursor's floor of this name. */
  floor?: "events_after" | "trades_after";
}

/** In the order they ship; identifiers are these constants only, values are always bound. */
const TABLES: readonly TableSpec[] = [
  {
    name: "live_orders",
    cols: ["order_id", "side", "state", "price", "stop_price", "priority", "view"],
    key: ["order_id"],
  },
  { name: "outbox", cols: ["account", "seq", "at", "body"], key: ["account", "seq"] },
  { name: "feed_shards", cols: ["name", "since"], key: ["name"] },
  { name: "order_ids", cols: ["order_id", "accepted_at", "reject_code", "reject_message"], key: ["order_id"] },
  { name: "candles_1m", cols: ["start", "open", "high", "low", "close", "volume", "trades"], key: ["start"] },
  {
    name: "trades",
    cols: ["trade_id", "at", "price", "qty", "aggressor", "maker_order_id", "taker_order_id", "seq"],
    key: ["trade_id"],
    floor: "trades_after",
  },
  {
    name: "events",
    cols: ["seq", "at", "type", "channel", "channel_seq", "body"],
    key: ["seq"],
    floor: "events_after",
  },
];

/** The book's engine counters as `book_state` holds them. */
export interface EngineCounters {
  last_price: number | null;
  next_trade_id: number;
  next_priority: number;
  clock: number;
}

export interface HandoffHead {
  spec: Instrument;
  counters: EngineCounters;
  seqs: Sequences;
  /** The last event seq the Queue accepted: the successor streams what follows. */
  stream_cursor: number;
  /** Epoch ms the old book was fenced. */
  fenced_at: number;
}

/** Where the next page starts. */
export interface HandoffCursor {
  table: number;
  after: SqlValue[] | null;
  events_after: number;
  trades_after: number;
}

/** Rows of one table. */
export interface TableRows {
  table: string;
  rows: SqlValue[][];
}

export interface HandoffPart {
  ok: true;
  /** On the first page only. */
  head?: HandoffHead;
  tables: TableRows[];
  /** The next page, or null after the last. */
  next: HandoffCursor | null;
}

/** The first cursor: the tail's floors from the head. */
export function firstCursor(head: HandoffHead, newestTrade: number, retention: number): HandoffCursor {
  const keep = Math.min(TAIL_EVENTS, Math.max(1, retention));
  return {
    table: 0,
    after: null,
    events_after: Math.max(0, Math.min(head.stream_cursor, head.seqs.seq - keep)),
    trades_after: Math.max(0, newestTrade - TAIL_TRADES),
  };
}

/** One page of rows from `cursor` on, across tables; call while the book is fenced. */
export function readPage(sql: SqlStorage, cursor: HandoffCursor): { tables: TableRows[]; next: HandoffCursor | null } {
  const tables: TableRows[] = [];
  let at: HandoffCursor | null = cursor;
  let room = PAGE_ROWS;
  while (at && room > 0) {
    const read = readTable(sql, at, room);
    if (read.rows.length > 0) tables.push({ table: read.table, rows: read.rows });
    room -= read.rows.length;
    at = read.next;
  }
  return { tables, next: at };
}

/** Up to `limit` rows of the cursor's table, and where to go on (the same table, the next, or nowhere). */
function readTable(
  sql: SqlStorage,
  cursor: HandoffCursor,
  limit: number,
): { table: string; rows: SqlValue[][]; next: HandoffCursor | null } {
  const spec = TABLES[cursor.table];
  if (!spec) return { table: "", rows: [], next: null };
  const where: string[] = [];
  const binds: SqlValue[] = [];
  if (spec.floor) {
    where.push(`${spec.key[0]} > ?`);
    binds.push(cursor[spec.floor]);
  }
  if (cursor.after) {
    where.push(`(${spec.key.join(", ")}) > (${spec.key.map(() => "?").join(", ")})`);
    binds.push(...cursor.after);
  }
  const text =
    `SELECT json_array(${spec.cols.join(", ")}) AS r FROM ${spec.name}` +
    `${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY ${spec.key.join(", ")} LIMIT ${limit}`;
  const rows = sql
    .exec<{ r: string }>(text, ...binds)
    .toArray()
    .map((row) => JSON.parse(row.r) as SqlValue[]);
  const full = rows.length === limit;
  const last = rows[rows.length - 1];
  const keyAt = spec.key.map((k) => spec.cols.indexOf(k));
  const next: HandoffCursor | null =
    full && last
      ? { ...cursor, after: keyAt.map((i) => last[i] as SqlValue) }
      : cursor.table + 1 < TABLES.length
        ? { ...cursor, table: cursor.table + 1, after: null }
        : null;
  return { table: spec.name, rows, next };
}

/** Empties every table a hand-off fills (a pristine or standby successor, before the first page). */
export function wipeTables(sql: SqlStorage): void {
  for (const t of TABLES) sql.exec(`DELETE FROM ${t.name}`);
  sql.exec("DELETE FROM instrument");
  sql.exec(
    "UPDATE book_state SET last_price = NULL, next_trade_id = 1, next_priority = 1, clock = 0, seq = 0, level2_seq = 0, trades_seq = 0, ticker_seq = 0, candles_seq = 0 WHERE id = 1",
  );
  sql.exec("UPDATE stream_out SET seq = 0 WHERE id = 1");
}

/** Writes the head: counters, sequences and stream cursor (the instrument is saved by the caller). */
export function writeHead(sql: SqlStorage, head: HandoffHead): void {
  const { counters: c, seqs: s } = head;
  sql.exec(
    `UPDATE book_state SET last_price = ?, next_trade_id = ?, next_priority = ?, clock = ?, seq = ?, level2_seq = ?,
     trades_seq = ?, ticker_seq = ?, candles_seq = ? WHERE id = 1`,
    c.last_price,
    c.next_trade_id,
    c.next_priority,
    c.clock,
    s.seq,
    s.level2,
    s.trades,
    s.ticker,
    s.candles,
  );
  sql.exec("UPDATE stream_out SET seq = ? WHERE id = 1", head.stream_cursor);
}

/** Inserts one page's rows into their table (a name outside the hand-off's tables is refused). */
export function writeRows(sql: SqlStorage, table: string, rows: readonly SqlValue[][]): void {
  const spec = TABLES.find((t) => t.name === table);
  if (!spec) throw new Error(`a hand-off does not ship table ${JSON.stringify(table)}`);
  if (rows.length === 0) return;
  const values = spec.cols.map((_, i) => `value ->> ${i}`).join(", ");
  sql.exec(
    `INSERT OR REPLACE INTO ${spec.name} (${spec.cols.join(", ")}) SELECT ${values} FROM json_each(?)`,
    JSON.stringify(rows),
  );
}
