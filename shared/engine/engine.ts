import { BookSide } from "./book-side.ts";
import { ExpiryQueue } from "./expiry-queue.ts";
import { Order, OrderStates } from "./order.ts";
import { OrderIndex } from "./order-index.ts";
import type { PriceLevel } from "./price-level.ts";
import { restoreInto, takeSnapshot } from "./snapshot.ts";
import { StopBook } from "./stop-book.ts";
import type {
  AmendOrder,
  Bbo,
  CancelAll,
  CancelOrder,
  Command,
  DepthLevel,
  DoneCause,
  DoneReason,
  EngineEvent,
  EngineOptions,
  EngineSnapshot,
  OrderView,
  PlaceOrder,
  RejectReason,
  Side,
} from "./types.ts";
import { checkAmend, isId, orderFromPlace } from "./validate.ts";

const DEFAULT_LIMIT = 2 ** 31;

/**
 * A price-time priority matching engine for one instrument.
 *
 * Pure and deterministic: the only inputs are commands and the clock passed to
 * `execute`, so replaying the same commands (or restoring a snapshot and
 * continuing) yields the same events. Every command returns its events in
 * order; a rejected command changes nothing.
 */
export class MatchingEngine {
  /** @internal */ readonly bids = new BookSide("buy");
  /** @internal */ readonly asks = new BookSide("sell");
  /** @internal */ readonly buyStops = new StopBook("buy");
  /** @internal */ readonly sellStops = new StopBook("sell");
  /** @internal */ readonly expiries = new ExpiryQueue();
  /** Resting orders and untriggered stops by id. @internal */
  readonly live = new OrderIndex();
  readonly options: Required<EngineOptions>;
  /** @internal */ lastPrice = 0;
  /** @internal */ nextTradeId = 1;
  /** @internal */ nextPriority = 1;
  /** @internal */ clock = 0;

  private stamp = 0;
  /**
   * Levels changed by the current command: the first `touchedCount` entries.
   * A count rather than `length = 0`, which is a slow runtime call (it also drops the backing store).
   */
  private readonly touched: PriceLevel[] = [];
  private touchedCount = 0;
  /** Stops triggered during the current command, waiting to execute. */
  private readonly triggered: Order[] = [];
  /** The taker being matched when it is not expected to rest (see `place`); never listed or linked. */
  private readonly scratch = new Order("", "", "buy", "market", "ioc", 0, 0, 0, 0, 0, false, "cancel_newest", 0);

  constructor(options: EngineOptions = {}) {
    const maxPrice = options.maxPrice ?? DEFAULT_LIMIT;
    const maxQty = options.maxQty ?? DEFAULT_LIMIT;
    if (!Number.isSafeInteger(maxPrice) || maxPrice <= 0)
      throw new RangeError("maxPrice must be a positive safe integer");
    if (!Number.isSafeInteger(maxQty) || maxQty <= 0) throw new RangeError("maxQty must be a positive safe integer");
    this.options = { maxPrice, maxQty };
  }

  /** Rebuilds an engine that behaves exactly like the one that took `snapshot`. */
  static restore(snapshot: EngineSnapshot): MatchingEngine {
    const engine = new MatchingEngine(snapshot.options);
    restoreInto(engine, snapshot);
    return engine;
  }

  /**
   * Runs one command at time `now` (epoch ms; a clock that goes backwards is
   * held at its latest value). GTD orders due by `now` expire first. Events are
   * appended to `out` when given, so a hot loop can reuse one array.
   *
   * Every method that emits events takes `out` as an argument (rather than an
   * engine field: storing each command's fresh array into the long-lived engine
   * costs a write barrier) and appends with `out[out.length] = event`, not
   * `push`: a fresh `[]` starts with Smi elements, and TurboFan calls the
   * `push` builtin instead of inlining it when the elements kind must change.
   */
  execute(cmd: Command, now: number, out?: EngineEvent[]): EngineEvent[] {
    this.stamp++;
    if (typeof now === "number" && now > this.clock) this.clock = now;
    if (out === undefined) {
      // Most commands rest one order or cancel one: they return their two events
      // as an exact-size array literal (64 B instead of a growable 184 B array).
      if (typeof cmd === "object" && cmd !== null && (this.expiries.size === 0 || !this.expiryDue())) {
        const type = cmd.type;
        if (type === "place") return this.place(cmd, undefined);
        if (type === "cancel") {
          const events = this.cancelResting(cmd);
          if (events !== undefined) return events;
        }
      }
      out = [];
    }
    if (this.expiries.size > 0) this.expireDue(out);
    if (typeof cmd !== "object" || cmd === null) {
      this.reject(undefined, "unknown", "invalid_command", out);
    } else {
      switch (cmd.type) {
        case "place":
          this.place(cmd, out);
          break;
        case "cancel":
          this.cancel(cmd, out);
          break;
        case "cancel_all":
          this.cancelAll(cmd, out);
          break;
        case "amend":
          this.amend(cmd, out);
          break;
        case "tick":
          break;
        default:
          this.reject(undefined, "unknown", "invalid_command", out);
      }
      this.endCommand(out);
    }
    if (this.touchedCount > 0) this.flushLevels(out);
    return out;
  }

