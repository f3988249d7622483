/**
 * The amend command: changes the size or price of a resting order (keeping its
 * queue priority only when it is sized down in place) or the trigger, price or
 * size of an untriggered stop. A re-priced order may trade.
 */
import type { EngineState } from "./engine-state.ts";
import { amendedEvent, reject } from "./events.ts";
import { touch } from "./level-changes.ts";
import { crosses } from "./liquidity.ts";
import { owned, unrest } from "./live-orders.ts";
import { take } from "./matching.ts";
import { type Order, OrderStates } from "./order.ts";
import type { PriceLevel } from "./price-level.ts";
import { stopsOf } from "./stop-triggers.ts";
import type { AmendOrder, EngineEvent } from "./types.ts";
import { checkAmend, isId } from "./validate.ts";

export function amend(state: EngineState, cmd: AmendOrder, out: EngineEvent[]): void {
  const bad = checkAmend(cmd, state.options);
  if (bad) return reject(isId(cmd.id) ? cmd.id : undefined, "amend", bad, out);
  const order = owned(state, cmd.id, cmd.account);
  if (!order) return reject(cmd.id, "amend", "unknown_order", out);
  if (order.state === OrderStates.stop) return amendStop(state, order, cmd, out);
  if (cmd.stopPrice !== undefined) return reject(order.id, "amend", "not_amendable", out);

  const price = cmd.price ?? order.price;
  const qty = cmd.qty ?? order.qty;
  if (price === order.price && qty === order.qty) return reject(order.id, "amend", "nothing_to_amend", out);
  if (qty <= order.filled) return reject(order.id, "amend", "amend_below_filled", out);
  if (!Number.isSafeInteger(price * qty)) return reject(order.id, "amend", "notional_overflow", out);
  const level = order.level as PriceLevel;

  if (price === order.price && qty < order.qty) {
    // Size down in place: the order keeps its queue position.
    const delta = order.qty - qty;
    order.qty = qty;
    order.remaining -= delta;
    level.total -= delta;
    touch(state, level);
    out[out.length] = amendedEvent(order, true);
    return;
  }
  if (price !== order.price && order.postOnly && crosses(state, order.side, price)) {
    return reject(order.id, "amend", "post_only_would_take", out);
  }
  // A new price or a larger size goes to the back of the queue, and a new price may trade.
  unrest(state, order);
  order.qty = qty;
  order.remaining = qty - order.filled;
  order.price = price;
  order.priority = state.nextPriority++;
  order.state = OrderStates.taking;
  out[out.length] = amendedEvent(order, false);
  take(state, order, out);
}

function amendStop(state: EngineState, order: Order, cmd: AmendOrder, out: EngineEvent[]): void {
  if (cmd.price !== undefined && order.kind !== "stop_limit") return reject(order.id, "amend", "not_amendable", out);
  if (cmd.qty !== undefined && order.funds > 0) return reject(order.id, "amend", "not_amendable", out);
  const stopPrice = cmd.stopPrice ?? order.stopPrice;
  const price = cmd.price ?? order.price;
  const qty = cmd.qty ?? order.qty;
  if (stopPrice === order.stopPrice && price === order.price && qty === order.qty) {
    return reject(order.id, "amend", "nothing_to_amend", out);
  }
  if (price > 0 && !Number.isSafeInteger(price * qty)) return reject(order.id, "amend", "notional_overflow", out);
  const book = stopsOf(state, order.side);
  if (state.lastPrice > 0 && book.triggers(stopPrice, state.lastPrice)) {
    return reject(order.id, "amend", "stop_would_trigger", out);
  }
  const keepsPriority = stopPrice === order.stopPrice && price === order.price && qty < order.qty;
  book.remove(order);
  order.stopPrice = stopPrice;
  order.price = price;
  order.qty = qty;
  order.remaining = qty;
  if (!keepsPriority) order.priority = state.nextPriority++;
  book.add(order);
  out[out.length] = amendedEvent(order, keepsPriority);
}
