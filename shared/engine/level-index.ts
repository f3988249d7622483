import type { PriceLevel } from "./price-level.ts";

const INITIAL_CAPACITY = 64;

/**
 * One side's price levels by price: an open-addressing hash table with linear
 * probing and backward-shift deletion, like `OrderIndex`. It replaces a
 * `Map<number, PriceLevel>`: levels near the touch are created and emptied
 * all the time, and each `Map` insert or delete is a builtin call that now and
 * then rehashes into a new table; here a lookup is a multiply and one or two
 * array loads, inlined into the caller.
 */
export class LevelIndex {
  private slots: (PriceLevel | null)[] = emptySlots(INITIAL_CAPACITY);
  private mask = INITIAL_CAPACITY - 1;
  private size = 0;

  get(price: number): PriceLevel | undefined {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = slotOf(price) & mask; ; i = (i + 1) & mask) {
      const level = slots[i] as PriceLevel | null;
      if (level === null) return undefined;
      if (level.price === price) return level;
    }
  }

  /** Adds a level whose price is absent. */
  add(level: PriceLevel): void {
    if ((this.size + 1) * 2 > this.slots.length) this.grow();
    this.size++;
    this.place(level);
  }

  /** Removes a level that is present. */
  remove(level: PriceLevel): void {
    const slots = this.slots;
    const mask = this.mask;
    let hole = slotOf(level.price) & mask;
    while (slots[hole] !== level) hole = (hole + 1) & mask;
    // Backward shift (see OrderIndex.remove): no tombstones.
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const next = slots[j] as PriceLevel | null;
      if (next === null) break;
      const home = slotOf(next.price) & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        slots[hole] = next;
        hole = j;
      }
    }
    slots[hole] = null;
    this.size--;
  }

  private place(level: PriceLevel): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = slotOf(level.price) & mask;
    while (slots[i] !== null) i = (i + 1) & mask;
    slots[i] = level;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = emptySlots(old.length * 2);
    this.mask = old.length * 2 - 1;
    for (const level of old) if (level !== null) this.place(level);
  }
}

/**
 * Hash of a price (a positive safe integer). Nearby prices are the common case,
 * so mix the bits (Fibonacci hashing) rather than use the price itself: a run
 * of adjacent prices would otherwise form one long probe run.
 */
function slotOf(price: number): number {
  const h = Math.imul((price | 0) ^ ((price / 0x100000000) | 0), 0x9e3779b1);
  return h ^ (h >>> 15);
}

/** A packed (not holey) array of nulls, so slot loads need no hole checks. */
function emptySlots(capacity: number): (PriceLevel | null)[] {
  const slots: (PriceLevel | null)[] = [];
  for (let i = 0; i < capacity; i++) slots.push(null);
  return slots;
}