  /** Runs the stops the command triggered. */
  private endCommand(out: EngineEvent[]): void {
    if (this.triggered.length > 0) this.runTriggeredStops(out);
  }

  // ── queries ────────────────────────────────────────────────────────────

  bbo(): Bbo {
    const bbo: Bbo = {};
    const bid = this.bids.best();
    const ask = this.asks.best();
    if (bid) bbo.bid = { price: bid.price, qty: bid.total };
    if (ask) bbo.ask = { price: ask.price, qty: ask.total };
    return bbo;
  }

  /** L2: aggregated levels from the touch outwards, at most `levels` per side. */
  depth(levels = Number.POSITIVE_INFINITY): { bids: DepthLevel[]; asks: DepthLevel[] } {
    return { bids: this.bids.depth(levels), asks: this.asks.depth(levels) };
  }

  /** L3: every resting order, best price first, each level in queue order. */
  l3(): { bids: OrderView[]; asks: OrderView[] } {
    return { bids: this.bids.orders(), asks: this.asks.orders() };
  }

  /** A resting order or untriggered stop. Orders that are done are not kept. */
  order(id: string): OrderView | undefined {
    return typeof id === "string" ? this.live.get(id, this.live.hash(id))?.toView() : undefined;
  }

  /** Untriggered stops, buys then sells, each in trigger order. */
  stops(): OrderView[] {
    return [...this.buyStops.inTriggerOrder(), ...this.sellStops.inTriggerOrder()].map((o) => o.toView());
  }

  get lastTradePrice(): number | undefined {
    return this.lastPrice > 0 ? this.lastPrice : undefined;
  }

  /** The engine's clock: the latest `now` it has seen. */
  get now(): number {
    return this.clock;
  }

  /** When the next GTD order expires (for scheduling an alarm), if any. */
  nextExpiry(): number | undefined {
    return this.expiries.peek(isLive)?.expireAt;
  }

  snapshot(): EngineSnapshot {
    return takeSnapshot(this);
  }

  /** The scalar part of a snapshot: cheap to read after every command, for incremental persistence. */
  counters(): Pick<EngineSnapshot, "lastTradePrice" | "nextTradeId" | "nextPriority" | "now"> {
    return {
      lastTradePrice: this.lastPrice > 0 ? this.lastPrice : null,
      nextTradeId: this.nextTradeId,
      nextPriority: this.nextPriority,
      now: this.clock,
    };
  }

  // ── commands ───────────────────────────────────────────────────────────

