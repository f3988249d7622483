import type { Order, RestingLevel } from "./order.ts";
import type { Side } from "./types.ts";

/**
 * One price on one side of the book: a FIFO queue of orders kept as an
 * intrusive doubly linked list, so append, cancel and fill are all O(1).
 */
export class PriceLevel implements RestingLevel {
  readonly side: Side;
  readonly price: number;
  /** Aggregate open quantity. */
  total = 0;
  count = 0;
  head: Order | null = null;
  tail: Order | null = null;
  /** Stamp of the last command that changed this level (for level events). */
  touched = 0;
  /** Set once the level leaves the book. */
  removed = false;

  constructor(side: Side, price: number) {
    this.side = side;
    this.price = price;
  }

  append(order: Order): void {
    order.level = this;
    order.prev = this.tail;
    order.next = null;
    if (this.tail) this.tail.next = order;
    else this.head = order;
    this.tail = order;
    this.total += order.remaining;
    this.count++;
  }

  /** Unlinks `order`; the caller has already taken its open quantity out of `total` if it traded. */
  unlink(order: Order): void {
    if (order.prev) order.prev.next = order.next;
    else this.head = order.next;
    if (order.next) order.next.prev = order.prev;
    else this.tail = order.prev;
    order.prev = null;
    order.next = null;
    order.level = null;
    this.count--;
  }
}
