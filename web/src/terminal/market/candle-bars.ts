/**
 * The candles the chart shows for one instrument and interval, kept by bar start: REST history
 * first, then each trade folded into its bar, and for 1m the feed's `candles` channel (the
 * book's own 1m bars, which replace what trades built). Floats: this is chart data only.
 *
 * What is folded, so no trade counts twice: only trades newer than the last folded trade id,
 * at or after the REST window's end (earlier ones are in the REST bars), and for 1m after the
 * last `candles` message (its bars include every trade committed up to its time).
 */
import type { CandlesMessage, FeedTrade } from "@platform3/client";

/** The intervals the API serves, ms each (as shared/market/candles.ts). */
export const INTERVAL_MS = {
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "1h": 3_600_000,
  "6h": 21_600_000,
  "1d": 86_400_000,
} as const;
export type CandleInterval = keyof typeof INTERVAL_MS;
export const INTERVALS = Object.keys(INTERVAL_MS) as CandleInterval[];

export interface Bar {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

interface DecimalCandle {
  start: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

const toBar = (c: DecimalCandle): Bar => ({
  start: c.start,
  open: Number(c.open),
  high: Number(c.high),
  low: Number(c.low),
  close: Number(c.close),
  volume: Number(c.volume),
});

export class CandleBars {
  readonly interval: CandleInterval;
  private readonly bars = new Map<number, Bar>();
  /** Trades seen before the REST history arrived: folded once it has (or failed). */
  private pending: FeedTrade[] | undefined = [];
  private foldFrom = Number.POSITIVE_INFINITY;
  private lastTradeId = -1;
  private candlesTime = Number.NEGATIVE_INFINITY;

  constructor(interval: CandleInterval) {
    this.interval = interval;
  }

  /** Bars oldest first. */
  all(): Bar[] {
    return [...this.bars.values()].sort((a, b) => a.start - b.start);
  }

  /** The REST history (`end`: its window's end, epoch ms); bars the feed gave already are kept. */
  load(candles: readonly DecimalCandle[], end: number): Bar[] {
    for (const c of candles) if (!this.bars.has(c.start)) this.bars.set(c.start, toBar(c));
    return this.release(end);
  }

  /** No REST history: bars come from the feed only, every trade counts. */
  loadFailed(): Bar[] {
    return this.release(0);
  }

  /** Folds trades (any order) into their bars; returns the bars changed. */
  foldTrades(trades: readonly FeedTrade[]): Bar[] {
    if (this.pending) {
      this.pending.push(...trades);
      return [];
    }
    const changed = new Map<number, Bar>();
    for (const t of [...trades].sort((a, b) => a.trade_id - b.trade_id)) {
      if (t.trade_id <= this.lastTradeId || t.time < this.foldFrom) continue;
      if (this.interval === "1m" && t.time <= this.candlesTime) continue;
      this.lastTradeId = t.trade_id;
      const bar = this.fold(t);
      changed.set(bar.start, bar);
    }
    return [...changed.values()];
  }

  /** The feed's 1m bars (ignored for other intervals); returns the bars changed. */
  applyCandles(m: CandlesMessage): Bar[] {
    if (this.interval !== "1m" || m.interval !== "1m") return [];
    this.candlesTime = Math.max(this.candlesTime, m.time);
    const bars = m.candles.map(toBar);
    for (const b of bars) this.bars.set(b.start, b);
    return bars;
  }

  private release(foldFrom: number): Bar[] {
    const pending = this.pending ?? [];
    this.pending = undefined;
    this.foldFrom = foldFrom;
    this.foldTrades(pending);
    return this.all();
  }

  private fold(t: FeedTrade): Bar {
    const ms = INTERVAL_MS[this.interval];
    const start = Math.floor(t.time / ms) * ms;
    const price = Number(t.price);
    const size = Number(t.size);
    const bar = this.bars.get(start);
    if (!bar) {
      const created = { start, open: price, high: price, low: price, close: price, volume: size };
      this.bars.set(start, created);
      return created;
    }
    bar.high = Math.max(bar.high, price);
    bar.low = Math.min(bar.low, price);
    bar.close = price; // trades are folded in id order, so the last one closes
    bar.volume += size;
    return bar;
  }
}