  /**
   * With `out` undefined (no caller array, no GTD order due) this is the whole
   * command: it returns its events, as an exact-size literal when the order
   * simply rests, or in a fresh array with the stops and level events done.
   */
  private place(cmd: PlaceOrder, out: EngineEvent[] | undefined): EngineEvent[] {
    // Market orders and limits that cross mostly never rest: they are built in
    // the engine's scratch order, copied into a fresh one only if they do rest.
    // (The raw fields only guide this choice; validation decides the rest.)
    const kind = cmd.kind;
    const crossing = kind === "limit" && typeof cmd.price === "number" && this.crosses(cmd.side, cmd.price);
    const order = orderFromPlace(
      cmd,
      this.options,
      this.clock,
      crossing || kind === "market" ? this.scratch : undefined,
    );
    if (typeof order === "string") return this.rejectPlace(cmd.id, order, out);
    order.hash = this.live.hash(order.id);
    if (this.live.get(order.id, order.hash) !== undefined) return this.rejectPlace(order.id, "duplicate_order_id", out);
    const isStop = order.stopPrice > 0;
    if (isStop) {
      if (this.lastPrice > 0 && this.stopsOf(order.side).triggers(order.stopPrice, this.lastPrice)) {
        return this.rejectPlace(order.id, "stop_would_trigger", out);
      }
    } else {
      if (order.postOnly && this.crosses(order.side, order.price)) {
        return this.rejectPlace(order.id, "post_only_would_take", out);
      }
      if (order.tif === "fok" && !this.fillable(order.side, order.price, order.qty, order.account, order.stp)) {
        return this.rejectPlace(order.id, "fok_not_fillable", out);
      }
    }
    order.priority = this.nextPriority++;
    const accepted = acceptedEvent(order);
    if (isStop) {
      order.state = OrderStates.stop;
      this.list(order);
      this.stopsOf(order.side).add(order);
      this.scheduleExpiry(order);
      if (out === undefined) return [accepted];
      out[out.length] = accepted;
      return out;
    }
    if (out === undefined) {
      if (order.kind === "limit" && !crossing && (order.tif === "gtc" || order.tif === "gtd")) {
        // A passive limit: it rests, and its level is the only one the command changes.
        const level = this.restUntouched(order);
        return [accepted, { type: "level", side: level.side, price: level.price, qty: level.total }];
      }
      // Not `[accepted]`: its one-element store would be copied into a larger one at the first trade.
      out = [];
      out[0] = accepted;
      this.take(order, out);
      this.endCommand(out);
      if (this.touchedCount > 0) this.flushLevels(out);
      return out;
    }
    out[out.length] = accepted;
    this.take(order, out);
    return out;
  }

  private rejectPlace(id: string | undefined, reason: RejectReason, out: EngineEvent[] | undefined): EngineEvent[] {
    if (out === undefined) return [rejectedEvent(id, "place", reason)];
    out[out.length] = rejectedEvent(id, "place", reason);
    return out;
  }

