/**
 * Seeds a fresh matching engine with a rebuilt book: every resting order placed
 * again in queue order with its remaining size (and every untriggered stop), so
 * nothing crosses and each price keeps its queue. The engine's L3 must then equal
 * the rebuilt one: the Node-side proof that the journal alone restores a fresh
 * OrderBook's resting state.
 *
 * What this seed does not carry (a fresh object restored this way would need it
 * from elsewhere): how much of each order was filled before (its total size), the
 * next trade id and the last trade price (from the journal's last `trade`), and the
 * book's event `seq`, feed channel sequences and outbox.
 */
import { MatchingEngine } from "../engine/index.ts";
import type {
  EngineOptions,
  EngineSnapshot,
  OrderKind,
  OrderView,
  PlaceOrder,
  SelfTradePrevention,
  TimeInForce,
} from "../engine/types.ts";
import type { RebuiltBook, RebuiltOrder, RestingOrder } from "./book.ts";

/** Wire decimal ↔ engine units of one instrument (`InstrumentUnits` has this shape). */
export interface Units {
  ticks(value: string): number | string;
  lots(value: string): number | string;
  price(ticks: number): string;
  size(lots: number): string;
}

/**
 * The engine snapshot a fresh OrderBook object is restored from (`OrderBook.restoreFromReplay`):
 * every resting order and untriggered stop with its id, account, side, kind, time in force,
 * price, stop price, total and remaining size, expiry, post-only and self-trade prevention,
 * and the counters the journal gives (last trade price, next trade id).
 *
 * Exact: ids, accounts, prices, remaining sizes, queue order per price, the total size
 * (`accepted`/`amended`, so `filled` = total − remaining), last trade price and next trade id.
 * Approximated: priority stamps are the fold's own counter (one per join of a queue), not the
 * live engine's numbers, so they order the same but differ; `now` (the engine clock) is the
 * restore time. Not restored (listed in `skipped`): stops sized by funds.
 */
export function replaySnapshot(
  book: Pick<RebuiltBook, "orders" | "stops" | "last_trade_id" | "last_trade_price">,
  units: Units,
  options: Required<EngineOptions>,
  now = 0,
): { snapshot: EngineSnapshot; skipped: string[] } {
  const skipped: string[] = [];
  const count = (o: RebuiltOrder, n: number | string, what: string) => {
    if (typeof n !== "number") throw new RangeError(`${o.order_id}: ${what} is ${n}`);
    return n;
  };
  const view = (o: RebuiltOrder, state: OrderView["state"]): OrderView | undefined => {
    if (o.remaining === "") {
      skipped.push(`${o.order_id}: a stop sized by funds is not restored`);
      return undefined;
    }
    const remaining = count(o, units.lots(o.remaining), "size");
    const qty = o.size === undefined ? remaining : Math.max(remaining, count(o, units.lots(o.size), "size"));
    const v: OrderView = {
      id: o.order_id,
      account: o.account,
      side: o.side,
      kind: (state === "stop" ? o.order_type : "limit") as OrderKind,
      tif: (o.time_in_force ?? "gtc") as TimeInForce,
      qty,
      filled: qty - remaining,
      remaining,
      postOnly: o.post_only,
      stp: (o.stp ?? "cancel_newest") as SelfTradePrevention,
      state,
      priority: o.priority,
    };
    if (o.price !== undefined) v.price = count(o, units.ticks(o.price), "price");
    if (o.stop_price !== undefined && state === "stop") v.stopPrice = count(o, units.ticks(o.stop_price), "stop_price");
    if (o.expire_time !== undefined) v.expireAt = o.expire_time;
    return v;
  };
  const byPriority = (a: RebuiltOrder, b: RebuiltOrder) => a.priority - b.priority;
  // Bids then asks, best price first, each price in queue order (what `MatchingEngine.restore` expects).
  const resting = [...book.orders]
    .sort(byPriority)
    .flatMap((o) => view(o, "resting") ?? [])
    .sort((a, b) =>
      a.side !== b.side
        ? a.side === "buy"
          ? -1
          : 1
        : (a.side === "buy" ? (b.price ?? 0) - (a.price ?? 0) : (a.price ?? 0) - (b.price ?? 0)) ||
          a.priority - b.priority,
    );
  const stops = [...book.stops].sort(byPriority).flatMap((o) => view(o, "stop") ?? []);
  const top = Math.max(0, ...resting.map((o) => o.priority), ...stops.map((o) => o.priority));
  const lastPrice = book.last_trade_price === undefined ? null : units.ticks(book.last_trade_price);
  return {
    snapshot: {
      version: 1,
      lastTradePrice: typeof lastPrice === "number" ? lastPrice : null,
      nextTradeId: (book.last_trade_id ?? 0) + 1,
      nextPriority: top + 1,
      now,
      resting,
      stops,
      options,
    },
    skipped,
  };
}

/** A fresh engine holding `book`'s resting orders and stops, and its L3 in wire form. */
export function restoreEngine(
  book: Pick<RebuiltBook, "orders" | "stops">,
  units: Units,
  now = 0,
): { engine: MatchingEngine; l3: { bids: RestingOrder[]; asks: RestingOrder[] }; rejected: string[] } {
  const engine = new MatchingEngine();
  const rejected: string[] = [];
  const seeds = [...book.orders, ...book.stops].sort((a, b) => a.priority - b.priority);
  for (const o of seeds) {
    if (o.remaining === "") {
      rejected.push(`${o.order_id}: a stop sized by funds is not restored by this seed`);
      continue;
    }
    const count = (n: number | string, what: string) => {
      if (typeof n !== "number") throw new RangeError(`${o.order_id}: ${what} is ${n}`);
      return n;
    };
    const cmd: PlaceOrder = {
      type: "place",
      id: o.order_id,
      account: o.account,
      side: o.side,
      kind: (o.stop ? o.order_type : "limit") as OrderKind,
      qty: count(units.lots(o.remaining), "size"),
      tif: (o.time_in_force ?? "gtc") as TimeInForce,
      postOnly: o.post_only,
      stp: (o.stp ?? "cancel_newest") as SelfTradePrevention,
    };
    if (o.price !== undefined) cmd.price = count(units.ticks(o.price), "price");
    if (o.stop && o.stop_price !== undefined) cmd.stopPrice = count(units.ticks(o.stop_price), "stop_price");
    if (o.expire_time !== undefined) cmd.expireAt = o.expire_time;
    for (const e of engine.execute(cmd, now)) {
      if (e.type === "rejected") rejected.push(`${o.order_id}: ${e.reason}`);
    }
  }
  const { bids, asks } = engine.l3();
  const view = (o: (typeof bids)[number]): RestingOrder => ({
    order_id: o.id,
    price: units.price(o.price as number),
    size: units.size(o.remaining),
  });
  return { engine, l3: { bids: bids.map(view), asks: asks.map(view) }, rejected };
}
