/**
 * Rebuilds an instrument's book from its journal: the book's wire events
 * (`durable-objects/order-book/wire.ts` `toWireEvent`, stream `book`), folded in
 * `seq` order. Pure: no runtime imports.
 *
 * What each event says about the live orders:
 * - `accepted`: a new order, with its side, price, stop price and size; it joins the
 *   queue now (a stop waits off the book until triggered).
 * - `trade`: the maker's remaining size (`maker_remaining_size`, exact); the taker's
 *   remaining falls by the traded size (orders sized by funds never rest).
 * - `done`: the order leaves the book (filled, cancelled, expired).
 * - `amended`: new total size, remaining size, price and stop price; without
 *   `priority_kept` it goes to the back of its queue.
 * - `reduced`: the remaining size after self-trade prevention decremented it.
 * - `stop_triggered`: the stop becomes an order and joins the queue now.
 * - `level`: the aggregate of one price after a command, used as a cross-check.
 *
 * Every command ends with each order it touched resting or done, so after the
 * last event every order not done and not an untriggered stop is resting, in
 * the queue order the events gave it.
 */
import { parseDecimal } from "../decimal.ts";

/** One journal row of stream `book`. */
export interface BookJournalEvent {
  seq: number;
  type: string;
  body: Record<string, unknown>;
  /** When the book logged it, epoch ms (when the source reads it). */
  at?: number;
}

/** A resting order as the book's L3 view shows it. */
export interface RestingOrder {
  order_id: string;
  price: string;
  size: string;
}

/** A rebuilt order (resting or an untriggered stop). */
export interface RebuiltOrder {
  order_id: string;
  account: string;
  side: "buy" | "sell";
  /** Limit price (wire decimal); undefined for market and untriggered stop orders. */
  price: string | undefined;
  stop_price: string | undefined;
  /** Remaining size (wire decimal at the lot's precision). */
  remaining: string;
  /** Total size as last accepted or amended (filled included); undefined for orders sized by funds. */
  size: string | undefined;
  /** Queue position: lower joined earlier. */
  priority: number;
  stop: boolean;
  /** As accepted: order type, time in force, expiry (epoch ms), post-only, self-trade prevention. */
  order_type: string;
  time_in_force: string | undefined;
  expire_time: number | undefined;
  post_only: boolean;
  stp: string | undefined;
}

/** The book rebuilt from its journal. */
export interface RebuiltBook {
  /** Resting buys, best (highest) price first, each price in queue order. */
  bids: RestingOrder[];
  /** Resting sells, best (lowest) price first, each price in queue order. */
  asks: RestingOrder[];
  /** Untriggered stops by id. */
  stops: RebuiltOrder[];
  /** Every resting order with its account. */
  orders: RebuiltOrder[];
  /** The last seq folded (0 for an empty journal). */
  seq: number;
  /** The last trade's id and price (wire decimal), if the book ever traded. */
  last_trade_id: number | undefined;
  last_trade_price: string | undefined;
  /** Events of the book's public channels: its `level2` and `trades` channel sequences. */
  level_events: number;
  trade_events: number;
  /** Events folded. */
  events: number;
  /** Problems of the journal itself: gaps in seq, events about unknown orders, levels that disagree. */
  problems: string[];
}

const SCALE = 18;
const ONE = 10n ** BigInt(SCALE);

/** A wire decimal as an integer count of 10^-18 (exact for every wire decimal). */
function fixed(text: unknown): bigint {
  const d = typeof text === "string" ? parseDecimal(text) : null;
  if (d === null) throw new TypeError(`not a decimal: ${JSON.stringify(text)}`);
  return d.digits * 10n ** BigInt(SCALE - d.scale);
}

