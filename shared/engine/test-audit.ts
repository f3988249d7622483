/**
 * Invariant checks for the property tests: an independent account of every
 * order's quantity built only from events, a level-2 book rebuilt only from
 * level events, and structural checks of the live book.
 */
import type { MatchingEngine } from "./engine.ts";
import type { Command, EngineEvent, OrderView, Side } from "./types.ts";

interface OrderTally {
  bySize: boolean;
  submitted: number;
  qty: number;
  filled: number;
  cancelled: number;
  done: boolean;
  account: string;
  side: Side;
  limit: number;
}

/** Follows events to account for every lot submitted: filled, open, or cancelled/expired. */
export class QuantityAudit {
  private readonly orders = new Map<string, OrderTally>();
  private readonly finished: OrderTally[] = [];

  apply(events: readonly EngineEvent[]): void {
    for (const e of events) {
      switch (e.type) {
        case "accepted": {
          const previous = this.orders.get(e.id);
          if (previous) {
            if (!previous.done) throw new Error(`order ${e.id} accepted twice while live`);
            this.finished.push(previous);
          }
          this.orders.set(e.id, {
            bySize: e.qty !== undefined,
            submitted: e.qty ?? 0,
            qty: e.qty ?? 0,
            filled: 0,
            cancelled: 0,
            done: false,
            account: e.account,
            side: e.side,
            limit: e.price ?? 0,
          });
          break;
        }
        case "amended": {
          const o = this.must(e.id);
          o.submitted += e.qty - o.qty;
          o.qty = e.qty;
          if (e.price !== undefined) o.limit = e.price;
          break;
        }
        case "reduced": {
          const o = this.must(e.id);
          o.cancelled += e.by;
          if (o.bySize) o.qty -= e.by;
          break;
        }
        case "trade": {
          this.must(e.makerId).filled += e.qty;
          this.must(e.takerId).filled += e.qty;
          break;
        }
        case "done": {
          const o = this.must(e.id);
          if (o.done) throw new Error(`order ${e.id} done twice`);
          o.done = true;
          o.cancelled += e.remaining;
          break;
        }
        default:
          break;
      }
    }
  }

  /** Checks submitted = filled + open + cancelled for every quantity-sized order, against the engine's view. */
  check(engine: MatchingEngine): void {
    for (const [id, o] of this.orders) {
      const view = engine.order(id);
      if (o.done && view) throw new Error(`order ${id} reported done but still live`);
      if (!o.done && !view) throw new Error(`order ${id} vanished without a done event`);
      if (!o.bySize) continue;
      const open = view?.remaining ?? 0;
      if (o.submitted !== o.filled + open + o.cancelled) {
        throw new Error(
          `order ${id}: submitted ${o.submitted} ≠ filled ${o.filled} + open ${open} + cancelled ${o.cancelled}`,
        );
      }
      if (view && (view.filled !== o.filled || view.qty !== o.qty)) {
        throw new Error(
          `order ${id}: engine says filled ${view.filled}/qty ${view.qty}, events say ${o.filled}/${o.qty}`,
        );
      }
    }
    for (const o of this.finished) {
      if (o.bySize && o.submitted !== o.filled + o.cancelled)
        throw new Error("a finished order does not conserve quantity");
    }
  }

  private must(id: string): OrderTally {
    const tally = this.orders.get(id);
    if (!tally) throw new Error(`event for order ${id} before it was accepted`);
    return tally;
  }
}

/** A level-2 book kept only from `level` events, as a market-data client would. */
export class LevelMirror {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();

  apply(events: readonly EngineEvent[]): void {
    for (const e of events) {
      if (e.type !== "level") continue;
      const side = e.side === "buy" ? this.bids : this.asks;
      if (e.qty === 0) side.delete(e.price);
      else side.set(e.price, e.qty);
    }
  }

  check(engine: MatchingEngine): void {
    const depth = engine.depth();
    compareSide("bids", this.bids, depth.bids);
    compareSide("asks", this.asks, depth.asks);
  }
}

function compareSide(name: string, mirror: Map<number, number>, levels: Array<{ price: number; qty: number }>): void {
  if (mirror.size !== levels.length)
    throw new Error(`${name}: mirror has ${mirror.size} levels, engine ${levels.length}`);
  for (const level of levels) {
    if (mirror.get(level.price) !== level.qty) {
      throw new Error(`${name} @${level.price}: mirror ${mirror.get(level.price)}, engine ${level.qty}`);
    }
  }
}

/** The book is not crossed; levels are sorted and sum their orders; queues are in time order. */
export function checkBookShape(engine: MatchingEngine): void {
  const { bid, ask } = engine.bbo();
  if (bid && ask && bid.price >= ask.price) throw new Error(`crossed book: bid ${bid.price} ≥ ask ${ask.price}`);
  const { bids, asks } = engine.l3();
  checkQueue(bids, (a, b) => a > b);
  checkQueue(asks, (a, b) => a < b);
  const depth = engine.depth();
  for (const [orders, levels] of [
    [bids, depth.bids],
    [asks, depth.asks],
  ] as const) {
    for (const level of levels) {
      const sum = orders.filter((o) => o.price === level.price).reduce((s, o) => s + o.remaining, 0);
      if (sum !== level.qty || level.qty <= 0)
        throw new Error(`level ${level.price} total ${level.qty} ≠ orders ${sum}`);
    }
  }
}

function checkQueue(orders: OrderView[], better: (a: number, b: number) => boolean): void {
  for (let i = 1; i < orders.length; i++) {
    const prev = orders[i - 1] as OrderView;
    const cur = orders[i] as OrderView;
    if (prev.remaining <= 0 || cur.remaining <= 0) throw new Error("an empty order rests on the book");
    const samePrice = prev.price === cur.price;
    if (!samePrice && !better(prev.price as number, cur.price as number)) throw new Error("levels out of price order");
    if (samePrice && prev.priority >= cur.priority) throw new Error(`queue at ${cur.price} out of time order`);
  }
}

/**
 * Price-time priority of the command's own taker: its makers, in the order it
 * met them, form a prefix of the opposite side's queue (in priority order),
 * skipping only orders of the taker's own account (self-trade prevention).
 */
export function checkTakerPriority(
  before: { bids: OrderView[]; asks: OrderView[] },
  cmd: Command,
  events: readonly EngineEvent[],
): void {
  if (cmd.type !== "place" && cmd.type !== "amend") return;
  // Triggered stops execute after the command's own order, so its trades all meet the book as it was.
  const trades: Array<Extract<EngineEvent, { type: "trade" }>> = [];
  for (const e of events) {
    if (e.type === "trade" && e.takerId === cmd.id) trades.push(e);
  }
  if (trades.length === 0) return;
  const first = trades[0] as (typeof trades)[number];
  const queue = first.aggressor === "buy" ? before.asks : before.bids;
  let cursor = 0;
  for (const trade of trades) {
    while (cursor < queue.length && (queue[cursor] as OrderView).id !== trade.makerId) {
      const skipped = queue[cursor] as OrderView;
      if (skipped.account !== trade.takerAccount) {
        throw new Error(
          `trade ${trade.tradeId} with ${trade.makerId} jumped ${skipped.id} (priority ${skipped.priority})`,
        );
      }
      cursor++;
    }
    if (cursor === queue.length) throw new Error(`maker ${trade.makerId} was not on the book`);
    const maker = queue[cursor] as OrderView;
    if (maker.price !== trade.price) throw new Error(`trade at ${trade.price}, maker rested at ${maker.price}`);
    // A partially filled maker stays at the head for the next trade.
    if (trade.makerRemaining === 0) cursor++;
  }
}
