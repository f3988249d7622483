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
import type { OrderKind, PlaceOrder, SelfTradePrevention, TimeInForce } from "../engine/types.ts";
import type { RebuiltBook, RestingOrder } from "./book.ts";

/** Wire decimal ↔ engine units of one instrument (`InstrumentUnits` has this shape). */
export interface Units {
  ticks(value: string): number | string;
  lots(value: string): number | string;
  price(ticks: number): string;
  size(lots: number): string;
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
