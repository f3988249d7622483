/**
 * Read-only views of the book for queries: best bid and offer, L2 depth,
 * L3 orders, one live order, and the untriggered stops.
 */
import type { EngineState } from "./engine-state.ts";
import type { Bbo, DepthLevel, OrderView } from "./types.ts";

export function bboOf(state: EngineState): Bbo {
  const bbo: Bbo = {};
  const bid = state.bids.best();
  const ask = state.asks.best();
  if (bid) bbo.bid = { price: bid.price, qty: bid.total };
  if (ask) bbo.ask = { price: ask.price, qty: ask.total };
  return bbo;
}

/** L2: aggregated levels from the touch outwards, at most `levels` per side. */
export function depthOf(state: EngineState, levels: number): { bids: DepthLevel[]; asks: DepthLevel[] } {
  return { bids: state.bids.depth(levels), asks: state.asks.depth(levels) };
}

/** L3: every resting order, best price first, each level in queue order. */
export function l3Of(state: EngineState): { bids: OrderView[]; asks: OrderView[] } {
  return { bids: state.bids.orders(), asks: state.asks.orders() };
}

/** A resting order or untriggered stop by id (done orders are not kept). */
export function liveOrderView(state: EngineState, id: string): OrderView | undefined {
  return typeof id === "string" ? state.live.get(id, state.live.hash(id))?.toView() : undefined;
}

/** Untriggered stops, buys then sells, each in trigger order. */
export function stopViews(state: EngineState): OrderView[] {
  return [...state.buyStops.inTriggerOrder(), ...state.sellStops.inTriggerOrder()].map((o) => o.toView());
}
