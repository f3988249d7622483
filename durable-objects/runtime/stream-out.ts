/**
 * Streams an object's event log to the `EVENTS` Queue, at least once, in order, in
 * batches: everything after the cursor goes out with `sendBatch`, packed into as few
 * messages as the Queue's limits allow (`queueMessages`: many events per message, at
 * most 100 messages and the byte limit per call), and the cursor advances only after a
 * call succeeds. A send is kicked (coalesced) after each commit and retried from the
 * object's alarm while the cursor lags. Without the binding nothing is sent and the
 * cursor stays put.
 *
 * The hot path reads nothing back from storage: the owner hands over each committed
 * batch (`logged`), and they wait in memory until sent. Only after a restart, or when
 * the memory tail overflowed during a long Queue outage, are events read from the log.
 * The cursor is saved at most once per `cursorSaveMs` (and when the stream goes idle):
 * a crash in between sends those events again, which consumers absorb (every event is
 * keyed by `(stream, key, seq)`).
 *
 * Used by the OrderBook (its `events` log) and the Account (its `account_events` log).
 */
import { type Envelope, type EnvelopeBatch, queueMessages } from "../../shared/events/envelope.ts";
import { retryDelayMs } from "./alarm.ts";
import type { Sql } from "./sql.ts";

/**
 * How long the alarm waits before retrying a send, ms: the safety net while nothing
 * failed, and the base of the backoff after failures (`retryDelayMs`, full jitter).
 */
export const STREAM_RETRY_MS = 2_000;
/** The longest backoff between retries of a failing send, ms. */
export const STREAM_MAX_RETRY_MS = 60_000;

/**
 * How long a commit's events wait for others to go out with them, ms (`EVENT_STREAM_DELAY_MS`):
 * history reaches Postgres this much later, in a fraction of the sends.
 */
export const DEFAULT_STREAM_DELAY_MS = 100;

/** `EVENT_STREAM_DELAY_MS` as a delay, else the default. */
export function streamDelayMs(value: string | undefined): number {
  const ms = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_STREAM_DELAY_MS;
}

/** Events read from the log per round (several `sendBatch` calls). */
const READ_LIMIT = 500;

/** Most events held in memory waiting for the Queue; beyond, they are read back from the log. */
const MAX_TAIL = 20_000;

export interface StreamOutOptions<T extends { seq: number }> {
  /** Storage holding the one-row cursor table `stream_out (id = 1, seq)` (created by a migration). */
  sql: Sql;
  /** The Queue, or undefined when it is not bound (nothing is sent). */
  queue: () => Queue | undefined;
  /** Up to `limit` logged items with seq above `after`, oldest first, from storage. */
  read: (after: number, limit: number) => T[];
  /** An item as the Queue receives it. */
  envelope: (item: T) => Envelope;
  /** The newest seq in the log (0 if none), read once. */
  head: () => number;
  /** Coalescing delay after a commit, ms. */
  delayMs: number;
  /** Longest time between cursor saves while events flow, ms (default 1000). */
  cursorSaveMs?: number;
  /** For logs: which stream and key. */
  label: () => string;
}

export class StreamOut<T extends { seq: number }> {
  private readonly o: StreamOutOptions<T>;
  private cursorSeq: number | undefined;
  private savedSeq: number | undefined;
  private savedAt = 0;
  private headSeq: number | undefined;
  /** Logged items after the cursor, oldest first and contiguous, when memory holds all of them. */
  private tail: T[] = [];
  /** False after a restart or an overflow: what follows the cursor must be read from the log first. */
  private tailComplete = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<boolean> | undefined;
  private again = false;
  /** Sends that failed in a row (0 after one succeeds). */
  private failures = 0;

  constructor(options: StreamOutOptions<T>) {
    this.o = options;
  }

