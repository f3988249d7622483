/**
 * A level-2 order book kept from a `level2` stream: a snapshot, then updates that each
 * cover `first_seq..seq` and must continue the book's `seq` exactly. Prices and sizes
 * stay the decimal strings the feed sent; levels are ordered by exact decimal
 * comparison (decimal.ts), best first. Pure: no socket, no timers (FeedClient drives it).
 */
import { compareNormalized, isZeroDecimal, normalizeDecimal } from "./decimal.ts";
import type { Level2Snapshot, Level2Update, LevelChange, PriceSize } from "./types.ts";

/**
 * What applying an update did: `applied`; `duplicate` (it ends at or before the book's
 * seq: already seen, ignored); `gap` (it does not start at seq + 1: nothing applied, the
 * book needs a resume or a fresh snapshot); `unsynced` (no snapshot yet, or since a reset).
 */
export type ApplyResult = "applied" | "duplicate" | "gap" | "unsynced";

interface Level {
  /** Canonical price, the sort key. */
  key: string;
  price: string;
  size: string;
}

/** One side, best first: bids descending, asks ascending. */
class Side {
  readonly levels: Level[] = [];
  private readonly descending: boolean;

  constructor(descending: boolean) {
    this.descending = descending;
  }

  /** Index of `key`, or `-(insertion point) - 1`. */
  private find(key: string): number {
    let lo = 0;
    let hi = this.levels.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareNormalized((this.levels[mid] as Level).key, key);
      const order = this.descending ? -c : c;
      if (order === 0) return mid;
      if (order < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  set(price: string, size: string): void {
    const key = normalizeDecimal(price);
    const at = this.find(key);
    if (isZeroDecimal(size)) {
      if (at >= 0) this.levels.splice(at, 1);
      return;
    }
    if (at >= 0) {
      const level = this.levels[at] as Level;
      level.price = price;
      level.size = size;
    } else {
      this.levels.splice(-at - 1, 0, { key, price, size });
    }
  }

  clear(): void {
    this.levels.length = 0;
  }

  pairs(depth: number): PriceSize[] {
    const n = Math.min(depth, this.levels.length);
    const out: PriceSize[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const l = this.levels[i] as Level;
      out[i] = [l.price, l.size];
    }
    return out;
  }
}

export class Level2Book {
  readonly instrument: string;
  /** The level2 seq the book is at; -1 before its first snapshot. */
  seq = -1;
  /** False before the first snapshot and after {@link reset}: updates are not applied. */
  synced = false;
  /** Epoch ms of the last snapshot or update applied. */
  time = 0;
  private readonly bidSide = new Side(true);
  private readonly askSide = new Side(false);

  constructor(instrument: string) {
    this.instrument = instrument;
  }

  /** Bids, best (highest) first, as `[price, size]`. */
  get bids(): PriceSize[] {
    return this.bidSide.pairs(Number.POSITIVE_INFINITY);
  }

  /** Asks, best (lowest) first, as `[price, size]`. */
  get asks(): PriceSize[] {
    return this.askSide.pairs(Number.POSITIVE_INFINITY);
  }

  /** Both sides to `depth` levels each, as REST's `GET /v1/instruments/{symbol}/book?level=2` lists them. */
  levels(depth = Number.POSITIVE_INFINITY): { seq: number; bids: PriceSize[]; asks: PriceSize[] } {
    return { seq: this.seq, bids: this.bidSide.pairs(depth), asks: this.askSide.pairs(depth) };
  }

  bestBid(): PriceSize | undefined {
    return this.bidSide.pairs(1)[0];
  }

  bestAsk(): PriceSize | undefined {
    return this.askSide.pairs(1)[0];
  }

  /** Replaces the whole book. */
  applySnapshot(snapshot: Pick<Level2Snapshot, "seq" | "bids" | "asks"> & { time?: number }): void {
    this.bidSide.clear();
    this.askSide.clear();
    for (const [price, size] of snapshot.bids) this.bidSide.set(price, size);
    for (const [price, size] of snapshot.asks) this.askSide.set(price, size);
    this.seq = snapshot.seq;
    this.time = snapshot.time ?? this.time;
    this.synced = true;
  }

  /** Applies an update if it continues the book exactly (see {@link ApplyResult}). */
  applyUpdate(update: Pick<Level2Update, "first_seq" | "seq" | "changes"> & { time?: number }): ApplyResult {
    if (!this.synced) return "unsynced";
    if (update.seq <= this.seq) return "duplicate";
    if (update.first_seq !== this.seq + 1) return "gap";
    this.applyChanges(update.changes);
    this.seq = update.seq;
    this.time = update.time ?? this.time;
    return "applied";
  }

  /** Marks the book as out of sync (it keeps its levels until the next snapshot). */
  reset(): void {
    this.synced = false;
  }

  private applyChanges(changes: readonly LevelChange[]): void {
    for (const [side, price, size] of changes) (side === "buy" ? this.bidSide : this.askSide).set(price, size);
  }
}
