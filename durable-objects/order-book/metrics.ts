/**
 * A book's metrics, held by the book (where they are true) and read by the scrape
 * through `OrderBook.metrics()`: commands by type, refusals by reason, trades, the time a
 * call took, and three gauges read off storage only when scraped (the event log's rows,
 * the outbox's depth and its oldest row's age), so the hot path pays a few counter
 * increments per call and nothing more. Where the `ANALYTICS` binding exists, each call
 * also writes one Analytics Engine data point (blobs: "book", instrument, call kind; doubles:
 * commands, refused, trades, ms; index: instrument).
 *
 * Durations: inside workerd `Date.now()` advances only across I/O, so the synchronous
 * matching and commit of a call read as 0 here; what the histogram sees is the call's
 * awaited storage work (arming the alarm). It is coarse by construction: the edge's
 * `p3_http_request_duration_seconds` and `npm run bench:engine` give the real figures.
 */
import { METRICS } from "../../shared/metrics/catalogue.ts";
import { MetricsRegistry, type MetricsSnapshot } from "../../shared/metrics/registry.ts";
import type { BatchOptions, BatchRun } from "./batch.ts";
import type { Outbox } from "./outbox.ts";
import type { BookStore, LoggedEvent } from "./store.ts";

/** Command types counted by name (a parsed batch has no other; `other` is a guard). */
const TYPES = new Set(["place", "cancel", "cancel_all", "amend"]);

export class BookMetrics {
  private readonly registry = new MetricsRegistry();
  private readonly commands = this.registry.counter(METRICS.bookCommands);
  private readonly rejects = this.registry.counter(METRICS.bookRejects);
  private readonly trades = this.registry.counter(METRICS.bookTrades);
  private readonly duration = this.registry.histogram(METRICS.bookMatchDuration);
  private readonly logRows = this.registry.gauge(METRICS.bookEventLogRows);
  private readonly outboxDepth = this.registry.gauge(METRICS.bookOutboxDepth);
  private readonly outboxAge = this.registry.gauge(METRICS.bookOutboxOldestAge);
  private readonly analytics: () => AnalyticsEngineDataset | undefined;
  private readonly store: BookStore;
  private readonly outbox: Outbox;
  private tradesSinceCall = 0;

  /** `analytics`: the dataset, if bound; `store` and `outbox`: where a scrape reads the gauges. */
  constructor(analytics: () => AnalyticsEngineDataset | undefined, store: BookStore, outbox: Outbox) {
    this.analytics = analytics;
    this.store = store;
    this.outbox = outbox;
  }

  /** A commit's logged events: its trades (counted off the log, so the alarm's trades count too). */
  logged(instrument: string, logged: readonly LoggedEvent[]): void {
    let n = 0;
    for (const { event } of logged) if (event.type === "trade") n++;
    if (n === 0) return;
    this.trades.inc({ instrument }, n);
    this.tradesSinceCall += n;
  }

  /** One call (`execute`, `submit`, `executeSummary`): its commands by type, its refusals by reason, its duration. */
  called(
    instrument: string,
    options: Pick<BatchOptions, "caller" | "withEvents">,
    input: unknown,
    run: BatchRun,
    ms: number,
  ): void {
    const { results, error } = run.batch;
    let refused = 0;
    if (error) {
      refused = 1;
      this.rejects.inc({ instrument, reason: error.code });
    }
    // A batch that parsed has one result per command, in order.
    const commands = input as ReadonlyArray<{ type?: unknown } | null>;
    for (let i = 0; i < results.length; i++) {
      const raw = commands[i]?.type;
      this.commands.inc({ instrument, type: typeof raw === "string" && TYPES.has(raw) ? raw : "other" });
      const reject = (results[i] as (typeof results)[number]).error;
      if (reject) {
        refused++;
        this.rejects.inc({ instrument, reason: reject.code });
      }
    }
    this.duration.observe({ instrument }, ms / 1000);
    const analytics = this.analytics();
    if (analytics) {
      const kind = options.caller !== undefined ? "submit" : options.withEvents ? "execute" : "summary";
      try {
        analytics.writeDataPoint({
          // "book" first: the edge's points (one dataset) start with their route class, never "book".
          blobs: ["book", instrument, kind],
          // Commands, refused, trades logged since the previous call (the alarm's too), ms.
          doubles: [results.length, refused, this.tradesSinceCall, ms],
          indexes: [instrument],
        });
      } catch {
        // Best effort: a refused data point never fails a call.
      }
    }
    this.tradesSinceCall = 0;
  }

  /** Everything, with the gauges read off storage now. */
  snapshot(instrument: string, now: number): MetricsSnapshot {
    const labels = { instrument };
    const { rows, oldestAt } = this.outbox.depth();
    this.logRows.set(labels, this.store.eventLogRows());
    this.outboxDepth.set(labels, rows);
    this.outboxAge.set(labels, oldestAt === undefined ? 0 : Math.max(0, now - oldestAt) / 1000);
    this.trades.inc(labels, 0); // listed at 0 before the first trade
    return this.registry.snapshot();
  }
}
