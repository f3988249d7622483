/**
 * What a regional relay knows of one instrument's public channels: the level 2 book
 * (price → size per side), the recent trades, the last ticker and the recent 1-minute
 * candles, each at its sequence, plus a bounded ring of the level2 and trades updates
 * so `resume_from` is answered in the region. It is built from the book's snapshots,
 * then kept by applying the book's updates in order; an update that skips a sequence
 * is refused as a gap (the relay then asks the book for what it missed).
 */
import { compareDecimal, parseDecimal } from "../decimal.ts";
import type {
  FeedCandle,
  FeedMessage,
  FeedTicker,
  FeedTrade,
  Level2Update,
  PriceSize,
  PublicChannel,
  TradesUpdate,
} from "./messages.ts";
import { trimUpdate } from "./updates.ts";

const RECENT_TRADES = 50;
const RECENT_CANDLES_MS = 60 * 60_000;

export type ApplyOutcome =
  /** `message` is what was new in it (an overlapping update is cut), to pass on. */
  | { kind: "applied"; message: FeedMessage }
  | { kind: "seen" }
  /** Updates after `after` are missing: the relay must catch up before it applies more. */
  | { kind: "gap"; after: number }
  /** The channel has had no snapshot yet. */
  | { kind: "unsynced" };

type SequencedUpdate = Level2Update | TradesUpdate;

function span(u: SequencedUpdate): number {
  return u.seq - u.first_seq + 1;
}

/** The last updates of one channel, at most `capacity` changes or trades in all. */
class UpdateRing<U extends SequencedUpdate> {
  /** The seq just before the oldest update held: replays start after it or later. */
  floor = 0;
  head = 0;
  private entries: U[] = [];
  private start = 0;
  private items = 0;
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  reset(seq: number): void {
    this.floor = seq;
    this.head = seq;
    this.entries = [];
    this.start = 0;
    this.items = 0;
  }

  push(update: U): void {
    this.entries.push(update);
    this.items += span(update);
    this.head = update.seq;
    while (this.items > this.capacity && this.entries.length - this.start > 1) {
      const old = this.entries[this.start++] as U;
      this.items -= span(old);
      this.floor = old.seq;
    }
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }

  /** The updates after `after`, the first cut to start right after it; null when the ring does not reach back. */
  after(after: number): U[] | null {
    if (after < this.floor || after > this.head) return null;
    const out: U[] = [];
    for (let i = this.start; i < this.entries.length; i++) {
      const u = this.entries[i] as U;
      if (u.seq <= after) continue;
      out.push(u.first_seq <= after ? ((trimUpdate(u, after) as U | null) ?? u) : u);
    }
    return out;
  }
}

export class RelayLog {
  readonly instrument: string;
  private readonly synced = new Set<PublicChannel>();
  private readonly bids = new Map<string, string>();
  private readonly asks = new Map<string, string>();
  private readonly level2: UpdateRing<Level2Update>;
  private readonly trades: UpdateRing<TradesUpdate>;
  /** Newest first. */
  private recent: FeedTrade[] = [];
  private ticker: { seq: number; time: number; ticker: FeedTicker } | undefined;
  private readonly candles = new Map<number, FeedCandle>();
  private candlesSeq = 0;
  private readonly times: Record<PublicChannel, number> = { level2: 0, trades: 0, ticker: 0, candles: 0 };

  /** `capacity`: changes (level2) and trades (trades) each ring keeps for resumes. */
  constructor(instrument: string, capacity = 10_000) {
    this.instrument = instrument;
    this.level2 = new UpdateRing(capacity);
    this.trades = new UpdateRing(capacity);
  }

  isSynced(channel: PublicChannel): boolean {
    return this.synced.has(channel);
  }

  /** The channel's sequence now (0 before its snapshot). */
  head(channel: PublicChannel): number {
    switch (channel) {
      case "level2":
        return this.level2.head;
      case "trades":
        return this.trades.head;
      case "ticker":
        return this.ticker?.seq ?? 0;
      case "candles":
        return this.candlesSeq;
    }
  }

