import type { Order } from "./order.ts";

const INITIAL_CAPACITY = 256;

/**
 * Resting orders and untriggered stops by id: an open-addressing hash table
 * with linear probing and backward-shift deletion (no tombstones).
 *
 * It replaces a `Map<string, Order>`, which profiled at 15–25 % of the
 * benchmark: under constant insert/delete churn V8's ordered hash map fills
 * with deleted entries and rehashes into a freshly allocated table (a runtime
 * call, and large-object garbage), and its chains compare id strings.
 *
 * Here an order's hash is computed once (`Order.hash`, never 0) and kept in a
 * compact `Int32Array` beside the slots, where 0 marks an empty slot: a probe
 * compares integers in 4-byte entries and touches the orders only on a hash
 * match, so the duplicate-id check of every new order (which almost always
 * misses) stays within one small, cache-friendly array. Removal finds the slot
 * by identity and never hashes again; the table is reallocated only when the
 * live count doubles.
 *
 * The hash is seeded per index, so ids cannot be chosen to collide (hash
 * flooding). The seed only decides slot positions: nothing observable depends
 * on it (iteration order is never used for behaviour).
 */
export class OrderIndex {
  private hashes: Int32Array;
  private orders: (Order | null)[];
  private mask: number;
  private readonly seed: number;
  size = 0;

  constructor() {
    this.hashes = new Int32Array(INITIAL_CAPACITY);
    this.orders = emptySlots(INITIAL_CAPACITY);
    this.mask = INITIAL_CAPACITY - 1;
    this.seed = (Math.random() * 0x100000000) | 0;
  }

  /** The hash of `id` for this index (store it in `Order.hash` before `add`): 30 bits, never 0. */
  hash(id: string): number {
    // FNV-1a over UTF-16 code units, then murmur3's finalizer so the low bits (the slot) mix well.
    let h = this.seed ^ id.length;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    // 30 bits keep it a small integer on every platform; 0 means "empty".
    return (h ^ (h >>> 16)) & 0x3fffffff || 1;
  }

  /** The order with this id and hash (from `hash(id)`), if any. */
  get(id: string, hash: number): Order | undefined {
    const hashes = this.hashes;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const h = hashes[i] as number;
      if (h === 0) return undefined;
      if (h === hash) {
        const order = this.orders[i] as Order;
        if (order.id === id) return order;
      }
    }
  }

  /** Adds an order whose id is absent, using its `hash`. */
  add(order: Order): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    this.size++;
    this.place(order);
  }

  /** Removes an order that is present (found by identity, never by comparing ids). */
  remove(order: Order): void {
    const hashes = this.hashes;
    const orders = this.orders;
    const mask = this.mask;
    const hash = order.hash;
    let hole = hash & mask;
    while (hashes[hole] !== hash || orders[hole] !== order) hole = (hole + 1) & mask;
    // Backward shift: pull later entries of the probe run into the hole unless
    // that would move one before its home slot, so lookups never need tombstones.
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const h = hashes[j] as number;
      if (h === 0) break;
      // Distance from home to j versus from home to the hole, cyclically.
      if (((j - (h & mask)) & mask) >= ((j - hole) & mask)) {
        hashes[hole] = h;
        orders[hole] = orders[j] as Order;
        hole = j;
      }
    }
    hashes[hole] = 0;
    orders[hole] = null;
    this.size--;
  }

  /** Every indexed order, in no particular order. */
  values(): Order[] {
    const out: Order[] = [];
    for (const order of this.orders) if (order !== null) out.push(order);
    return out;
  }

  private place(order: Order): void {
    const hashes = this.hashes;
    const mask = this.mask;
    let i = order.hash & mask;
    while (hashes[i] !== 0) i = (i + 1) & mask;
    hashes[i] = order.hash;
    this.orders[i] = order;
  }

  private grow(): void {
    const old = this.orders;
    const capacity = old.length * 2;
    this.hashes = new Int32Array(capacity);
    this.orders = emptySlots(capacity);
    this.mask = capacity - 1;
    for (const order of old) if (order !== null) this.place(order);
  }
}

/** A packed (not holey) array of nulls, so slot loads need no hole checks. */
function emptySlots(capacity: number): (Order | null)[] {
  const slots: (Order | null)[] = [];
  for (let i = 0; i < capacity; i++) slots.push(null);
  return slots;
}