  /**
   * When the alarm should retry, ms from now: {@link STREAM_RETRY_MS} while no send failed
   * (the alarm only backs up the in-memory timer), else exponential backoff with full
   * jitter on the failures in a row.
   */
  retryDelayMs(random: () => number = Math.random): number {
    return this.failures === 0
      ? STREAM_RETRY_MS
      : retryDelayMs(this.failures, STREAM_RETRY_MS, STREAM_MAX_RETRY_MS, random);
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
      this.savedSeq = this.cursorSeq;
      // Memory holds everything after the cursor exactly when nothing follows it in the log.
      this.tailComplete = this.head() === this.cursorSeq;
    }
    return this.cursorSeq;
  }

  /** The newest seq logged. */
  head(): number {
    this.headSeq ??= this.o.head();
    return this.headSeq;
  }

  /** Events logged but not yet accepted by the Queue (0 when the Queue is not bound). */
  lag(): number {
    if (!this.enabled) return 0;
    return Math.max(0, this.head() - this.cursor());
  }

  /** The oldest seq a log may not prune (everything above the persisted cursor), or undefined without a Queue. */
  keepAfter(): number | undefined {
    if (!this.enabled) return undefined;
    this.cursor();
    return this.savedSeq;
  }

  /** Forgets what memory holds (after memory was rebuilt from disk). */
  reload(): void {
    this.cursorSeq = undefined;
    this.savedSeq = undefined;
    this.headSeq = undefined;
    this.tail = [];
    this.tailComplete = false;
  }

  /** Hands over items just committed (contiguous after the head), and sends them soon. */
  logged(items: readonly T[]): void {
    if (items.length === 0) return;
    const last = (items[items.length - 1] as T).seq;
    if (!this.enabled) {
      this.headSeq = last;
      return;
    }
    const cursor = this.cursor();
    const contiguous = (items[0] as T).seq === this.head() + 1;
    this.headSeq = last;
    if (this.tailComplete && contiguous && this.tail.length + items.length <= MAX_TAIL) {
      for (const item of items) if (item.seq > cursor) this.tail.push(item);
    } else {
      this.tail = [];
      this.tailComplete = false;
    }
    this.soon();
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
          const items = this.next();
          if (items.length === 0) break;
          for (const call of queueMessages(items.map(this.o.envelope))) {
            await queue.sendBatch(call.map((body) => ({ body, contentType: "json" as const })));
            const last = (call[call.length - 1] as EnvelopeBatch).envelopes;
            this.advance((last[last.length - 1] as Envelope).seq);
          }
        }
      } while (this.again);
      this.failures = 0;
      this.saveSoon();
      return true;
    } catch (err) {
      this.failures++;
      // Items read from the log for this send are not in memory: the next round reads them again
      // (otherwise a failed send after a restart would leave memory "complete" without them).
      this.tail = [];
      this.tailComplete = false;
      console.warn(
        JSON.stringify({
          level: "warn",
          msg: "event stream send failed; the alarm retries",
          stream: this.o.label(),
          cursor: this.cursorSeq ?? null,
          failures: this.failures,
          error: String(err),
        }),
      );
      return false;
    }
  }

  /** The next items to send: from memory, or from the log until memory is caught up. */
  private next(): T[] {
    const cursor = this.cursor();
    if (this.tailComplete) return this.tail.slice(0, READ_LIMIT);
    const items = this.o.read(cursor, READ_LIMIT);
    if (items.length < READ_LIMIT) {
      // The log is read up to its head: from here on memory holds whatever comes.
      this.tail = [];
      this.tailComplete = true;
    }
    return items;
  }

  /** The Queue accepted everything through `seq`. */
  private advance(seq: number): void {
    this.cursorSeq = Math.max(this.cursorSeq ?? 0, seq);
    let drop = 0;
    while (drop < this.tail.length && (this.tail[drop] as T).seq <= seq) drop++;
    if (drop > 0) this.tail.splice(0, drop);
    const saveMs = this.o.cursorSaveMs ?? 1_000;
    if (Date.now() - this.savedAt >= saveMs) this.save();
  }

  /** Saves the cursor a little later if it moved since the last save (the stream went quiet). */
  private saveSoon(): void {
    if (this.saveTimer !== undefined || this.cursorSeq === this.savedSeq) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, this.o.cursorSaveMs ?? 1_000);
  }

  private save(): void {
    const seq = this.cursorSeq ?? 0;
    if (seq === this.savedSeq) return;
    this.o.sql`UPDATE stream_out SET seq = ${seq} WHERE id = 1 AND seq < ${seq}`;
    this.savedSeq = seq;
    this.savedAt = Date.now();
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
    const items = this.o.read(Math.max(0, cursor - count), Math.min(count, READ_LIMIT)).filter((e) => e.seq <= cursor);
    for (const call of queueMessages(items.map(this.o.envelope))) {
      await queue.sendBatch(call.map((body) => ({ body, contentType: "json" as const })));
    }
    return items.length;
  }
}
