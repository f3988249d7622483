/**
 * What a feed shard's fan-out did since the shard started: frames sent, frames
 * not sent (by reason), sockets closed for not reading, and the delivery lag of
 * the books' batches. Plain integers on the hot path (one increment per frame,
 * one bucket search per batch); `shardMetrics` (metrics.ts) turns them into series when
 * scraped. They live in memory, so they restart at 0 when the shard is evicted
 * or hibernates: Prometheus's `rate()` and `increase()` treat that as a counter
 * reset.
 */
import { LATENCY_BUCKETS } from "../../shared/metrics/catalogue.ts";

export class FeedTraffic {
  frames = 0;
  /** Level2 deltas held back from a slow socket (a conflated snapshot replaces them). */
  droppedSlow = 0;
  /** Frames for a socket that was already closed or whose send failed. */
  droppedClosed = 0;
  slowDisconnects = 0;
  /** Delivery lag: count per bucket of LATENCY_BUCKETS (the last slot is +Inf), sum in seconds. */
  readonly lagBuckets: number[] = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
  lagSum = 0;
  lagCount = 0;

  /** A book's batch reached the shard at `now`; `committedAt` is the commit's epoch ms. */
  delivered(committedAt: number, now: number): void {
    const seconds = Math.max(0, now - committedAt) / 1000;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[i] as number)) i++;
    this.lagBuckets[i] = (this.lagBuckets[i] as number) + 1;
    this.lagSum += seconds;
    this.lagCount++;
  }
}
