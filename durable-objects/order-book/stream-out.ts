/**
 * Streams an object's event log to the `EVENTS` Queue, at least once, in order, in
 * batches: everything after a persisted cursor goes out with `sendBatch` (at most 100
 * messages and the Queue's byte limit per call), and the cursor advances only after a
 * call succeeds. A send is kicked (coalesced) after each commit and retried from the
 * object's alarm while the cursor lags; a crash between a send and the cursor write
 * sends those events again, which consumers absorb (every event is keyed by
 * `(stream, key, seq)`). Without the binding nothing is sent and the cursor stays put.
 *
 * Used by the OrderBook (its `events` log) and the Account (its `account_events` log).
 */
import { type Envelope, queueBatches } from "../../shared/events/envelope.ts";
import type { Sql } from "../sql.ts";

/** How long the alarm waits before retrying a send that did not go out, ms. */
export const STREAM_RETRY_MS = 2_000;

/** Events read from the log per round (several `sendBatch` calls). */
const READ_LIMIT = 500;

export interface StreamOutOptions {
  /** Storage holding the one-row cursor table `stream_out (id = 1, seq)` (created by a migration). */
  sql: Sql;
  /** The Queue, or undefined when it is not bound (nothing is sent). */
  queue: () => Queue | undefined;
  /** Up to `limit` events with seq above `after`, oldest first. */
  read: (after: number, limit: number) => Envelope[];
  /** The newest seq in the log (0 if none). */
  head: () => number;
  /** Coalescing delay after a commit, ms. */
  delayMs: number;
  /** For logs: which stream and key. */
  label: () => string;
}

export class StreamOut {
  private readonly o: StreamOutOptions;
  private cursorSeq: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<boolean> | undefined;
  private again = false;

  constructor(options: StreamOutOptions) {
    this.o = options;
  }

  /** Whether the Queue is bound. */
  get enabled(): boolean {
    return this.o.queue() !== undefined;
  }

  /** The last seq the Queue accepted. */
  cursor(): number {
    if (this.cursorSeq === undefined) {
      const row = this.o.sql.one<{ seq: number }>`SELECT seq FROM stream_out WHERE id = 1`;
      this.cursorSeq = row?.seq ?? 0;
    }
    return this.cursorSeq;
  }

  /** Events logged but not yet accepted by the Queue (0 when the Queue is not bound). */
  lag(): number {
    if (!this.enabled) return 0;
    return Math.max(0, this.o.head() - this.cursor());
  }

  /** The oldest seq a log may not prune (everything above the cursor), or undefined without a Queue. */
  keepAfter(): number | undefined {
    return this.enabled ? this.cursor() : undefined;
  }

  /** Forgets the cached cursor (after memory was rebuilt from disk). */
  reload(): void {
    this.cursorSeq = undefined;
  }

  /** Sends soon (one send per burst of commits). */
  soon(): void {
    if (!this.enabled || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.o.delayMs);
  }

  /**
   * Sends everything after the cursor; resolves true when the Queue has it all. One flush
   * runs at a time: a call during one makes it go round again.
   */
  flush(): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(true);
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(): Promise<boolean> {
    const queue = this.o.queue();
    if (!queue) return true;
    try {
      do {
        this.again = false;
        for (;;) {
          const events = this.o.read(this.cursor(), READ_LIMIT);
          if (events.length === 0) break;
          for (const batch of queueBatches(events)) {
            await queue.sendBatch(batch.map((body) => ({ body, contentType: "json" as const })));
            this.save((batch[batch.length - 1] as Envelope).seq);
          }
          if (events.length < READ_LIMIT) break;
        }
      } while (this.again);
      return true;
    } catch (err) {
      console.warn(
        JSON.stringify({
          level: "warn",
          msg: "event stream send failed; the alarm retries",
          stream: this.o.label(),
          cursor: this.cursorSeq ?? null,
          error: String(err),
        }),
      );
      return false;
    }
  }

  /**
   * Sends the newest `count` events the Queue already accepted once more, as a crash
   * between a send and its cursor write would (fault injection: consumers must absorb
   * duplicates). The cursor does not move. Resolves with how many went out again.
   */
  async resend(count: number): Promise<number> {
    const queue = this.o.queue();
    if (!queue || count < 1) return 0;
    const cursor = this.cursor();
    const events = this.o.read(Math.max(0, cursor - count), Math.min(count, READ_LIMIT)).filter((e) => e.seq <= cursor);
    for (const batch of queueBatches(events)) {
      await queue.sendBatch(batch.map((body) => ({ body, contentType: "json" as const })));
    }
    return events.length;
  }

  private save(seq: number): void {
    this.o.sql`UPDATE stream_out SET seq = ${seq} WHERE id = 1 AND seq < ${seq}`;
    this.cursorSeq = Math.max(this.cursorSeq ?? 0, seq);
  }
}
