/**
 * An order record of the matching engine: its fields, states and views.
 * It does not import the price level it rests on (`price-level.ts` imports this
 * module): it refers to it as a {@link RestingLevel}.
 */
import type { OrderKind, OrderView, SelfTradePrevention, Side, TimeInForce } from "./types.ts";

/** Where an order is: resting on the book, waiting as a stop, being matched, or gone. */
export const OrderStates = { taking: 0, resting: 1, stop: 2, done: 3 } as const;
export type OrderState = (typeof OrderStates)[keyof typeof OrderStates];

/**
 * The price level an order rests on, as the order sees it. `PriceLevel`
 * implements it; code that works on the level narrows `order.level` to it.
 */
export interface RestingLevel {
  readonly side: Side;
  readonly price: number;
}

/**
 * The engine's mutable order record. A class (not object literals) so every
 * order shares one hidden class: the matching loop touches these fields millions
 * of times a second. Absent optional values are 0, never undefined.
 */
export class Order {
  // Declaration order is field order: what a cancel and the matching loop touch comes first,
  // so a resting order's hot fields share one or two cache lines.
  id: string;
  account: string;
  level: RestingLevel | null;
  prev: Order | null;
  next: Order | null;
  /** Open quantity (qty-sized orders). */
  remaining: number;
  /** Hash of `id` in the engine's id index (set before the order is looked up or listed). */
  hash: number;
  state: OrderState;
  /** In the engine's id index (resting or waiting as a stop). */
  listed: boolean;
  side: Side;
  priority: number;
  filled: number;
  /** Total quantity in lots; 0 when sized by funds. */
  qty: number;
  /** Limit price in ticks; 0 for market orders. */
  price: number;
  /** Unspent funds (funds-sized orders). */
  remainingFunds: number;
  /** Funds budget; 0 when sized by quantity. */
  funds: number;
  kind: OrderKind;
  tif: TimeInForce;
  stp: SelfTradePrevention;
  postOnly: boolean;
  /** Trigger price in ticks; 0 when not a stop. */
  stopPrice: number;
  /** Epoch ms; 0 = no expiry. */
  expireAt: number;
  /** In the expiry queue already (GTD orders are queued once). */
  queued: boolean;

  constructor(
    id: string,
    account: string,
    side: Side,
    kind: OrderKind,
    tif: TimeInForce,
    price: number,
    stopPrice: number,
    qty: number,
    funds: number,
    expireAt: number,
    postOnly: boolean,
    stp: SelfTradePrevention,
    priority: number,
  ) {
    this.id = id;
    this.account = account;
    this.side = side;
    this.kind = kind;
    this.tif = tif;
    this.price = price;
    this.stopPrice = stopPrice;
    this.qty = qty;
    this.funds = funds;
    this.filled = 0;
    this.remaining = qty;
    this.remainingFunds = funds;
    this.expireAt = expireAt;
    this.postOnly = postOnly;
    this.stp = stp;
    this.priority = priority;
    this.state = OrderStates.taking;
    this.queued = false;
    this.listed = false;
    this.hash = 0;
    this.level = null;
    this.prev = null;
    this.next = null;
  }

  /**
   * Re-initializes this object exactly as the constructor would: the engine
   * reuses one for takers predicted not to rest, saving an allocation.
   */
  init(
    id: string,
    account: string,
    side: Side,
    kind: OrderKind,
    tif: TimeInForce,
    price: number,
    stopPrice: number,
    qty: number,
    funds: number,
    expireAt: number,
    postOnly: boolean,
    stp: SelfTradePrevention,
    priority: number,
  ): this {
    this.id = id;
    this.account = account;
    this.side = side;
    this.kind = kind;
    this.tif = tif;
    this.price = price;
    this.stopPrice = stopPrice;
    this.qty = qty;
    this.funds = funds;
    this.filled = 0;
    this.remaining = qty;
    this.remainingFunds = funds;
    this.expireAt = expireAt;
    this.postOnly = postOnly;
    this.stp = stp;
    this.priority = priority;
    this.state = OrderStates.taking;
    this.queued = false;
    this.listed = false;
    this.hash = 0;
    this.level = null;
    this.prev = null;
    this.next = null;
    return this;
  }

  /** A fresh copy of an order that is not in any book structure (not listed, queued or linked). */
  clone(): Order {
    const copy = new Order(
      this.id,
      this.account,
      this.side,
      this.kind,
      this.tif,
      this.price,
      this.stopPrice,
      this.qty,
      this.funds,
      this.expireAt,
      this.postOnly,
      this.stp,
      this.priority,
    );
    copy.filled = this.filled;
    copy.remaining = this.remaining;
    copy.remainingFunds = this.remainingFunds;
    copy.state = this.state;
    copy.hash = this.hash;
    return copy;
  }

  toView(): OrderView {
    const view: OrderView = {
      id: this.id,
      account: this.account,
      side: this.side,
      kind: this.kind,
      tif: this.tif,
      filled: this.filled,
      remaining: this.remaining,
      postOnly: this.postOnly,
      stp: this.stp,
      state: this.state === OrderStates.stop ? "stop" : "resting",
      priority: this.priority,
    };
    if (this.price > 0) view.price = this.price;
    if (this.stopPrice > 0) view.stopPrice = this.stopPrice;
    if (this.qty > 0) view.qty = this.qty;
    if (this.funds > 0) view.funds = this.funds;
    if (this.expireAt > 0) view.expireAt = this.expireAt;
    return view;
  }
}