  /** Takes in one message from the book: a snapshot resets its channel, an update applies in order. */
  apply(message: FeedMessage): ApplyOutcome {
    if (message.type === "snapshot") {
      this.reset(message as Exclude<FeedMessage, SequencedUpdate>);
      return { kind: "applied", message };
    }
    const channel = message.channel;
    if (!this.synced.has(channel)) return { kind: "unsynced" };
    if (message.seq <= this.head(channel)) return { kind: "seen" };
    if (message.channel === "ticker") {
      this.ticker = { seq: message.seq, time: message.time, ticker: message.ticker };
      return { kind: "applied", message };
    }
    if (message.channel === "candles") {
      this.candlesSeq = message.seq;
      this.times.candles = message.time;
      this.mergeCandles(message.candles, message.time);
      return { kind: "applied", message };
    }
    const head = this.head(channel);
    if (message.first_seq > head + 1) return { kind: "gap", after: head };
    const fresh = message.first_seq <= head ? trimUpdate(message, head) : message;
    if (fresh === null || fresh.type !== "update") return { kind: "gap", after: head };
    this.times[channel] = fresh.time;
    if (fresh.channel === "level2") {
      for (const [side, price, size] of fresh.changes) {
        const levels = side === "buy" ? this.bids : this.asks;
        if (parseDecimal(size)?.digits === 0n) levels.delete(price);
        else levels.set(price, size);
      }
      this.level2.push(fresh);
    } else if (fresh.channel === "trades") {
      this.recent = [...fresh.trades].reverse().concat(this.recent).slice(0, RECENT_TRADES);
      this.trades.push(fresh);
    }
    return { kind: "applied", message: fresh };
  }

  /** The channel's state now, as the book would answer it; undefined before its snapshot. */
  snapshot(channel: PublicChannel, now: number): FeedMessage | undefined {
    if (!this.synced.has(channel)) return undefined;
    const base = { type: "snapshot" as const, instrument: this.instrument, time: now };
    switch (channel) {
      case "level2":
        return { ...base, channel, seq: this.level2.head, bids: sorted(this.bids, -1), asks: sorted(this.asks, 1) };
      case "trades":
        return { ...base, channel, seq: this.trades.head, trades: [...this.recent] };
      case "ticker": {
        const t = this.ticker as NonNullable<RelayLog["ticker"]>;
        return { ...base, channel, first_seq: t.seq, seq: t.seq, ticker: t.ticker };
      }
      case "candles": {
        const candles = [...this.candles.values()]
          .filter((c) => c.start >= now - RECENT_CANDLES_MS)
          .sort((a, b) => a.start - b.start);
        return { ...base, channel, first_seq: this.candlesSeq, seq: this.candlesSeq, interval: "1m", candles };
      }
    }
  }

  /** The level2 or trades updates after `after`; null when the ring no longer (or not yet) reaches there. */
  replay(channel: "level2" | "trades", after: number): FeedMessage[] | null {
    if (!this.synced.has(channel)) return null;
    return channel === "level2" ? this.level2.after(after) : this.trades.after(after);
  }

  /** When the book committed what the channel shows now (epoch ms; 0 before its snapshot). */
  committedAt(channel: PublicChannel): number {
    return this.times[channel];
  }

  private reset(message: Exclude<FeedMessage, SequencedUpdate>): void {
    this.synced.add(message.channel);
    this.times[message.channel] = message.time;
    switch (message.channel) {
      case "level2":
        this.bids.clear();
        this.asks.clear();
        for (const [price, size] of message.bids) this.bids.set(price, size);
        for (const [price, size] of message.asks) this.asks.set(price, size);
        this.level2.reset(message.seq);
        return;
      case "trades":
        this.recent = message.trades.slice(0, RECENT_TRADES);
        this.trades.reset(message.seq);
        return;
      case "ticker":
        this.ticker = { seq: message.seq, time: message.time, ticker: message.ticker };
        return;
      case "candles":
        this.candles.clear();
        this.candlesSeq = message.seq;
        this.mergeCandles(message.candles, message.time);
        return;
    }
  }

  private mergeCandles(candles: readonly FeedCandle[], now: number): void {
    for (const c of candles) this.candles.set(c.start, c);
    for (const start of this.candles.keys()) if (start < now - 2 * RECENT_CANDLES_MS) this.candles.delete(start);
  }
}

/** A side's levels best first: bids (`direction` -1) high to low, asks low to high. */
function sorted(levels: ReadonlyMap<string, string>, direction: 1 | -1): PriceSize[] {
  const parsed = [...levels].map(([price, size]) => ({ price, size, value: parseDecimal(price) }));
  parsed.sort((a, b) => (a.value && b.value ? direction * compareDecimal(a.value, b.value) : 0));
  return parsed.map(({ price, size }) => [price, size]);
}
