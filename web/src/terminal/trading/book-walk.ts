/**
 * What a market order would cost if it met the book as it is now: the opposite side's levels
 * walked best first, each taking what is left of the size, priced exactly. An estimate only — the
 * book moves and other orders arrive first — but the one a trader expects to see before sending.
 */
import { add, compare, multiply, subtract } from "../../common/decimal.ts";

export interface BookWalk {
  /** Σ price × size taken, in the quote asset. */
  cost: string;
  /** How much of the size the book holds (equal to it when `complete`). */
  filled: string;
  /** False when the book holds less than the size. */
  complete: boolean;
}

/** Walks `levels` (best first, `[price, size]` decimal strings) for `size`; undefined for a size that is not a decimal above 0. */
export function walkBook(levels: readonly (readonly [string, string])[], size: string): BookWalk | undefined {
  if (!(compare(size, "0") > 0)) return undefined;
  let remaining = size;
  let cost = "0";
  let filled = "0";
  for (const [price, available] of levels) {
    if (compare(remaining, "0") <= 0) break;
    const take = compare(available, remaining) < 0 ? available : remaining;
    cost = add(cost, multiply(price, take) ?? "0") ?? cost;
    filled = add(filled, take) ?? filled;
    remaining = subtract(remaining, take) ?? "0";
  }
  return { cost, filled, complete: compare(filled, size) === 0 };
}
