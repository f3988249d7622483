/**
 * Matching takers against the opposite side of the book in price-time
 * priority: new orders, re-priced amends and triggered stops. Each trade is
 * printed, may trigger stops, and fills makers; the taker then rests, is
 * cancelled or completes.
 */
import type { EngineState } from "./engine-state.ts";
import { touch } from "./level-changes.ts";
import { crosses, fillable } from "./liquidity.ts";
import { finish, rest, unrest } from "./live-orders.ts";
import type { Order } from "./order.ts";
import { preventSelfTrade } from "./self-trade.ts";
import { triggerStops } from "./stop-triggers.ts";
import type { DoneCause, EngineEvent } from "./types.ts";

/** Matches `taker` against the book, then rests, cancels or completes it. */
export function take(state: EngineState, taker: Order, out: EngineEvent[]): void {
  const stoppedBy = match(state, taker, out);
  const byFunds = taker.funds > 0;
  if (byFunds) {
    if (taker.remainingFunds === 0) finish(state, taker, "filled", "filled", out);
    else if (stoppedBy === "funds_exhausted") {
      // Less than one lot's worth of funds left: done, and "filled" if it bought anything.
      finish(state, taker, taker.filled > 0 ? "filled" : "cancelled", "funds_exhausted", out);
    } else if (stoppedBy !== null) finish(state, taker, "cancelled", stoppedBy, out);
    else finish(state, taker, "cancelled", "no_liquidity", out);
  } else if (taker.remaining === 0) finish(state, taker, "filled", "filled", out);
  else if (stoppedBy !== null) finish(state, taker, "cancelled", stoppedBy, out);
  else if (taker.kind === "market" || taker.kind === "stop") finish(state, taker, "cancelled", "no_liquidity", out);
  else if (taker.tif === "ioc" || taker.tif === "fok") finish(state, taker, "cancelled", "ioc_remainder", out);
  else rest(state, taker);
}

/**
 * The matching loop. Returns null when the taker is filled or the book no
 * longer crosses it, or the cause when it must stop early.
 */
function match(state: EngineState, taker: Order, out: EngineEvent[]): DoneCause | null {
  const isBuy = taker.side === "buy";
  const book = isBuy ? state.asks : state.bids;
  const limit = taker.price;
  const byFunds = taker.funds > 0;
  for (;;) {
    const level = book.best();
    if (level === undefined) return null;
    const price = level.price;
    if (limit > 0 && (isBuy ? price > limit : price < limit)) return null;
    let maker = level.head;
    while (maker !== null) {
      const next = maker.next;
      const want = byFunds ? Math.floor(taker.remainingFunds / price) : taker.remaining;
      if (want === 0) return byFunds ? "funds_exhausted" : null;
      if (maker.account === taker.account) {
        const cause = preventSelfTrade(state, taker, maker, level, want, out);
        if (cause !== null) return cause;
        maker = next;
        continue;
      }
      const qty = Math.min(want, maker.remaining);
      maker.remaining -= qty;
      maker.filled += qty;
      level.total -= qty;
      if (byFunds) taker.remainingFunds -= qty * price;
      else taker.remaining -= qty;
      taker.filled += qty;
      state.lastPrice = price;
      touch(state, level);
      out[out.length] = {
        type: "trade",
        tradeId: state.nextTradeId++,
        price,
        qty,
        aggressor: taker.side,
        makerId: maker.id,
        makerAccount: maker.account,
        takerId: taker.id,
        takerAccount: taker.account,
        makerRemaining: maker.remaining,
      };
      // Stops trigger on every print, not only on the command's last price.
      if (state.buyStops.size !== 0 || state.sellStops.size !== 0) triggerStops(state, price, out);
      if (maker.remaining === 0) {
        unrest(state, maker);
        finish(state, maker, "filled", "filled", out);
      }
      if (byFunds ? taker.remainingFunds === 0 : taker.remaining === 0) return null;
      maker = next;
    }
  }
}

/**
 * Executes triggered stops in trigger order, after the order whose trades
 * triggered them. Their own trades may trigger more, which join the queue.
 */
export function runTriggeredStops(state: EngineState, out: EngineEvent[]): void {
  const queue = state.triggered;
  for (let i = 0; i < queue.length; i++) {
    const order = queue[i] as Order;
    if (order.kind === "stop_limit" && order.postOnly && crosses(state, order.side, order.price)) {
      finish(state, order, "cancelled", "post_only", out);
    } else if (
      order.tif === "fok" &&
      !fillable(state, order.side, order.price, order.remaining, order.account, order.stp)
    ) {
      finish(state, order, "cancelled", "fok_not_fillable", out);
    } else {
      take(state, order, out);
    }
  }
  queue.length = 0;
}
