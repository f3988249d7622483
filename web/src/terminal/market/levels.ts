/**
 * The ladder's levels at a grouping: book levels merged into buckets of `step` (a multiple of
 * the tick), bids snapped down and asks snapped up, sizes summed exactly. Grouping by one tick
 * leaves the book's own strings untouched.
 */
import type { PriceSize } from "@platform3/client";
import { add, snap } from "../../common/decimal.ts";

export interface Level {
  price: string;
  size: string;
}

/** The first `depth` levels of one side (best first) grouped to `step`; `step` undefined: as the book has them. */
export function groupLevels(
  side: readonly PriceSize[],
  depth: number,
  step: string | undefined,
  direction: "down" | "up",
): Level[] {
  const out: Level[] = [];
  if (step === undefined) {
    for (const [price, size] of side.slice(0, depth)) out.push({ price, size });
    return out;
  }
  for (const [price, size] of side) {
    const bucket = snap(price, step, direction) ?? price;
    const last = out[out.length - 1];
    if (last && last.price === bucket) {
      last.size = add(last.size, size) ?? last.size;
      continue;
    }
    // Levels come best first, so a new bucket past `depth` means the shown ones are complete.
    if (out.length === depth) break;
    out.push({ price: bucket, size });
  }
  return out;
}

/** Running totals of the sizes, exact (the ladder's cumulative column). */
export function cumulative(levels: readonly Level[]): string[] {
  const totals: string[] = [];
  let total = "0";
  for (const l of levels) {
    total = add(total, l.size) ?? total;
    totals.push(total);
  }
  return totals;
}
