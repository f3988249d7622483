/**
 * The book's public channels as feed shards see them: which shards are registered for
 * pushes (each with a generation, so a stale "not subscribed" cannot drop a newer
 * registration), each channel's snapshot, the updates after a sequence rebuilt from the
 * event log, and the publisher that pushes committed batches (feed-publisher.ts).
 */
import type { MatchingEngine } from "../../shared/engine/index.ts";
import type { FeedCandle, FeedMessage, FeedTicker, PublicChannel, SubscribeReply } from "../../shared/feed/messages.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";
import type { InstrumentUnits } from "../../shared/instruments/units.ts";
import type { RollingDay } from "../../shared/market/rolling-day.ts";
import { FeedSubscribers } from "../runtime/feed-subscribers.ts";
import type { Sql } from "../runtime/sql.ts";
import { FeedPublisher, type FeedShardRpc } from "./feed-publisher.ts";
import { ticker, tradesPage } from "./market-data.ts";
import { replayUpdates } from "./replay.ts";
import type { BookStore, LoggedEvent, Sequences } from "./store.ts";

const RECENT_TRADES = 50;
const RECENT_CANDLES = 60;
const REPLAY_LIMIT = 10_000;
/** Updates per public channel a restarted book pushes again (what a crash may have kept from the feed). */
const FEED_TAIL_RESENT = 200;

/** What the channels read of the book; each call answers the book's state now. */
export interface BookReadings {
  configured(): { spec: Instrument; units: InstrumentUnits };
  engine(): MatchingEngine;
  sequences(): Sequences;
  day(): RollingDay;
}

export interface FeedChannelsDeps extends BookReadings {
  sql: Sql;
  store: BookStore;
  shard(name: string): FeedShardRpc;
  tickMs: number;
}

export class FeedChannels {
  private readonly deps: FeedChannelsDeps;
  /** Relays and shards registered for pushes, with their registration generation. */
  private readonly shards: FeedSubscribers;
  private publisher: FeedPublisher | undefined;

  constructor(deps: FeedChannelsDeps) {
    this.deps = deps;
    this.shards = new FeedSubscribers(deps.sql);
  }

  /** Reads the registrations back and starts a publisher for `instrument` (after the book loads). */
  load(instrument: string | undefined): void {
    this.shards.load();
    this.publisher = instrument === undefined ? undefined : this.createPublisher(instrument);
  }

  /** Starts a publisher once the book has an instrument. */
  configured(instrument: string): void {
    this.publisher ??= this.createPublisher(instrument);
  }

  /** Queues a committed batch's public part for the next push. */
  record(logged: readonly LoggedEvent[]): void {
    this.publisher?.record(logged);
  }

  /**
   * A feed shard subscribes one channel: it is registered for pushes and gets a
   * snapshot, or the updates after `resumeFrom` while the log still holds them.
   * Pending updates are flushed first, so nothing reaches the shard twice or out of order.
   */
  subscribe(shard: string, channel: PublicChannel, resumeFrom?: number): SubscribeReply {
    const { spec } = this.deps.configured();
    this.publisher?.flush();
    this.shards.register(shard);
    if (resumeFrom !== undefined && (channel === "level2" || channel === "trades")) {
      const replay = this.replay(spec.symbol, channel, resumeFrom);
      if (replay) return { messages: replay, resumed: true };
      return { messages: [this.snapshot(channel)], resumed: false, reason: "sequence no longer in the event log" };
    }
    const reply: SubscribeReply = { messages: [this.snapshot(channel)], resumed: false };
    if (resumeFrom !== undefined) reply.reason = `${channel} is a state channel: it always resumes with a snapshot`;
    return reply;
  }

  unsubscribe(shard: string): void {
    this.shards.remove(shard);
  }

  /** Pushes the newest level2 and trades updates to the registered shards again (see `FeedPublisher.resend`). */
  resendTail(): void {
    if (!this.publisher || this.shards.size === 0) return;
    const { spec } = this.deps.configured();
    const seqs = this.deps.sequences();
    const messages: FeedMessage[] = [];
    for (const channel of ["level2", "trades"] as const) {
      const head = channel === "level2" ? seqs.level2 : seqs.trades;
      if (head === 0) continue;
      const tail = Math.min(head, FEED_TAIL_RESENT);
      messages.push(...(this.replay(spec.symbol, channel, head - tail) ?? []));
    }
    this.publisher.resend(messages);
  }

  /** The channel's state now, at its current sequence. */
  private snapshot(channel: PublicChannel): FeedMessage {
    const { spec, units } = this.deps.configured();
    const seqs = this.deps.sequences();
    const instrument = spec.symbol;
    const time = Date.now();
    switch (channel) {
      case "level2": {
        const { bids, asks } = this.deps.engine().depth();
        const l2 = (l: { price: number; qty: number }): [string, string] => [units.price(l.price), units.size(l.qty)];
        return {
          type: "snapshot",
          channel,
          instrument,
          seq: seqs.level2,
          time,
          bids: bids.map(l2),
          asks: asks.map(l2),
        };
      }
      case "trades": {
        const page = tradesPage(this.deps.sql, units, { limit: RECENT_TRADES });
        const trades = page.trades.map((t) => ({ ...t, side: t.side as "buy" | "sell" }));
        return { type: "snapshot", channel, instrument, seq: seqs.trades, time, trades };
      }
      case "ticker":
        return {
          type: "snapshot",
          channel,
          instrument,
          first_seq: seqs.ticker,
          seq: seqs.ticker,
          time,
          ticker: this.ticker(),
        };
      case "candles":
        return {
          type: "snapshot",
          channel,
          instrument,
          first_seq: seqs.candles,
          seq: seqs.candles,
          time,
          interval: "1m",
          candles: this.candles(time - RECENT_CANDLES * 60_000),
        };
    }
  }

  /** Updates after `after` rebuilt from the event log, or null when the log no longer reaches back. */
  private replay(instrument: string, channel: "level2" | "trades", after: number): FeedMessage[] | null {
    const logged = this.deps.store.channelEventsAfter(channel, after, REPLAY_LIMIT);
    return logged === null ? null : replayUpdates(instrument, channel, logged, this.deps.configured().units);
  }

  private ticker(): FeedTicker {
    const { spec, units } = this.deps.configured();
    const t = ticker(this.deps.day(), this.deps.engine(), units, spec.symbol, Date.now());
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

  private candles(since: number): FeedCandle[] {
    const { units } = this.deps.configured();
    return this.deps
      .day()
      .since(since)
      .map((m) => ({
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
      units: () => this.deps.configured().units,
      sequences: this.deps.sequences(),
      shards: () => this.shards.list(),
      shard: (name) => this.deps.shard(name),
      ticker: () => this.ticker(),
      currentCandles: (since) => this.candles(since),
      dropShard: (name, generation) => this.shards.drop(name, generation),
      tickMs: this.deps.tickMs,
    });
  }
}