  /** A cancel of a resting order, with no caller array: its done and level events, or undefined for the general path. */
  private cancelResting(cmd: CancelOrder): EngineEvent[] | undefined {
    const id = cmd.id;
    if (!isId(id)) return undefined;
    const order = this.owned(id, cmd.account);
    if (order === undefined || order.state !== OrderStates.resting) return undefined;
    const level = order.level as PriceLevel;
    level.total -= order.remaining;
    level.unlink(order);
    if (level.count === 0) (level.side === "buy" ? this.bids : this.asks).remove(level);
    this.live.remove(order);
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

  private cancel(cmd: CancelOrder, out: EngineEvent[]): void {
    if (!isId(cmd.id)) return this.reject(undefined, "cancel", "invalid_order_id", out);
    const order = this.owned(cmd.id, cmd.account);
    if (!order) return this.reject(cmd.id, "cancel", "unknown_order", out);
    this.removeLive(order, "cancelled", "user", out);
  }

  private cancelAll(cmd: CancelAll, out: EngineEvent[]): void {
    if (!isId(cmd.account)) return this.reject(undefined, "cancel_all", "invalid_account", out);
    if (cmd.side !== undefined && cmd.side !== "buy" && cmd.side !== "sell") {
      return this.reject(undefined, "cancel_all", "invalid_side", out);
    }
    // Collect first (cancelling mutates `live`), then cancel oldest first so replays and restores agree.
    const targets: Order[] = [];
    for (const order of this.live.values()) {
      if (order.account === cmd.account && (cmd.side === undefined || order.side === cmd.side)) targets.push(order);
    }
    targets.sort((a, b) => a.priority - b.priority);
    for (const order of targets) this.removeLive(order, "cancelled", "cancel_all", out);
  }

  private amend(cmd: AmendOrder, out: EngineEvent[]): void {
    const bad = checkAmend(cmd, this.options);
    if (bad) return this.reject(isId(cmd.id) ? cmd.id : undefined, "amend", bad, out);
    const order = this.owned(cmd.id, cmd.account);
    if (!order) return this.reject(cmd.id, "amend", "unknown_order", out);
    if (order.state === OrderStates.stop) return this.amendStop(order, cmd, out);
    if (cmd.stopPrice !== undefined) return this.reject(order.id, "amend", "not_amendable", out);

    const price = cmd.price ?? order.price;
    const qty = cmd.qty ?? order.qty;
    if (price === order.price && qty === order.qty) return this.reject(order.id, "amend", "nothing_to_amend", out);
    if (qty <= order.filled) return this.reject(order.id, "amend", "amend_below_filled", out);
    if (!Number.isSafeInteger(price * qty)) return this.reject(order.id, "amend", "notional_overflow", out);
    const level = order.level as PriceLevel;

    if (price === order.price && qty < order.qty) {
      // Size down in place: the order keeps its queue position.
      const delta = order.qty - qty;
      order.qty = qty;
      order.remaining -= delta;
      level.total -= delta;
      this.touch(level);
      out[out.length] = amendedEvent(order, true);
      return;
    }
    if (price !== order.price && order.postOnly && this.crosses(order.side, price)) {
      return this.reject(order.id, "amend", "post_only_would_take", out);
    }
    // A new price or a larger size goes to the back of the queue, and a new price may trade.
    this.unrest(order);
    order.qty = qty;
    order.remaining = qty - order.filled;
    order.price = price;
    order.priority = this.nextPriority++;
    order.state = OrderStates.taking;
    out[out.length] = amendedEvent(order, false);
    this.take(order, out);
  }

  private amendStop(order: Order, cmd: AmendOrder, out: EngineEvent[]): void {
    if (cmd.price !== undefined && order.kind !== "stop_limit")
      return this.reject(order.id, "amend", "not_amendable", out);
    if (cmd.qty !== undefined && order.funds > 0) return this.reject(order.id, "amend", "not_amendable", out);
    const stopPrice = cmd.stopPrice ?? order.stopPrice;
    const price = cmd.price ?? order.price;
    const qty = cmd.qty ?? order.qty;
    if (stopPrice === order.stopPrice && price === order.price && qty === order.qty) {
      return this.reject(order.id, "amend", "nothing_to_amend", out);
    }
    if (price > 0 && !Number.isSafeInteger(price * qty))
      return this.reject(order.id, "amend", "notional_overflow", out);
    const book = this.stopsOf(order.side);
    if (this.lastPrice > 0 && book.triggers(stopPrice, this.lastPrice)) {
      return this.reject(order.id, "amend", "stop_would_trigger", out);
    }
    const keepsPriority = stopPrice === order.stopPrice && price === order.price && qty < order.qty;
    book.remove(order);
    order.stopPrice = stopPrice;
    order.price = price;
    order.qty = qty;
    order.remaining = qty;
    if (!keepsPriority) order.priority = this.nextPriority++;
    book.add(order);
    out[out.length] = amendedEvent(order, keepsPriority);
  }

  // ── matching ───────────────────────────────────────────────────────────

  /** Matches `taker` against the book, then rests, cancels or completes it. */
  private take(taker: Order, out: EngineEvent[]): void {
    const stoppedBy = this.match(taker, out);
    const byFunds = taker.funds > 0;
    if (byFunds) {
      if (taker.remainingFunds === 0) this.finish(taker, "filled", "filled", out);
      else if (stoppedBy === "funds_exhausted") {
        // Less than one lot's worth of funds left: done, and "filled" if it bought anything.
        this.finish(taker, taker.filled > 0 ? "filled" : "cancelled", "funds_exhausted", out);
      } else if (stoppedBy !== null) this.finish(taker, "cancelled", stoppedBy, out);
      else this.finish(taker, "cancelled", "no_liquidity", out);
    } else if (taker.remaining === 0) this.finish(taker, "filled", "filled", out);
    else if (stoppedBy !== null) this.finish(taker, "cancelled", stoppedBy, out);
    else if (taker.kind === "market" || taker.kind === "stop") this.finish(taker, "cancelled", "no_liquidity", out);
    else if (taker.tif === "ioc" || taker.tif === "fok") this.finish(taker, "cancelled", "ioc_remainder", out);
    else this.rest(taker);
  }

  /**
   * The matching loop. Returns null when the taker is filled or the book no
   * longer crosses it, or the cause when it must stop early.
   */
  private match(taker: Order, out: EngineEvent[]): DoneCause | null {
    const isBuy = taker.side === "buy";
    const book = isBuy ? this.asks : this.bids;
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
          const cause = this.preventSelfTrade(taker, maker, level, want, out);
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
        this.lastPrice = price;
        this.touch(level);
        out[out.length] = {
          type: "trade",
          tradeId: this.nextTradeId++,
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
        if (this.buyStops.size !== 0 || this.sellStops.size !== 0) this.triggerStops(price, out);
        if (maker.remaining === 0) {
          this.unrest(maker);
          this.finish(maker, "filled", "filled", out);
        }
        if (byFunds ? taker.remainingFunds === 0 : taker.remaining === 0) return null;
        maker = next;
      }
    }
  }

