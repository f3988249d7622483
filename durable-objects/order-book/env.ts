import type { TraceEnv } from "../../shared/trace/export.ts";
import type { FeedTargetsEnv } from "../runtime/feed-targets.ts";

/** The bindings and settings an OrderBook object reads (and the trace export's, tracing.ts). */
export interface OrderBookEnv extends TraceEnv, FeedTargetsEnv {
  /** Account objects, to which the outbox delivers each account's events. */
  ACCOUNT?: DurableObjectNamespace;
  /** Events kept in the log for resume (default 100 000). */
  BOOK_EVENT_RETENTION?: string;
  /** The event stream's Queue (Postgres, Kafka); unbound: nothing is streamed. */
  EVENTS?: Queue;
  /** Feed batching tick in ms (default 10). */
  FEED_TICK_MS?: string;
  /** How long committed events wait to go to the Queue together, ms (default 100). */
  EVENT_STREAM_DELAY_MS?: string;
  /** Workers Analytics Engine: one data point per call (metrics.ts); unbound: none. */
  ANALYTICS?: AnalyticsEngineDataset;
  /** "true": obey `suffer` (the load run's fault injection). */
  FAULT_ROUTES?: string;
  /** "true": obey `benchBacklog` (the order benchmark's largest state). */
  BENCH_ROUTES?: string;
}
