/**
 * The price levels a command changes, and the level events reporting them:
 * each changed level is noted once per command and reported once, with its
 * final aggregate, when the command ends.
 */
import type { EngineState } from "./engine-state.ts";
import type { PriceLevel } from "./price-level.ts";
import type { EngineEvent } from "./types.ts";

/** Notes that the current command changed `level`. */
export function touch(state: EngineState, level: PriceLevel): void {
  if (level.touched !== state.stamp) {
    level.touched = state.stamp;
    const index = state.touchedCount++;
    if (index === state.touched.length) state.touched.push(level);
    else state.touched[index] = level;
  }
}

/** One level event per price the command changed, with the final aggregate. */
export function flushLevels(state: EngineState, out: EngineEvent[]): void {
  const touched = state.touched;
  const count = state.touchedCount;
  for (let i = 0; i < count; i++) {
    const level = touched[i] as PriceLevel;
    // A price emptied and re-created in one command reports once, from its last level object.
    if (level.removed && supersededLater(touched, i, count)) continue;
    out[out.length] = { type: "level", side: level.side, price: level.price, qty: level.removed ? 0 : level.total };
  }
  state.touchedCount = 0;
}

/** Does a later entry of `touched` stand for the same side and price as entry `i`? */
function supersededLater(touched: PriceLevel[], i: number, count: number): boolean {
  const level = touched[i] as PriceLevel;
  for (let j = i + 1; j < count; j++) {
    const other = touched[j] as PriceLevel;
    if (other.price === level.price && other.side === level.side) return true;
  }
  return false;
}
