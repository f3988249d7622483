/**
 * Engine snapshots: capturing everything that decides an engine's future
 * behaviour as a serializable `EngineSnapshot`, and loading one back.
 */

import { stopViews } from "./book-views.ts";
import type { EngineState } from "./engine-state.ts";
import { list, scheduleExpiry } from "./live-orders.ts";
import { Order, OrderStates } from "./order.ts";
import type { EngineSnapshot, OrderView } from "./types.ts";

/** Captures everything that decides the engine's future behaviour. */
export function takeSnapshot(engine: EngineState): EngineSnapshot {
  return {
    version: 1,
    lastTradePrice: engine.lastPrice > 0 ? engine.lastPrice : null,
    nextTradeId: engine.nextTradeId,
    nextPriority: engine.nextPriority,
    now: engine.clock,
    resting: [...engine.bids.orders(), ...engine.asks.orders()],
    stops: stopViews(engine),
    options: { ...engine.options },
  };
}

/** Loads `snapshot` into a fresh engine, preserving queue order and priorities. */
export function restoreInto(engine: EngineState, snapshot: EngineSnapshot): void {
  if (snapshot?.version !== 1) throw new TypeError(`unsupported engine snapshot version: ${String(snapshot?.version)}`);
  engine.lastPrice = snapshot.lastTradePrice ?? 0;
  engine.nextTradeId = snapshot.nextTradeId;
  engine.nextPriority = snapshot.nextPriority;
  engine.clock = snapshot.now;
  for (const view of snapshot.resting) {
    const order = fromView(view);
    order.hash = engine.live.hash(order.id);
    order.state = OrderStates.resting;
    (order.side === "buy" ? engine.bids : engine.asks).getOrCreate(order.price).append(order);
    list(engine, order);
    scheduleExpiry(engine, order);
  }
  for (const view of snapshot.stops) {
    const order = fromView(view);
    order.hash = engine.live.hash(order.id);
    order.state = OrderStates.stop;
    (order.side === "buy" ? engine.buyStops : engine.sellStops).add(order);
    list(engine, order);
    scheduleExpiry(engine, order);
  }
}

function fromView(view: OrderView): Order {
  const order = new Order(
    view.id,
    view.account,
    view.side,
    view.kind,
    view.tif,
    view.price ?? 0,
    view.stopPrice ?? 0,
    view.qty ?? 0,
    view.funds ?? 0,
    view.expireAt ?? 0,
    view.postOnly,
    view.stp,
    view.priority,
  );
  order.filled = view.filled;
  order.remaining = view.remaining;
  return order;
}
