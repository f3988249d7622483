/**
 * Builders of the engine's events that more than one command emits:
 * accepted, rejected, amended and reduced.
 *
 * Events keep few shapes per type (absent values as undefined, which JSON drops):
 * adding properties one by one would give each combination its own hidden class.
 */
import type { Order } from "./order.ts";
import type { Command, EngineEvent, RejectReason } from "./types.ts";
import { isId } from "./validate.ts";

export function rejectedEvent(
  id: string | undefined,
  command: Command["type"] | "unknown",
  reason: RejectReason,
): EngineEvent {
  // Only a well-formed id is echoed: a rejected one may be anything, of any size.
  return { type: "rejected", id: isId(id) ? id : undefined, command, reason };
}

/** Appends a rejection of `command` to `out`. */
export function reject(
  id: string | undefined,
  command: Command["type"] | "unknown",
  reason: RejectReason,
  out: EngineEvent[],
): void {
  out[out.length] = rejectedEvent(id, command, reason);
}

export function acceptedEvent(order: Order): EngineEvent {
  if (order.kind === "limit" && order.expireAt === 0) {
    // Most orders: a limit without expiry has no stop price, funds or expiry, so its
    // event leaves them out (24 bytes less to allocate on the commonest command).
    return {
      type: "accepted",
      id: order.id,
      account: order.account,
      side: order.side,
      kind: order.kind,
      tif: order.tif,
      price: order.price,
      qty: order.qty,
      postOnly: order.postOnly,
      stp: order.stp,
    };
  }
  return {
    type: "accepted",
    id: order.id,
    account: order.account,
    side: order.side,
    kind: order.kind,
    tif: order.tif,
    price: order.price > 0 ? order.price : undefined,
    stopPrice: order.stopPrice > 0 ? order.stopPrice : undefined,
    qty: order.qty > 0 ? order.qty : undefined,
    funds: order.funds > 0 ? order.funds : undefined,
    expireAt: order.expireAt > 0 ? order.expireAt : undefined,
    postOnly: order.postOnly,
    stp: order.stp,
  };
}

export function amendedEvent(order: Order, priorityKept: boolean): EngineEvent {
  return {
    type: "amended",
    id: order.id,
    account: order.account,
    qty: order.qty,
    remaining: order.remaining,
    price: order.price > 0 ? order.price : undefined,
    stopPrice: order.stopPrice > 0 ? order.stopPrice : undefined,
    priorityKept,
  };
}

export function reducedEvent(order: Order, by: number): EngineEvent {
  return {
    type: "reduced",
    id: order.id,
    account: order.account,
    by,
    remaining: order.remaining,
    remainingFunds: order.remainingFunds,
    cause: "self_trade",
  };
}
