/**
 * Good-till-date expiry: whether a GTD order is due by the engine's clock,
 * expiring those that are (oldest expiry first, ties by priority), and when
 * the next one is due.
 */
import type { EngineState } from "./engine-state.ts";
import { removeLive } from "./live-orders.ts";
import { type Order, OrderStates } from "./order.ts";
import type { EngineEvent } from "./types.ts";

/** Is the order still on the book or in a stop book (the expiry queue drops the others lazily)? */
function isLive(order: Order): boolean {
  return order.state === OrderStates.resting || order.state === OrderStates.stop;
}

/** Is a GTD order due by the clock? */
export function expiryDue(state: EngineState): boolean {
  const top = state.expiries.peek(isLive);
  return top !== undefined && top.expireAt <= state.clock;
}

/** Expires every GTD order due by the clock. */
export function expireDue(state: EngineState, out: EngineEvent[]): void {
  let top = state.expiries.peek(isLive);
  if (top === undefined || top.expireAt > state.clock) return;
  const due: Order[] = [];
  while (top !== undefined && top.expireAt <= state.clock) {
    state.expiries.pop();
    due.push(top);
    top = state.expiries.peek(isLive);
  }
  // The heap orders by time only; break ties by priority so replays agree.
  due.sort((a, b) => a.expireAt - b.expireAt || a.priority - b.priority);
  for (const order of due) removeLive(state, order, "expired", "gtd", out);
}

/** When the next GTD order expires, if any. */
export function nextExpiry(state: EngineState): number | undefined {
  return state.expiries.peek(isLive)?.expireAt;
}
