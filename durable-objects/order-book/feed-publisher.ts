/**
 * Batches a book's committed events into feed messages and pushes them to the
 * feed shards that have subscribers for the instrument:
 * - at once when the book was quiet (the first commit after a tick goes out in the
 *   same turn's timer, not a tick later), then at most once per tick while commits
 *   keep coming;
 * - one push in flight per shard (runtime/push-lanes.ts): what commits while a shard is
 *   still taking the last push waits and goes out with the next commits in one push, which
 *   the shard fans out as one frame per socket. Under load, frames grow instead of
 *   queueing, so delivery stays about one fan-out behind the book.
 * Pushes to one shard arrive in sequence order.
 */
import type { EngineEvent } from "../../shared/engine/index.ts";
import type { FeedCandle, FeedMessage, FeedTicker, FeedTrade, LevelChange } from "../../shared/feed/messages.ts";
import type { InstrumentUnits } from "../../shared/instruments/units.ts";
import { type FeedShardRpc, PushLanes } from "../runtime/push-lanes.ts";
import type { LoggedEvent, Sequences } from "./store.ts";

export type { FeedShardRpc } from "../runtime/push-lanes.ts";

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
  private lastFlush = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** One push in flight per shard (runtime/push-lanes.ts). */
  private readonly lanes: PushLanes;

  constructor(deps: PublisherDeps) {
    this.deps = deps;
    this.lanes = new PushLanes({ instrument: deps.instrument, target: deps.shard, unsubscribed: deps.dropShard });
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
      // Quiet since the last tick: go now (after the commit's reply); busy: wait out the tick.
      const wait = Math.max(0, this.lastFlush + this.deps.tickMs - Date.now());
      this.timer = setTimeout(() => this.flush(), wait);
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
    this.lastFlush = Date.now();
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
    this.lanes.send(name, generation, messages);
  }
}

export function feedTrade(e: Extract<EngineEvent, { type: "trade" }>, at: number, units: InstrumentUnits): FeedTrade {
  return { trade_id: e.tradeId, price: units.price(e.price), size: units.size(e.qty), side: e.aggressor, time: at };
}
