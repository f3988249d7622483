/**
 * Batches a book's committed events into feed messages and pushes them, once
 * per short tick, to the feed shards that have subscribers for the instrument.
 * Pushes to one shard are chained so it receives them in sequence order.
 */
import type { EngineEvent } from "../../shared/engine/index.ts";
import type { FeedCandle, FeedMessage, FeedTicker, FeedTrade, LevelChange } from "../../shared/feed/messages.ts";
import type { LoggedEvent, Sequences } from "./store.ts";
import type { InstrumentUnits } from "./units.ts";

/** The part of a feed shard a book calls. */
export interface FeedShardRpc {
  /** Delivers messages; `subscribed: false` tells the book to stop sending this instrument there. */
  publish(instrument: string, messages: FeedMessage[]): Promise<{ subscribed: boolean }>;
}

export interface PublisherDeps {
  instrument: string;
  units: () => InstrumentUnits;
  sequences: Sequences;
  /** Registered shards with their registration generation. */
  shards: () => Array<{ name: string; generation: number }>;
  shard: (name: string) => FeedShardRpc;
  /** Ticker and current candles, computed when a tick had trades. */
  ticker: () => FeedTicker;
  currentCandles: (since: number) => FeedCandle[];
  /** Forgets a shard, unless it registered again after `generation` (a newer subscription wins). */
  dropShard: (name: string, generation: number) => void;
  tickMs: number;
}

export class FeedPublisher {
  private readonly deps: PublisherDeps;
  private changes: LevelChange[] = [];
  private levelFirst = 0;
  private levelLast = 0;
  private trades: FeedTrade[] = [];
  private tradesFirst = 0;
  private tradesLast = 0;
  private firstTradeAt = 0;
  private lastCommit = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly chains = new Map<string, Promise<void>>();

  constructor(deps: PublisherDeps) {
    this.deps = deps;
  }

  /** Queues the public part of a committed batch and schedules a flush. */
  record(logged: readonly LoggedEvent[]): void {
    const units = this.deps.units();
    for (const { event, channelSeq, at } of logged) {
      if (channelSeq === null) continue;
      this.lastCommit = at;
      if (event.type === "level") {
        if (this.changes.length === 0) this.levelFirst = channelSeq;
        this.levelLast = channelSeq;
        this.changes.push([event.side, units.price(event.price), units.size(event.qty)]);
      } else if (event.type === "trade") {
        if (this.trades.length === 0) {
          this.tradesFirst = channelSeq;
          this.firstTradeAt = at;
        }
        this.tradesLast = channelSeq;
        this.trades.push(feedTrade(event, at, units));
      }
    }
    if ((this.changes.length > 0 || this.trades.length > 0) && this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.deps.tickMs);
    }
  }

  /**
   * Sends what is pending now. Subscribing calls it first, so a snapshot is never behind a
   * pending update. With no shard subscribed nothing is built: a subscriber starts from a snapshot.
   */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.changes.length === 0 && this.trades.length === 0) return;
    const shards = this.deps.shards();
    if (shards.length === 0) {
      this.changes = [];
      this.trades = [];
      return;
    }
    const messages = this.build();
    for (const { name, generation } of shards) this.send(name, generation, messages);
  }

  /**
   * Sends `messages` (already-published updates rebuilt from the log) to every shard once
   * more: after a restart the book cannot know whether its last commit's push went out, and
   * a shard skips what it has seen, so resending the tail closes a gap no later update would
   * reveal.
   */
  resend(messages: FeedMessage[]): void {
    if (messages.length === 0) return;
    for (const { name, generation } of this.deps.shards()) this.send(name, generation, messages);
  }

  private build(): FeedMessage[] {
    const { instrument, sequences } = this.deps;
    const time = this.lastCommit;
    const messages: FeedMessage[] = [];
    if (this.changes.length > 0) {
      messages.push({
        type: "update",
        channel: "level2",
        instrument,
        first_seq: this.levelFirst,
        seq: this.levelLast,
        time,
        changes: this.changes,
      });
      this.changes = [];
    }
    if (this.trades.length > 0) {
      messages.push({
        type: "update",
        channel: "trades",
        instrument,
        first_seq: this.tradesFirst,
        seq: this.tradesLast,
        time,
        trades: this.trades,
      });
      this.trades = [];
      const ticker = ++sequences.ticker;
      messages.push({
        type: "update",
        channel: "ticker",
        instrument,
        first_seq: ticker,
        seq: ticker,
        time,
        ticker: this.deps.ticker(),
      });
      const candles = ++sequences.candles;
      messages.push({
        type: "update",
        channel: "candles",
        instrument,
        first_seq: candles,
        seq: candles,
        time,
        interval: "1m",
        candles: this.deps.currentCandles(this.firstTradeAt),
      });
    }
    return messages;
  }

  private send(name: string, generation: number, messages: FeedMessage[]): void {
    const previous = this.chains.get(name) ?? Promise.resolve();
    const next = previous
      .then(() => this.deps.shard(name).publish(this.deps.instrument, messages))
      .then((reply) => {
        if (!reply.subscribed) this.deps.dropShard(name, generation);
      })
      .catch((err: unknown) => {
        // A shard that cannot be reached resubscribes its sockets when it comes back.
        console.error(JSON.stringify({ level: "warn", msg: "feed publish failed", shard: name, error: String(err) }));
      });
    this.chains.set(name, next);
    void next.finally(() => {
      if (this.chains.get(name) === next) this.chains.delete(name);
    });
  }
}

export function feedTrade(e: Extract<EngineEvent, { type: "trade" }>, at: number, units: InstrumentUnits): FeedTrade {
  return { trade_id: e.tradeId, price: units.price(e.price), size: units.size(e.qty), side: e.aggressor, time: at };
}
