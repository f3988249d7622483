/** The bindings and settings an Account object reads. */
import type { FeesCollector } from "../fees/index.ts";
import type { InstrumentRegistry } from "../instrument-registry/index.ts";
import type { OrderBook } from "../order-book/index.ts";

export interface AccountEnv {
  ORDER_BOOK: DurableObjectNamespace<OrderBook>;
  INSTRUMENTS: DurableObjectNamespace<InstrumentRegistry>;
  /** Feed shards, reached as `UserShardRpc` (user-feed.ts): typed by that contract, not the class, as the shards call back. */
  FEED_SHARD: DurableObjectNamespace;
  FEES: DurableObjectNamespace<FeesCollector>;
  /** The event stream's Queue (Postgres, Kafka); unbound: nothing is streamed. */
  EVENTS?: Queue;
  /** Open orders an account may have per instrument (default 200). */
  MAX_OPEN_ORDERS?: string;
  /** How long committed events wait to go to the Queue together, ms (default 100). */
  EVENT_STREAM_DELAY_MS?: string;
  /** "true": obey `suffer` (the load run's fault injection). */
  FAULT_ROUTES?: string;
}
