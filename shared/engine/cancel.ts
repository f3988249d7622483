/**
 * The cancel and cancel-all commands: taking live orders (resting or stops)
 * off the book at their owner's request.
 */
import type { EngineState } from "./engine-state.ts";
import { reject } from "./events.ts";
import { owned, removeLive } from "./live-orders.ts";
import { type Order, OrderStates } from "./order.ts";
import type { PriceLevel } from "./price-level.ts";
import type { CancelAll, CancelOrder, EngineEvent } from "./types.ts";
import { isId } from "./validate.ts";

/**
 * A cancel of a resting order, with no caller array (and no GTD order due):
 * its done and level events, or undefined for the general path (`cancel`).
 */
export function cancelResting(state: EngineState, cmd: CancelOrder): EngineEvent[] | undefined {
  const id = cmd.id;
  if (!isId(id)) return undefined;
  const order = owned(state, id, cmd.account);
  if (order === undefined || order.state !== OrderStates.resting) return undefined;
  const level = order.level as PriceLevel;
  level.total -= order.remaining;
  level.unlink(order);
  if (level.count === 0) (level.side === "buy" ? state.bids : state.asks).remove(level);
  state.live.remove(order);
  order.listed = false;
  order.state = OrderStates.done;
  return [
    {
      type: "done",
      id: order.id,
      account: order.account,
      side: order.side,
      reason: "cancelled",
      cause: "user",
      remaining: order.remaining,
      remainingFunds: order.remainingFunds,
    },
    { type: "level", side: level.side, price: level.price, qty: level.removed ? 0 : level.total },
  ];
}

export function cancel(state: EngineState, cmd: CancelOrder, out: EngineEvent[]): void {
  if (!isId(cmd.id)) return reject(undefined, "cancel", "invalid_order_id", out);
  const order = owned(state, cmd.id, cmd.account);
  if (!order) return reject(cmd.id, "cancel", "unknown_order", out);
  removeLive(state, order, "cancelled", "user", out);
}

export function cancelAll(state: EngineState, cmd: CancelAll, out: EngineEvent[]): void {
  if (!isId(cmd.account)) return reject(undefined, "cancel_all", "invalid_account", out);
  if (cmd.side !== undefined && cmd.side !== "buy" && cmd.side !== "sell") {
    return reject(undefined, "cancel_all", "invalid_side", out);
  }
  // Collect first (cancelling mutates `live`), then cancel oldest first so replays and restores agree.
  const targets: Order[] = [];
  for (const order of state.live.values()) {
    if (order.account === cmd.account && (cmd.side === undefined || order.side === cmd.side)) targets.push(order);
  }
  targets.sort((a, b) => a.priority - b.priority);
  for (const order of targets) removeLive(state, order, "cancelled", "cancel_all", out);
}
