/**
 * The level-2 book a feed client keeps per instrument: a {@link Level2Book} (book.ts) with
 * events, iterators and `waitFor`. The client's level2 stream (market-streams.ts) feeds
 * it only messages that passed the seq checks.
 */
import { TransportError } from "../errors.ts";
import { Level2Book } from "./book.ts";
import { Emitter } from "./emitter.ts";
import { AsyncQueue } from "./queue.ts";
import type { ChannelMessage, LevelChange, PriceSize } from "./types.ts";

/** A book change: the new snapshot, or the changes of one update (`first_seq..seq`). */
export type BookChange =
  | { type: "snapshot"; instrument: string; seq: number; bids: PriceSize[]; asks: PriceSize[] }
  | { type: "update"; instrument: string; first_seq: number; seq: number; changes: LevelChange[] };

/**
 * A level-2 book kept by a {@link FeedClient} (`client.book("BTC-USD")`): `bids` and `asks`
 * as `[price, size]` decimal strings, best first, at `seq`. It follows the client through
 * reconnects (resumed, or replaced by a fresh snapshot after a resync): it never applies
 * an update out of sequence. Events: `change`; or iterate {@link OrderBook.changes}.
 */
export class OrderBook extends Emitter<{ change: (change: BookChange) => void; error: (error: Error) => void }> {
  readonly instrument: string;
  private readonly state: Level2Book;
  private readonly queues = new Set<AsyncQueue<BookChange>>();
  private readonly onRelease: () => void;
  private waiters: (() => void)[] = [];
  /** True once released ({@link close}) or ended by the client. */
  released = false;
  private failure: Error | undefined;

  constructor(instrument: string, onRelease: () => void) {
    super();
    this.instrument = instrument;
    this.state = new Level2Book(instrument);
    this.onRelease = onRelease;
  }

  /** Bids, best (highest) first. */
  get bids(): PriceSize[] {
    return this.state.bids;
  }

  /** Asks, best (lowest) first. */
  get asks(): PriceSize[] {
    return this.state.asks;
  }

  /** The level2 seq the book is at (-1 before its first snapshot). */
  get seq(): number {
    return this.state.seq;
  }

  /** Epoch ms of the last change applied. */
  get time(): number {
    return this.state.time;
  }

  /** Both sides to `depth` levels, with the seq: the shape of REST's L2 book. */
  levels(depth?: number): { seq: number; bids: PriceSize[]; asks: PriceSize[] } {
    return this.state.levels(depth);
  }

  bestBid(): PriceSize | undefined {
    return this.state.bestBid();
  }

  bestAsk(): PriceSize | undefined {
    return this.state.bestAsk();
  }

  /** Resolves once the book is at `seq` or beyond (default: its first snapshot); rejects after `timeoutMs`. */
  waitFor(seq = 0, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.failure) {
          reject(this.failure);
          return true;
        }
        if (this.state.synced && this.state.seq >= seq) {
          resolve();
          return true;
        }
        if (this.released) {
          reject(new TransportError(`the ${this.instrument} book was closed`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new TransportError(
            `the ${this.instrument} book did not reach seq ${seq} within ${timeoutMs} ms (at ${this.seq})`,
          ),
        );
      }, timeoutMs);
      const waiter = () => {
        if (check()) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== waiter);
        }
      };
      this.waiters.push(waiter);
    });
  }

  /** Changes as they are applied: snapshots (the first one, and after a resync) and updates. */
  changes(): AsyncIterableIterator<BookChange> {
    const queue = new AsyncQueue<BookChange>(() => this.queues.delete(queue));
    if (this.released) queue.end(this.failure);
    else this.queues.add(queue);
    return queue;
  }

  /** Stops keeping this book (the client unsubscribes level2 if nothing else holds it). */
  close(): void {
    if (this.released) return;
    this.end();
    this.onRelease();
  }

  /** @internal A level2 message that passed the client's seq checks. */
  apply(m: ChannelMessage<"level2">): void {
    let change: BookChange;
    if (m.type === "snapshot") {
      this.state.applySnapshot(m);
      change = {
        type: "snapshot",
        instrument: this.instrument,
        seq: m.seq,
        bids: this.state.bids,
        asks: this.state.asks,
      };
    } else {
      const result = this.state.applyUpdate(m);
      if (result !== "applied") return;
      change = { type: "update", instrument: this.instrument, first_seq: m.first_seq, seq: m.seq, changes: m.changes };
    }
    for (const q of this.queues) q.push(change);
    this.emit("change", change);
    for (const w of [...this.waiters]) w();
  }

  /** @internal */
  end(): void {
    if (this.released) return;
    this.released = true;
    for (const q of this.queues) q.end(this.failure);
    this.queues.clear();
    for (const w of [...this.waiters]) w();
  }

  /** @internal */
  fail(error: Error): void {
    this.failure = error;
    this.emit("error", error);
    this.end();
  }
}
