/**
 * Public market data read from the book's engine and SQLite, in wire form:
 * order book views (L1/L2/L3), trades with cursors, the rolling 24 h ticker and candles.
 */
import type { MatchingEngine } from "../../shared/engine/index.ts";
import type { InstrumentUnits } from "../../shared/instruments/units.ts";
import { CANDLE_INTERVALS, type CandleInterval, MAX_CANDLES } from "../../shared/market/candles.ts";
import type { RollingDay } from "../../shared/market/rolling-day.ts";
import type { Sql } from "../runtime/sql.ts";

export type PriceSize = [price: string, size: string];

export interface BookView {
  instrument: string;
  level: 1 | 2 | 3;
  /** The level2 channel sequence this view is at: deltas after it continue it. */
  seq: number;
  time: number;
  bids: PriceSize[] | L3Order[];
  asks: PriceSize[] | L3Order[];
}

/** A resting order as L3 shows it: no account, ever. */
export interface L3Order {
  order_id: string;
  price: string;
  size: string;
}

export function bookView(
  engine: MatchingEngine,
  units: InstrumentUnits,
  instrument: string,
  level: 1 | 2 | 3,
  depth: number,
  seq: number,
  time: number,
): BookView {
  if (level === 3) {
    const { bids, asks } = engine.l3();
    const l3 = (o: (typeof bids)[number]): L3Order => ({
      order_id: o.id,
      price: units.price(o.price as number),
      size: units.size(o.remaining),
    });
    return { instrument, level, seq, time, bids: bids.slice(0, depth).map(l3), asks: asks.slice(0, depth).map(l3) };
  }
  const { bids, asks } = engine.depth(level === 1 ? 1 : depth);
  const l2 = (l: { price: number; qty: number }): PriceSize => [units.price(l.price), units.size(l.qty)];
  return { instrument, level, seq, time, bids: bids.map(l2), asks: asks.map(l2) };
}

export interface TradeView {
  trade_id: number;
  price: string;
  size: string;
  /** The aggressor's side. */
  side: string;
  time: number;
}

/**
 * Trades newest first. `before` gives older trades than that id, `after` newer
 * ones (still returned newest first); `next_before`/`next_after` continue.
 */
export function tradesPage(
  sql: Sql,
  units: InstrumentUnits,
  query: { before?: number; after?: number; limit: number },
): { trades: TradeView[]; next_before: number | null; next_after: number | null } {
  type Row = { trade_id: number; price: number; qty: number; aggressor: string; at: number };
  let rows: Row[];
  if (query.after !== undefined) {
    // The `limit` trades right after `after`, oldest of them first, then reversed to newest first.
    rows = sql<Row>`SELECT trade_id, price, qty, aggressor, at FROM trades WHERE trade_id > ${query.after}
                    ORDER BY trade_id ASC LIMIT ${query.limit}`.reverse();
  } else {
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    rows = sql<Row>`SELECT trade_id, price, qty, aggressor, at FROM trades WHERE trade_id < ${before}
                    ORDER BY trade_id DESC LIMIT ${query.limit}`;
  }
  const trades = rows.map((r) => ({
    trade_id: r.trade_id,
    price: units.price(r.price),
    size: units.size(r.qty),
    side: r.aggressor,
    time: r.at,
  }));
  const oldest = rows[rows.length - 1];
  const newest = rows[0];
  return {
    trades,
    next_before: oldest ? oldest.trade_id : null,
    next_after: newest ? newest.trade_id : (query.after ?? null),
  };
}

export interface CandleView {
  start: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  trades: number;
}

/** Candles of `interval` starting in [start, end), oldest first, aggregated from one-minute candles. */
export function candles(
  sql: Sql,
  units: InstrumentUnits,
  interval: CandleInterval,
  start: number,
  end: number,
): CandleView[] {
  const width = CANDLE_INTERVALS[interval];
  type Row = { bucket: number; open: number; high: number; low: number; close: number; volume: number; trades: number };
  // open/close: the first/last minute of each bucket, picked by min/max start.
  const rows = sql<Row>`
    SELECT b.bucket,
      (SELECT open FROM candles_1m WHERE start = b.first) AS open,
      b.high, b.low,
      (SELECT close FROM candles_1m WHERE start = b.last) AS close,
      b.volume, b.trades
    FROM (
      -- Numbers are bound as REAL: cast the width so the division truncates to the interval.
      SELECT (start / CAST(${width} AS INTEGER)) * CAST(${width} AS INTEGER) AS bucket, min(start) AS first, max(start) AS last,
             max(high) AS high, min(low) AS low, sum(volume) AS volume, sum(trades) AS trades
      FROM candles_1m WHERE start >= ${start} AND start < ${end}
      GROUP BY bucket ORDER BY bucket LIMIT ${MAX_CANDLES}
    ) AS b ORDER BY b.bucket`;
  return rows.map((r) => ({
    start: r.bucket,
    open: units.price(r.open),
    high: units.price(r.high),
    low: units.price(r.low),
    close: units.price(r.close),
    volume: units.size(r.volume),
    trades: r.trades,
  }));
}

export interface TickerView {
  instrument: string;
  best_bid: string | null;
  best_bid_size: string | null;
  best_ask: string | null;
  best_ask_size: string | null;
  last: string | null;
  open_24h: string | null;
  high_24h: string | null;
  low_24h: string | null;
  volume_24h: string;
  trades_24h: number;
  time: number;
}

/** Best bid/ask, last trade and rolling 24 h statistics (minute resolution, from memory). */
export function ticker(
  rolling: RollingDay,
  engine: MatchingEngine,
  units: InstrumentUnits,
  instrument: string,
  now: number,
): TickerView {
  const day = rolling.stats(now);
  const { bid, ask } = engine.bbo();
  const last = engine.lastTradePrice;
  const price = (t: number | null | undefined) => (t === null || t === undefined ? null : units.price(t));
  return {
    instrument,
    best_bid: price(bid?.price),
    best_bid_size: bid ? units.size(bid.qty) : null,
    best_ask: price(ask?.price),
    best_ask_size: ask ? units.size(ask.qty) : null,
    last: price(last),
    open_24h: price(day.open),
    high_24h: price(day.high),
    low_24h: price(day.low),
    volume_24h: units.size(day.volume),
    trades_24h: day.trades,
    time: now,
  };
}
