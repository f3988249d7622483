import type { Order } from "./order.ts";

/**
 * Min-heap of GTD orders by `expireAt` (immutable per order). Entries are
 * removed lazily: an order that left the book stays in the heap until it
 * reaches the top, where `peek` drops it. Ties are ordered by the caller.
 */
export class ExpiryQueue {
  private readonly heap: Order[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(order: Order): void {
    const heap = this.heap;
    heap.push(order);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(order, heap[parent] as Order)) break;
      heap[i] = heap[parent] as Order;
      i = parent;
    }
    heap[i] = order;
  }

  /** The earliest expiry among live entries, skipping dead ones. */
  peek(isLive: (order: Order) => boolean): Order | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0] as Order;
      if (isLive(top)) return top;
      this.pop();
    }
    return undefined;
  }

  pop(): Order | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && earlier(heap[right] as Order, heap[left] as Order) ? right : left;
      if (!earlier(heap[child] as Order, last)) break;
      heap[i] = heap[child] as Order;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function earlier(a: Order, b: Order): boolean {
  return a.expireAt < b.expireAt;
}
