/**
 * Triggering stop orders: finding a side's stop book, and taking the stops a
 * print triggers off their books into the engine's `triggered` queue (which
 * `runTriggeredStops` in `matching.ts` then executes).
 */
import type { EngineState } from "./engine-state.ts";
import { OrderStates } from "./order.ts";
import type { StopBook } from "./stop-book.ts";
import type { EngineEvent, Side } from "./types.ts";

export function stopsOf(state: EngineState, side: Side): StopBook {
  return side === "buy" ? state.buyStops : state.sellStops;
}

/** Takes every stop the print at `price` triggers off its stop book and queues it to execute. */
export function triggerStops(state: EngineState, price: number, out: EngineEvent[]): void {
  for (;;) {
    const order = state.buyStops.popTriggered(price) ?? state.sellStops.popTriggered(price);
    if (order === undefined) return;
    out[out.length] = {
      type: "stop_triggered",
      id: order.id,
      account: order.account,
      stopPrice: order.stopPrice,
      lastPrice: price,
    };
    order.state = OrderStates.taking;
    // A triggered stop joins the queue now, behind orders that rested while it waited.
    order.priority = state.nextPriority++;
    state.triggered.push(order);
  }
}