  /** Applies the taker's STP mode against a resting order of the same account; returns a cause to stop the taker. */
  private preventSelfTrade(
    taker: Order,
    maker: Order,
    level: PriceLevel,
    want: number,
    out: EngineEvent[],
  ): DoneCause | null {
    switch (taker.stp) {
      case "cancel_newest":
        return "self_trade";
      case "cancel_oldest":
        this.removeLive(maker, "cancelled", "self_trade", out);
        return null;
      case "cancel_both":
        this.removeLive(maker, "cancelled", "self_trade", out);
        return "self_trade";
      case "decrement_and_cancel": {
        const cut = Math.min(want, maker.remaining);
        if (cut === maker.remaining) this.removeLive(maker, "cancelled", "self_trade", out);
        else {
          maker.remaining -= cut;
          maker.qty -= cut;
          level.total -= cut;
          this.touch(level);
          out[out.length] = reducedEvent(maker, cut);
        }
        // The taker is the smaller (or equal) side: cancel what is left of it.
        if (cut === want) return "self_trade";
        if (taker.funds > 0) taker.remainingFunds -= cut * level.price;
        else {
          taker.remaining -= cut;
          taker.qty -= cut;
        }
        out[out.length] = reducedEvent(taker, cut);
        return null;
      }
    }
  }

  /** Can a FOK order fill completely right now, without any state change? */
  private fillable(side: Side, limit: number, qty: number, account: string, stp: Order["stp"]): boolean {
    const isBuy = side === "buy";
    let need = qty;
    for (const level of (isBuy ? this.asks : this.bids).fromBest()) {
      if (limit > 0 && (isBuy ? level.price > limit : level.price < limit)) return false;
      for (let maker = level.head; maker !== null; maker = maker.next) {
        if (maker.account === account) {
          // Only cancel-oldest lets the taker go on past its own order in full.
          if (stp === "cancel_oldest") continue;
          return false;
        }
        need -= maker.remaining;
        if (need <= 0) return true;
      }
    }
    return false;
  }

  private crosses(side: Side, price: number): boolean {
    const best = side === "buy" ? this.asks.best() : this.bids.best();
    return best !== undefined && (side === "buy" ? best.price <= price : best.price >= price);
  }

  /** Takes every stop the print at `price` triggers off its stop book and queues it to execute. */
  private triggerStops(price: number, out: EngineEvent[]): void {
    for (;;) {
      const order = this.buyStops.popTriggered(price) ?? this.sellStops.popTriggered(price);
      if (order === undefined) return;
      out[out.length] = {
        type: "stop_triggered",
        id: order.id,
        account: order.account,
        stopPrice: order.stopPrice,
        lastPrice: price,
      };
      order.state = OrderStates.taking;
      // A triggered stop joins the queue now, behind orders that rested while it waited.
      order.priority = this.nextPriority++;
      this.triggered.push(order);
    }
  }

  /**
   * Executes triggered stops in trigger order, after the order whose trades
   * triggered them. Their own trades may trigger more, which join the queue.
   */
  private runTriggeredStops(out: EngineEvent[]): void {
    const queue = this.triggered;
    for (let i = 0; i < queue.length; i++) {
      const order = queue[i] as Order;
      if (order.kind === "stop_limit" && order.postOnly && this.crosses(order.side, order.price)) {
        this.finish(order, "cancelled", "post_only", out);
      } else if (
        order.tif === "fok" &&
        !this.fillable(order.side, order.price, order.remaining, order.account, order.stp)
      ) {
        this.finish(order, "cancelled", "fok_not_fillable", out);
      } else {
        this.take(order, out);
      }
    }
    queue.length = 0;
  }

  private expireDue(out: EngineEvent[]): void {
    let top = this.expiries.peek(isLive);
    if (top === undefined || top.expireAt > this.clock) return;
    const due: Order[] = [];
    while (top !== undefined && top.expireAt <= this.clock) {
      this.expiries.pop();
      due.push(top);
      top = this.expiries.peek(isLive);
    }
    // The heap orders by time only; break ties by priority so replays agree.
    due.sort((a, b) => a.expireAt - b.expireAt || a.priority - b.priority);
    for (const order of due) this.removeLive(order, "expired", "gtd", out);
  }

  // ── book bookkeeping ───────────────────────────────────────────────────

  private rest(order: Order): void {
    this.touch(this.restUntouched(order === this.scratch ? order.clone() : order));
  }

  /** Rests `order` on its level and returns the level (the caller reports it). */
  private restUntouched(order: Order): PriceLevel {
    const level = (order.side === "buy" ? this.bids : this.asks).getOrCreate(order.price);
    level.append(order);
    order.state = OrderStates.resting;
    this.list(order);
    this.scheduleExpiry(order);
    return level;
  }

