import type { Order } from "./order.ts";
import type { Side } from "./types.ts";

/**
 * Untriggered stop orders of one side, sorted so the next to trigger is at the
 * END: buy stops trigger when the last trade is at or above their stop price
 * (lowest first), sell stops at or below (highest first); ties by time.
 */
export class StopBook {
  readonly side: Side;
  private readonly sorted: Order[] = [];

  constructor(side: Side) {
    this.side = side;
  }

  get size(): number {
    return this.sorted.length;
  }

  /** True when `a` triggers before `b`. */
  private before(a: Order, b: Order): boolean {
    if (a.stopPrice !== b.stopPrice) return this.side === "buy" ? a.stopPrice < b.stopPrice : a.stopPrice > b.stopPrice;
    return a.priority < b.priority;
  }

  /** Would a stop at `stopPrice` trigger at `lastPrice`? */
  triggers(stopPrice: number, lastPrice: number): boolean {
    return this.side === "buy" ? lastPrice >= stopPrice : lastPrice <= stopPrice;
  }

  add(order: Order): void {
    const sorted = this.sorted;
    // First index whose order triggers before `order`.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.before(sorted[mid] as Order, order)) hi = mid;
      else lo = mid + 1;
    }
    sorted.splice(lo, 0, order);
  }

  remove(order: Order): void {
    const index = this.sorted.indexOf(order);
    if (index >= 0) this.sorted.splice(index, 1);
  }

  /** Removes and returns the next stop if the last trade price triggers it. */
  popTriggered(lastPrice: number): Order | undefined {
    const n = this.sorted.length;
    if (n === 0) return undefined; // not sorted[-1]: see BookSide.best
    const next = this.sorted[n - 1] as Order;
    if (this.triggers(next.stopPrice, lastPrice)) return this.sorted.pop();
    return undefined;
  }

  /** Stops in trigger order. */
  inTriggerOrder(): Order[] {
    return this.sorted.slice().reverse();
  }
}
