/**
 * The event pipeline's lags from two scrapes: per book its outbox (events committed but not yet
 * on the queue: depth and oldest age), then the queue consumer (queue lag = now − the event's
 * commit, settlement lag, feed delivery lag, last successful write, retries, dead letters).
 */
import type { Reading } from "./metrics.ts";
import { buckets, max, quantile, type Sample, series, sum } from "./prometheus.ts";

export interface BookLag {
  instrument: string;
  up: boolean | undefined;
  outboxDepth: number | undefined;
  depthChange: number | undefined;
  oldestAgeS: number | undefined;
  eventLogRows: number | undefined;
}

export interface Lag {
  id: string;
  label: string;
  /** p99 over the last interval, seconds. */
  interval: number | undefined;
  /** p99 since the holder started, seconds. */
  sinceStart: number | undefined;
  observations: number | undefined;
}

export interface Pipeline {
  books: BookLag[];
  lags: Lag[];
  consumerLastSuccessAgeS: number | undefined;
  retries: { sink: string; count: number }[];
  deadLetters: number | undefined;
  invalidEvents: number | undefined;
}

function instruments(samples: Sample[]): string[] {
  const set = new Set<string>();
  for (const s of samples) {
    if (s.name.startsWith("p3_book_outbox") && s.labels.instrument) set.add(s.labels.instrument);
    if (s.name === "p3_component_up" && s.labels.component?.startsWith("book:")) set.add(s.labels.component.slice(5));
  }
  return [...set].sort();
}

function lag(now: Sample[], before: Sample[] | undefined, id: string, label: string, name: string): Lag {
  return {
    id,
    label,
    interval: before ? quantile(0.99, buckets(now, name), buckets(before, name)) : undefined,
    sinceStart: quantile(0.99, buckets(now, name)),
    observations: sum(now, `${name}_count`),
  };
}

export function pipeline(current: Reading, previous: Reading | undefined): Pipeline {
  const now = current.samples;
  const before = previous?.samples;
  const books = instruments(now).map((instrument): BookLag => {
    const up = series(now, "p3_component_up", { component: `book:${instrument}` })[0];
    const depth = sum(now, "p3_book_outbox_depth", { instrument });
    const old = before ? sum(before, "p3_book_outbox_depth", { instrument }) : undefined;
    return {
      instrument,
      up: up === undefined ? undefined : up.value === 1,
      outboxDepth: depth,
      depthChange: depth !== undefined && old !== undefined ? depth - old : undefined,
      oldestAgeS: sum(now, "p3_book_outbox_oldest_age_seconds", { instrument }),
      eventLogRows: sum(now, "p3_book_event_log_rows", { instrument }),
    };
  });
  const lastSuccess = max(now, "p3_consumer_last_success_timestamp_seconds");
  return {
    books,
    lags: [
      lag(now, before, "queue", "Queue lag (commit → consumer write)", "p3_consumer_queue_lag_seconds"),
      lag(now, before, "settlement", "Settlement lag (trade → account settled)", "p3_account_settlement_lag_seconds"),
      lag(now, before, "feed", "Feed delivery lag (commit → socket)", "p3_feed_delivery_lag_seconds"),
      lag(now, before, "consumer-write", "Consumer Postgres write", "p3_consumer_postgres_write_duration_seconds"),
    ],
    consumerLastSuccessAgeS:
      lastSuccess === undefined || lastSuccess === 0 ? undefined : Math.max(0, current.at / 1000 - lastSuccess),
    retries: series(now, "p3_consumer_retries_total").map((s) => ({ sink: s.labels.sink ?? "?", count: s.value })),
    deadLetters: sum(now, "p3_consumer_dead_letters_total"),
    invalidEvents: sum(now, "p3_consumer_invalid_events_total"),
  };
}