  /** Queues a GTD order for expiry once, however often it is re-rested (amend, stop trigger). */
  scheduleExpiry(order: Order): void {
    if (order.expireAt > 0 && !order.queued) {
      order.queued = true;
      this.expiries.push(order);
    }
  }

  /** Takes a resting order off its level (its open quantity leaves the level's total). */
  private unrest(order: Order): void {
    const level = order.level as PriceLevel;
    level.total -= order.remaining;
    level.unlink(order);
    if (level.count === 0) (level.side === "buy" ? this.bids : this.asks).remove(level);
    this.touch(level);
  }

  /** Removes a resting order or stop from the book for good and reports it done. */
  private removeLive(order: Order, reason: DoneReason, cause: DoneCause, out: EngineEvent[]): void {
    if (order.state === OrderStates.stop) this.stopsOf(order.side).remove(order);
    else this.unrest(order);
    this.finish(order, reason, cause, out);
  }

  /** Reports an order done; its open quantity (or funds) is what gets cancelled or expired. */
  private finish(order: Order, reason: DoneReason, cause: DoneCause, out: EngineEvent[]): void {
    if (order.listed) {
      this.live.remove(order);
      order.listed = false;
    }
    order.state = OrderStates.done;
    out[out.length] = {
      type: "done",
      id: order.id,
      account: order.account,
      side: order.side,
      reason,
      cause,
      remaining: reason === "filled" ? 0 : order.remaining,
      remainingFunds: order.remainingFunds,
    };
  }

  /** Indexes a resting order or stop by id (once: amended and triggered orders are listed already). */
  list(order: Order): void {
    if (!order.listed) {
      order.listed = true;
      this.live.add(order);
    }
  }

  private owned(id: string, account: string | undefined): Order | undefined {
    const order = this.live.get(id, this.live.hash(id));
    // Another account's order is reported as unknown so ids leak nothing.
    if (order === undefined || (account !== undefined && order.account !== account)) return undefined;
    return order;
  }

  private stopsOf(side: Side): StopBook {
    return side === "buy" ? this.buyStops : this.sellStops;
  }

  private touch(level: PriceLevel): void {
    if (level.touched !== this.stamp) {
      level.touched = this.stamp;
      const index = this.touchedCount++;
      if (index === this.touched.length) this.touched.push(level);
      else this.touched[index] = level;
    }
  }

  /** One level event per price the command changed, with the final aggregate. */
  private flushLevels(out: EngineEvent[]): void {
    const touched = this.touched;
    const count = this.touchedCount;
    for (let i = 0; i < count; i++) {
      const level = touched[i] as PriceLevel;
      // A price emptied and re-created in one command reports once, from its last level object.
      if (level.removed && supersededLater(touched, i, count)) continue;
      out[out.length] = { type: "level", side: level.side, price: level.price, qty: level.removed ? 0 : level.total };
    }
    this.touchedCount = 0;
  }

  private reject(
    id: string | undefined,
    command: Command["type"] | "unknown",
    reason: RejectReason,
    out: EngineEvent[],
  ): void {
    out[out.length] = rejectedEvent(id, command, reason);
  }

  /** Is a GTD order due by the clock? */
  private expiryDue(): boolean {
    const top = this.expiries.peek(isLive);
    return top !== undefined && top.expireAt <= this.clock;
  }
}

/** Does a later entry of `touched` stand for the same side and price as entry `i`? */
function supersededLater(touched: PriceLevel[], i: number, count: number): boolean {
  const level = touched[i] as PriceLevel;
  for (let j = i + 1; j < count; j++) {
    const other = touched[j] as PriceLevel;
    if (other.price === level.price && other.side === level.side) return true;
  }
  return false;
}

function rejectedEvent(
  id: string | undefined,
  command: Command["type"] | "unknown",
  reason: RejectReason,
): EngineEvent {
  // Only a well-formed id is echoed: a rejected one may be anything, of any size.
  return { type: "rejected", id: isId(id) ? id : undefined, command, reason };
}

function isLive(order: Order): boolean {
  return order.state === OrderStates.resting || order.state === OrderStates.stop;
}

// Events keep few shapes per type (absent values as undefined, which JSON drops):
// adding properties one by one would give each combination its own hidden class.
function acceptedEvent(order: Order): EngineEvent {
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

function amendedEvent(order: Order, priorityKept: boolean): EngineEvent {
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

function reducedEvent(order: Order, by: number): EngineEvent {
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
