/**
 * Every metric the venue exports, in one place: name, help, type, labels and
 * buckets. Names follow Prometheus conventions (`p3_` prefix, base units,
 * `_total` for counters, `_seconds`, `_bytes`); labels are bounded sets (route
 * classes, statuses, reasons, instruments, shards), never account or order ids.
 * The alert and recording rules in ops/prometheus/ use these names; the test
 * beside this file checks each rule's metric exists here.
 */

export interface MetricDef {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  labels: readonly string[];
  /** Histogram upper bounds, ascending. */
  buckets?: readonly number[];
  /** Gauges pushed by many holders: summed (their changes), or the worst latest value. */
  aggregate?: "sum" | "max";
}

/** Latency buckets, seconds: 0.5 ms to 10 s. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10] as const;
/** Lag buckets, seconds: 10 ms to 10 min. */
export const LAG_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600] as const;
/** Sizes of batches, items. */
export const SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000] as const;

const def = <T extends MetricDef>(d: T) => d;

export const METRICS = {
  // ── edge (every isolate; pushed to the hub) ─────────────────────────
  httpRequests: def({
    name: "p3_http_requests_total",
    help: "HTTP requests answered by the edge, by route class, method and status code.",
    type: "counter",
    labels: ["route_class", "method", "code"],
  }),
  httpDuration: def({
    name: "p3_http_request_duration_seconds",
    help: "Time from a request reaching the edge to its response, by route class.",
    type: "histogram",
    labels: ["route_class"],
    buckets: LATENCY_BUCKETS,
  }),
  rateLimitDecisions: def({
    name: "p3_rate_limit_decisions_total",
    help: "Rate-limit checks by rule and outcome (allowed, limited, unavailable).",
    type: "counter",
    labels: ["rule", "outcome"],
  }),
  authFailures: def({
    name: "p3_auth_failures_total",
    help: "Refused credentials by reason (the problem's reason).",
    type: "counter",
    labels: ["reason"],
  }),
  breakerState: def({
    name: "p3_breaker_state",
    help: "Circuit breaker of a dependency: 0 closed, 1 half-open, 2 open (the worst an isolate reported in the last minute).",
    type: "gauge",
    labels: ["dependency"],
    aggregate: "max",
  }),
  // ── order books (one per instrument; scraped) ──────────────────────
  bookCommands: def({
    name: "p3_book_commands_total",
    help: "Commands a book applied, by instrument and command type.",
    type: "counter",
    labels: ["instrument", "type"],
  }),
  bookRejects: def({
    name: "p3_book_rejects_total",
    help: "Commands a book refused, by instrument and reason code.",
    type: "counter",
    labels: ["instrument", "reason"],
  }),
  bookTrades: def({
    name: "p3_book_trades_total",
    help: "Trades (fills) matched, by instrument.",
    type: "counter",
    labels: ["instrument"],
  }),
  bookMatchDuration: def({
    name: "p3_book_match_duration_seconds",
    help: "Time to match and commit one call (a command or a batch) in a book.",
    type: "histogram",
    labels: ["instrument"],
    buckets: LATENCY_BUCKETS,
  }),
  bookEventLogRows: def({
    name: "p3_book_event_log_rows",
    help: "Rows in a book's event log.",
    type: "gauge",
    labels: ["instrument"],
  }),
  bookOutboxDepth: def({
    name: "p3_book_outbox_depth",
    help: "Settlement messages a book has not yet had acknowledged by accounts.",
    type: "gauge",
    labels: ["instrument"],
  }),
  bookOutboxOldestAge: def({
    name: "p3_book_outbox_oldest_age_seconds",
    help: "Age of the oldest unacknowledged settlement message of a book (0 when none).",
    type: "gauge",
    labels: ["instrument"],
  }),
  // ── accounts (many; pushed to the hub) ─────────────────────────────
  accountOrders: def({
    name: "p3_account_orders_total",
    help: "Orders reaching a status (accepted, filled, cancelled, rejected, expired), across accounts.",
    type: "counter",
    labels: ["status"],
  }),
  accountOpenHolds: def({
    name: "p3_account_open_holds",
    help: "Holds (funds reserved for open orders and withdrawals) open across accounts.",
    type: "gauge",
    labels: [],
    aggregate: "sum",
  }),
  accountSettlementLag: def({
    name: "p3_account_settlement_lag_seconds",
    help: "Time from a fill in a book to its settlement in the account.",
    type: "histogram",
    labels: [],
    buckets: LAG_BUCKETS,
  }),
  // ── feed shards (FEED_SHARDS of them; scraped) ─────────────────────
  feedSockets: def({
    name: "p3_feed_sockets",
    help: "WebSockets held by a feed shard, by whether they are authenticated.",
    type: "gauge",
    labels: ["shard", "authenticated"],
  }),
  feedSubscriptions: def({
    name: "p3_feed_subscriptions",
    help: "Stream subscriptions held by a feed shard.",
    type: "gauge",
    labels: ["shard"],
  }),
  feedFrames: def({
    name: "p3_feed_frames_total",
    help: "Frames a feed shard sent.",
    type: "counter",
    labels: ["shard"],
  }),
  feedDrops: def({
    name: "p3_feed_drops_total",
    help: "Frames a feed shard did not send, by reason (slow consumer, closed).",
    type: "counter",
    labels: ["shard", "reason"],
  }),
  feedSlowDisconnects: def({
    name: "p3_feed_slow_disconnects_total",
    help: "Sockets a feed shard closed because they stopped reading.",
    type: "counter",
    labels: ["shard"],
  }),
  feedDeliveryLag: def({
    name: "p3_feed_delivery_lag_seconds",
    help: "Time from a book committing a batch to a feed shard sending it.",
    type: "histogram",
    labels: ["shard"],
    buckets: LATENCY_BUCKETS,
  }),
  // ── event consumer (the Queue's; pushed to the hub) ────────────────
  consumerBatchSize: def({
    name: "p3_consumer_batch_size",
    help: "Messages per batch the event consumer received.",
    type: "histogram",
    labels: [],
    buckets: SIZE_BUCKETS,
  }),
  consumerWriteDuration: def({
    name: "p3_consumer_postgres_write_duration_seconds",
    help: "Time to write one batch of events to Postgres.",
    type: "histogram",
    labels: [],
    buckets: LATENCY_BUCKETS,
  }),
  consumerRetries: def({
    name: "p3_consumer_retries_total",
    help: "Batches the event consumer asked the Queue to deliver again, by sink.",
    type: "counter",
    labels: ["sink"],
  }),
  consumerDeadLetters: def({
    name: "p3_consumer_dead_letters_total",
    help: "Messages given up: retried on their last delivery attempt, so the Queue moves them to the dead-letter queue.",
    type: "counter",
    labels: [],
  }),
  consumerInvalidEvents: def({
    name: "p3_consumer_invalid_events_total",
    help: "Events the event consumer did not write because they failed their schema check, by schema and reason; sent to the dead-letter queue.",
    type: "counter",
    labels: ["type", "reason"],
  }),
  consumerReordered: def({
    name: "p3_consumer_reordered_events_total",
    help: "Events of one key a batch held more than once (duplicate) or after a later seq (out_of_order); tolerated, written once in seq order.",
    type: "counter",
    labels: ["kind"],
  }),
  deadLettersStored: def({
    name: "p3_dead_letters_stored_total",
    help: "Dead letters the dead-letter consumer stored in Postgres, by reason (a redelivered one counts once).",
    type: "counter",
    labels: ["reason"],
  }),
  consumerQueueLag: def({
    name: "p3_consumer_queue_lag_seconds",
    help: "Time from an event being logged by its object (the envelope's at) to the consumer writing it.",
    type: "histogram",
    labels: [],
    buckets: LAG_BUCKETS,
  }),
  consumerLastSuccess: def({
    name: "p3_consumer_last_success_timestamp_seconds",
    help: "When the event consumer last wrote a batch to Postgres (Unix time).",
    type: "gauge",
    labels: [],
    aggregate: "max",
  }),
  // ── the scrape itself ──────────────────────────────────────────────
  scrapeErrors: def({
    name: "p3_metrics_source_errors_total",
    help: "Metric holders (books, shards, hubs) that did not answer a scrape in time, by kind.",
    type: "counter",
    labels: ["source"],
  }),
  pushErrors: def({
    name: "p3_metrics_push_errors_total",
    help: "Pushes to a metrics hub that failed, by holder kind (edge, consumer, account); the changes wait for the next push.",
    type: "counter",
    labels: ["holder"],
  }),
  seriesOverflow: def({
    name: "p3_metric_series_overflow_total",
    help: "Samples counted under _other labels because their metric had too many label combinations.",
    type: "counter",
    labels: ["metric"],
  }),
  up: def({
    name: "p3_component_up",
    help: "1 if a component answered its last scrape or probe, else 0.",
    type: "gauge",
    labels: ["component"],
  }),
} satisfies Record<string, MetricDef>;

export const ALL_METRICS: readonly MetricDef[] = Object.values(METRICS);
