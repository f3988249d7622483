/**
 * A book's last 24 hours of trading by the minute, in memory: what the ticker (open,
 * high, low, volume and trades over a rolling day) and the feed's current candles read
 * on every publish, without a query. Prices and quantities are integers (ticks, lots).
 * The book folds each committed trade in and seeds it from its stored one-minute candles
 * on start; buckets older than a day are dropped as minutes pass.
 */

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** One minute's trading. */
export interface MinuteCandle {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
}

/** The rolling day's statistics; undefined prices when nothing traded in it. */
export interface DayStats {
  open?: number;
  high?: number;
  low?: number;
  volume: number;
  trades: number;
}

export class RollingDay {
  /** Minute buckets, oldest first (trades arrive in time order). */
  private minutes: MinuteCandle[] = [];
  private cached: { since: number; stats: DayStats } | undefined;

  /** Seeds the window from stored minutes (any order; older than a day is ignored later). */
  constructor(stored: Iterable<MinuteCandle> = []) {
    this.minutes = [...stored].map((c) => ({ ...c })).sort((a, b) => a.start - b.start);
  }

  /** Folds one trade at `at` (epoch ms) in. */
  add(at: number, price: number, qty: number): void {
    const start = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    const last = this.minutes[this.minutes.length - 1];
    if (last && last.start === start) {
      if (price > last.high) last.high = price;
      if (price < last.low) last.low = price;
      last.close = price;
      last.volume += qty;
      last.trades += 1;
    } else if (!last || start > last.start) {
      this.minutes.push({ start, open: price, high: price, low: price, close: price, volume: qty, trades: 1 });
    } else {
      // A trade stamped before the newest minute (a clock step back): fold it into its own minute.
      const m = this.minutes.find((c) => c.start === start);
      if (m) {
        m.high = Math.max(m.high, price);
        m.low = Math.min(m.low, price);
        m.volume += qty;
        m.trades += 1;
      } else {
        this.minutes.push({ start, open: price, high: price, low: price, close: price, volume: qty, trades: 1 });
        this.minutes.sort((a, b) => a.start - b.start);
      }
    }
    this.cached = undefined;
  }

  /** Open, high, low, volume and trades of the minutes in the day before `now`. */
  stats(now: number): DayStats {
    const since = Math.floor((now - DAY_MS) / MINUTE_MS) * MINUTE_MS;
    this.prune(since);
    if (this.cached?.since === since) return this.cached.stats;
    const stats: DayStats = { volume: 0, trades: 0 };
    for (const m of this.minutes) {
      if (stats.open === undefined) stats.open = m.open;
      stats.high = stats.high === undefined ? m.high : Math.max(stats.high, m.high);
      stats.low = stats.low === undefined ? m.low : Math.min(stats.low, m.low);
      stats.volume += m.volume;
      stats.trades += m.trades;
    }
    this.cached = { since, stats };
    return stats;
  }

  /** The minutes that started at or after `since`, oldest first. */
  since(since: number): MinuteCandle[] {
    const from = Math.floor(since / MINUTE_MS) * MINUTE_MS;
    const out: MinuteCandle[] = [];
    for (let i = this.minutes.length - 1; i >= 0; i--) {
      const m = this.minutes[i] as MinuteCandle;
      if (m.start < from) break;
      out.push({ ...m });
    }
    return out.reverse();
  }

  private prune(since: number): void {
    let drop = 0;
    while (drop < this.minutes.length && (this.minutes[drop] as MinuteCandle).start < since) drop++;
    if (drop > 0) {
      this.minutes.splice(0, drop);
      this.cached = undefined;
    }
  }
}
