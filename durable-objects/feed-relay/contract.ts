/** What a FeedRelay reads of its environment, and what it answers. */
import type { InstrumentRegistry } from "../instrument-registry/index.ts";
import type { OrderBook } from "../order-book/index.ts";
import type { FeedTargetsEnv } from "../runtime/feed-targets.ts";

export interface RelayEnv extends FeedTargetsEnv {
  ORDER_BOOK: DurableObjectNamespace<OrderBook>;
  INSTRUMENTS: DurableObjectNamespace<InstrumentRegistry>;
  /** Changes (level2) and trades (trades) each relay keeps for resumes (default 10 000). */
  FEED_RELAY_LOG?: string;
}

/** A relay's state for operators, tests and the scrape. */
export interface RelayStatus {
  relay: string;
  synced: boolean;
  shards: number;
  heads: { level2: number; trades: number; ticker: number; candles: number };
  /** Updates taken from the book, and pushes sent on to shards, since the relay started. */
  received: number;
  forwarded: number;
  /** Resumes answered from the relay's log, and those passed on to the book. */
  resumes_local: number;
  resumes_upstream: number;
  /** REST market-data reads answered as the region's replica. */
  replica_reads: number;
}
