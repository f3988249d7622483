/**
 * The live orders: resting on the book or waiting as stops. Putting them on the
 * book and the id index, finding them by id, taking them off, and reporting
 * them done.
 */
import type { EngineState } from "./engine-state.ts";
import { touch } from "./level-changes.ts";
import { type Order, OrderStates } from "./order.ts";
import type { PriceLevel } from "./price-level.ts";
import { stopsOf } from "./stop-triggers.ts";
import type { DoneCause, DoneReason, EngineEvent } from "./types.ts";

/** Rests `order` (a copy when it is the scratch taker) and notes its level as changed. */
export function rest(state: EngineState, order: Order): void {
  touch(state, restUntouched(state, order === state.scratch ? order.clone() : order));
}

/** Rests `order` on its level and returns the level (the caller reports it). */
export function restUntouched(state: EngineState, order: Order): PriceLevel {
  const level = (order.side === "buy" ? state.bids : state.asks).getOrCreate(order.price);
  level.append(order);
  order.state = OrderStates.resting;
  list(state, order);
  scheduleExpiry(state, order);
  return level;
}

/** Queues a GTD order for expiry once, however often it is re-rested (amend, stop trigger). */
export function scheduleExpiry(state: EngineState, order: Order): void {
  if (order.expireAt > 0 && !order.queued) {
    order.queued = true;
    state.expiries.push(order);
  }
}

/** Takes a resting order off its level (its open quantity leaves the level's total). */
export function unrest(state: EngineState, order: Order): void {
  const level = order.level as PriceLevel;
  level.total -= order.remaining;
  level.unlink(order);
  if (level.count === 0) (level.side === "buy" ? state.bids : state.asks).remove(level);
  touch(state, level);
}

/** Removes a resting order or stop from the book for good and reports it done. */
export function removeLive(
  state: EngineState,
  order: Order,
  reason: DoneReason,
  cause: DoneCause,
  out: EngineEvent[],
): void {
  if (order.state === OrderStates.stop) stopsOf(state, order.side).remove(order);
  else unrest(state, order);
  finish(state, order, reason, cause, out);
}

/** Reports an order done; its open quantity (or funds) is what gets cancelled or expired. */
export function finish(
  state: EngineState,
  order: Order,
  reason: DoneReason,
  cause: DoneCause,
  out: EngineEvent[],
): void {
  if (order.listed) {
    state.live.remove(order);
    order.listed = false;
  }
  order.state = OrderStates.done;
  out[out.length] = {
    type: "done",
    id: order.id,
    account: order.account,
    side: order.side,
    reason,
    cause,
    remaining: reason === "filled" ? 0 : order.remaining,
    remainingFunds: order.remainingFunds,
  };
}

/** Indexes a resting order or stop by id (once: amended and triggered orders are listed already). */
export function list(state: EngineState, order: Order): void {
  if (!order.listed) {
    order.listed = true;
    state.live.add(order);
  }
}

/** The live order `id` if `account` (when given) owns it. */
export function owned(state: EngineState, id: string, account: string | undefined): Order | undefined {
  const order = state.live.get(id, state.live.hash(id));
  // Another account's order is reported as unknown so ids leak nothing.
  if (order === undefined || (account !== undefined && order.account !== account)) return undefined;
  return order;
}
