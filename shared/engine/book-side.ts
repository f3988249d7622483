import { LevelIndex } from "./level-index.ts";
import { PriceLevel } from "./price-level.ts";
import type { DepthLevel, OrderView, Side } from "./types.ts";

/**
 * One side of the book: price levels sorted so the best price is at the END of
 * the array. New orders mostly arrive near the touch, so inserting a level and
 * removing the best one are cheap (push/pop or a short splice near the end).
 */
export class BookSide {
  readonly side: Side;
  private readonly levels = new LevelIndex();
  /** Ascending for bids, descending for asks: best last. */
  private readonly sorted: PriceLevel[] = [];

  constructor(side: Side) {
    this.side = side;
  }

  best(): PriceLevel | undefined {
    // Never index with -1: V8 treats it as a property name, not an element, and the
    // load's inline cache goes megamorphic (a generic lookup on every call, for good).
    const n = this.sorted.length;
    return n > 0 ? this.sorted[n - 1] : undefined;
  }

  get(price: number): PriceLevel | undefined {
    return this.levels.get(price);
  }

  /** True when `a` is a better price than `b` for this side. */
  isBetter(a: number, b: number): boolean {
    return this.side === "buy" ? a > b : a < b;
  }

  /** The level at `price`, created (and inserted in order) if absent. */
  getOrCreate(price: number): PriceLevel {
    const found = this.levels.get(price);
    if (found !== undefined) return found;
    const level = new PriceLevel(this.side, price);
    this.levels.add(level);
    const sorted = this.sorted;
    // Binary search for the first position whose level is better than `price`.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.isBetter((sorted[mid] as PriceLevel).price, price)) hi = mid;
      else lo = mid + 1;
    }
    if (lo === sorted.length) sorted.push(level);
    else sorted.splice(lo, 0, level);
    return level;
  }

  /** Removes an empty level from the book. */
  remove(level: PriceLevel): void {
    level.removed = true;
    this.levels.remove(level);
    const sorted = this.sorted;
    const last = sorted.length - 1;
    if (sorted[last] === level) {
      sorted.pop();
      return;
    }
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.isBetter((sorted[mid] as PriceLevel).price, level.price)) hi = mid;
      else lo = mid + 1;
    }
    // `lo` is the first level better than ours, so ours sits just before it.
    sorted.splice(lo - 1, 1);
  }

  /** Levels from the best outwards. */
  *fromBest(): IterableIterator<PriceLevel> {
    for (let i = this.sorted.length - 1; i >= 0; i--) yield this.sorted[i] as PriceLevel;
  }

  depth(maxLevels: number): DepthLevel[] {
    const out: DepthLevel[] = [];
    for (let i = this.sorted.length - 1; i >= 0 && out.length < maxLevels; i--) {
      const level = this.sorted[i] as PriceLevel;
      out.push({ price: level.price, qty: level.total, orders: level.count });
    }
    return out;
  }

  /** Every resting order, best level first, each level in queue order. */
  orders(): OrderView[] {
    const out: OrderView[] = [];
    for (const level of this.fromBest()) {
      for (let o = level.head; o; o = o.next) out.push(o.toView());
    }
    return out;
  }
}
