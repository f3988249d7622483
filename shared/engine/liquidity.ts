/**
 * Read-only questions about the opposite side of the book that decide whether
 * an order may be admitted: does a price cross it, can a fill-or-kill order
 * fill in full right now.
 */
import type { EngineState } from "./engine-state.ts";
import type { Order } from "./order.ts";
import type { Side } from "./types.ts";

/** Does a `side` order at `price` meet the best price on the other side? */
export function crosses(state: EngineState, side: Side, price: number): boolean {
  const best = side === "buy" ? state.asks.best() : state.bids.best();
  return best !== undefined && (side === "buy" ? best.price <= price : best.price >= price);
}

/** Can a FOK order fill completely right now, without any state change? */
export function fillable(
  state: EngineState,
  side: Side,
  limit: number,
  qty: number,
  account: string,
  stp: Order["stp"],
): boolean {
  const isBuy = side === "buy";
  let need = qty;
  for (const level of (isBuy ? state.asks : state.bids).fromBest()) {
    if (limit > 0 && (isBuy ? level.price > limit : level.price < limit)) return false;
    for (let maker = level.head; maker !== null; maker = maker.next) {
      if (maker.account === account) {
        // Only cancel-oldest lets the taker go on past its own order in full.
        if (stp === "cancel_oldest") continue;
        return false;
      }
      need -= maker.remaining;
      if (need <= 0) return true;
    }
  }
  return false;
}