function scaleOf(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** `value` (10^-18 units) with exactly `scale` fraction digits. */
function format(value: bigint, scale: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const unit = 10n ** BigInt(SCALE - scale);
  const whole = abs / ONE;
  const frac = (abs % ONE) / unit;
  const text = scale === 0 ? `${whole}` : `${whole}.${frac.toString().padStart(scale, "0")}`;
  return negative ? `-${text}` : text;
}

interface Live {
  order_id: string;
  account: string;
  side: "buy" | "sell";
  price: string | undefined;
  stop_price: string | undefined;
  /** Remaining, 10^-18 units; undefined for orders sized by funds. */
  remaining: bigint | undefined;
  size: string | undefined;
  /** Fraction digits sizes print with. */
  sizeScale: number;
  priority: number;
  stop: boolean;
  order_type: string;
  time_in_force: string | undefined;
  expire_time: number | undefined;
  post_only: boolean;
  stp: string | undefined;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Folds `events` (sorted by seq) into the book they leave. */
export function foldBook(events: Iterable<BookJournalEvent>): RebuiltBook {
  const live = new Map<string, Live>();
  const levels = new Map<string, { side: string; price: string; size: bigint }>();
  const problems: string[] = [];
  let priority = 0;
  let last = 0;
  let count = 0;
  let sizeScale = 0;
  let lastTradeId: number | undefined;
  let lastTradePrice: string | undefined;
  let levelEvents = 0;
  let tradeEvents = 0;

  const get = (id: unknown, e: BookJournalEvent): Live | undefined => {
    const order = live.get(String(id));
    if (order === undefined) problems.push(`seq ${e.seq}: ${e.type} of an order not on the book: ${String(id)}`);
    return order;
  };

  for (const e of events) {
    count++;
    if (e.seq !== last + 1) {
      problems.push(last === 0 ? `the journal starts at seq ${e.seq}, not 1` : `gap: seq ${last} then ${e.seq}`);
    }
    last = e.seq;
    const b = e.body;
    switch (e.type) {
      case "accepted": {
        const size = str(b.size);
        if (size !== undefined) sizeScale = scaleOf(size);
        live.set(String(b.order_id), {
          order_id: String(b.order_id),
          account: String(b.account),
          side: b.side === "sell" ? "sell" : "buy",
          price: str(b.price),
          stop_price: str(b.stop_price),
          remaining: size === undefined ? undefined : fixed(size),
          size,
          sizeScale: size === undefined ? sizeScale : scaleOf(size),
          priority: ++priority,
          stop: str(b.stop_price) !== undefined,
          order_type: String(b.order_type),
          time_in_force: str(b.time_in_force),
          expire_time: typeof b.expire_time === "number" ? b.expire_time : undefined,
          post_only: b.post_only === true,
          stp: str(b.stp),
        });
        break;
      }
      case "trade": {
        tradeEvents++;
        if (typeof b.trade_id === "number") lastTradeId = b.trade_id;
        lastTradePrice = str(b.price) ?? lastTradePrice;
        const maker = get(b.maker_order_id, e);
        if (maker) maker.remaining = fixed(b.maker_remaining_size);
        const taker = get(b.taker_order_id, e);
        if (taker?.remaining !== undefined) taker.remaining -= fixed(b.size);
        break;
      }
      case "done":
        if (get(b.order_id, e)) live.delete(String(b.order_id));
        break;
      case "amended": {
        const order = get(b.order_id, e);
        if (!order) break;
        order.remaining = fixed(b.remaining_size);
        order.size = str(b.size) ?? order.size;
        order.price = str(b.price);
        order.stop_price = str(b.stop_price);
        if (b.priority_kept !== true) order.priority = ++priority;
        break;
      }
      case "reduced": {
        const order = get(b.order_id, e);
        if (order && order.remaining !== undefined) order.remaining = fixed(b.remaining_size);
        break;
      }
      case "stop_triggered": {
        const order = get(b.order_id, e);
        if (!order) break;
        order.stop = false;
        order.priority = ++priority;
        break;
      }
      case "level":
        levelEvents++;
        levels.set(`${b.side}\u0000${b.price}`, {
          side: String(b.side),
          price: String(b.price),
          size: fixed(b.size),
        });
        break;
      default:
        // `rejected` and anything newer change no resting order.
        break;
    }
  }

  const resting = [...live.values()].filter((o) => !o.stop && o.price !== undefined && (o.remaining ?? 0n) > 0n);
  const byQueue = (a: Live, b: Live) => a.priority - b.priority;
  const bids = resting
    .filter((o) => o.side === "buy")
    .sort((a, b) => compare(fixed(b.price), fixed(a.price)) || byQueue(a, b));
  const asks = resting
    .filter((o) => o.side === "sell")
    .sort((a, b) => compare(fixed(a.price), fixed(b.price)) || byQueue(a, b));
  const view = (o: Live): RestingOrder => ({
    order_id: o.order_id,
    price: o.price as string,
    size: format(o.remaining ?? 0n, o.sizeScale),
  });
  const rebuilt = (o: Live): RebuiltOrder => ({
    order_id: o.order_id,
    account: o.account,
    side: o.side,
    price: o.price,
    stop_price: o.stop_price,
    remaining: o.remaining === undefined ? "" : format(o.remaining, o.sizeScale),
    size: o.size,
    priority: o.priority,
    stop: o.stop,
    order_type: o.order_type,
    time_in_force: o.time_in_force,
    expire_time: o.expire_time,
    post_only: o.post_only,
    stp: o.stp,
  });

  // Cross-check: the levels the book reported equal the sums of the rebuilt orders.
  const sums = new Map<string, bigint>();
  for (const o of resting) {
    const k = `${o.side}\u0000${o.price}`;
    sums.set(k, (sums.get(k) ?? 0n) + (o.remaining ?? 0n));
  }
  for (const [k, level] of levels) {
    const sum = sums.get(k) ?? 0n;
    if (sum !== level.size) {
      problems.push(
        `level ${level.side} ${level.price}: the journal's last level says ${format(level.size, sizeScale)}, ` +
          `the rebuilt orders sum to ${format(sum, sizeScale)}`,
      );
    }
  }
  for (const [k, sum] of sums) {
    if (!levels.has(k)) problems.push(`level ${k.replace("\u0000", " ")}: orders sum to ${sum} but no level event`);
  }

  return {
    bids: bids.map(view),
    asks: asks.map(view),
    stops: [...live.values()].filter((o) => o.stop).map(rebuilt),
    orders: resting.sort(byQueue).map(rebuilt),
    seq: last,
    last_trade_id: lastTradeId,
    last_trade_price: lastTradePrice,
    level_events: levelEvents,
    trade_events: tradeEvents,
    events: count,
    problems,
  };
}

function compare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
