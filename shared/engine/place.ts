/**
 * The place command: validates a new order, admits it or rejects it (duplicate
 * id, a stop that would trigger at once, post-only that would take, FOK that
 * cannot fill), then files it as a stop, rests it, or matches it.
 */
import type { EngineState } from "./engine-state.ts";
import { acceptedEvent, rejectedEvent } from "./events.ts";
import { flushLevels } from "./level-changes.ts";
import { crosses, fillable } from "./liquidity.ts";
import { list, restUntouched, scheduleExpiry } from "./live-orders.ts";
import { runTriggeredStops, take } from "./matching.ts";
import { OrderStates } from "./order.ts";
import { stopsOf } from "./stop-triggers.ts";
import type { EngineEvent, PlaceOrder, RejectReason } from "./types.ts";
import { orderFromPlace } from "./validate.ts";

/**
 * Runs a place command. With `out` undefined (no caller array, no GTD order due)
 * this is the whole command: it returns its events, as an exact-size literal when
 * the order simply rests, or in a fresh array with the stops and level events done.
 * Otherwise it appends to `out` and leaves stops and level events to the caller.
 */
export function place(state: EngineState, cmd: PlaceOrder, out: EngineEvent[] | undefined): EngineEvent[] {
  // Market orders and limits that cross mostly never rest: they are built in
  // the engine's scratch order, copied into a fresh one only if they do rest.
  // (The raw fields only guide this choice; validation decides the rest.)
  const kind = cmd.kind;
  const crossing = kind === "limit" && typeof cmd.price === "number" && crosses(state, cmd.side, cmd.price);
  const order = orderFromPlace(
    cmd,
    state.options,
    state.clock,
    crossing || kind === "market" ? state.scratch : undefined,
  );
  if (typeof order === "string") return rejectPlace(cmd.id, order, out);
  order.hash = state.live.hash(order.id);
  if (state.live.get(order.id, order.hash) !== undefined) return rejectPlace(order.id, "duplicate_order_id", out);
  const isStop = order.stopPrice > 0;
  if (isStop) {
    if (state.lastPrice > 0 && stopsOf(state, order.side).triggers(order.stopPrice, state.lastPrice)) {
      return rejectPlace(order.id, "stop_would_trigger", out);
    }
  } else {
    if (order.postOnly && crosses(state, order.side, order.price)) {
      return rejectPlace(order.id, "post_only_would_take", out);
    }
    if (order.tif === "fok" && !fillable(state, order.side, order.price, order.qty, order.account, order.stp)) {
      return rejectPlace(order.id, "fok_not_fillable", out);
    }
  }
  order.priority = state.nextPriority++;
  const accepted = acceptedEvent(order);
  if (isStop) {
    order.state = OrderStates.stop;
    list(state, order);
    stopsOf(state, order.side).add(order);
    scheduleExpiry(state, order);
    if (out === undefined) return [accepted];
    out[out.length] = accepted;
    return out;
  }
  if (out === undefined) {
    if (order.kind === "limit" && !crossing && (order.tif === "gtc" || order.tif === "gtd")) {
      // A passive limit: it rests, and its level is the only one the command changes.
      const level = restUntouched(state, order);
      return [accepted, { type: "level", side: level.side, price: level.price, qty: level.total }];
    }
    // Not `[accepted]`: its one-element store would be copied into a larger one at the first trade.
    out = [];
    out[0] = accepted;
    take(state, order, out);
    if (state.triggered.length > 0) runTriggeredStops(state, out);
    if (state.touchedCount > 0) flushLevels(state, out);
    return out;
  }
  out[out.length] = accepted;
  take(state, order, out);
  return out;
}

function rejectPlace(id: string | undefined, reason: RejectReason, out: EngineEvent[] | undefined): EngineEvent[] {
  if (out === undefined) return [rejectedEvent(id, "place", reason)];
  out[out.length] = rejectedEvent(id, "place", reason);
  return out;
}
