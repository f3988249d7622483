/**
 * The matching engine of one instrument: its state, command dispatch and
 * queries. The work of each command is done by plain functions of sibling
 * modules (place.ts, cancel.ts, amend.ts, matching.ts, expiry.ts, …) that
 * take the engine as their `EngineState`.
 */

import { amend } from "./amend.ts";
import { BookSide } from "./book-side.ts";
import { bboOf, depthOf, l3Of, liveOrderView, stopViews } from "./book-views.ts";
import { cancel, cancelAll, cancelResting } from "./cancel.ts";
import type { EngineState } from "./engine-state.ts";
import { reject } from "./events.ts";
import { expireDue, expiryDue, nextExpiry } from "./expiry.ts";
import { ExpiryQueue } from "./expiry-queue.ts";
import { flushLevels } from "./level-changes.ts";
import { list, scheduleExpiry } from "./live-orders.ts";
import { runTriggeredStops } from "./matching.ts";
import { Order } from "./order.ts";
import { OrderIndex } from "./order-index.ts";
import { place } from "./place.ts";
import type { PriceLevel } from "./price-level.ts";
import { restoreInto, takeSnapshot } from "./snapshot.ts";
import { StopBook } from "./stop-book.ts";
import type { Bbo, Command, DepthLevel, EngineEvent, EngineOptions, EngineSnapshot, OrderView } from "./types.ts";

const DEFAULT_LIMIT = 2 ** 31;

/**
 * A price-time priority matching engine for one instrument.
 *
 * Pure and deterministic: the only inputs are commands and the clock passed to
 * `execute`, so replaying the same commands (or restoring a snapshot and
 * continuing) yields the same events. Every command returns its events in
 * order; a rejected command changes nothing.
 */
export class MatchingEngine implements EngineState {
  // The state the command modules work on (see EngineState); declaration order is field order.
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
  /** @internal */ stamp = 0;
  /** @internal */ readonly touched: PriceLevel[] = [];
  /** @internal */ touchedCount = 0;
  /** @internal */ readonly triggered: Order[] = [];
  /** @internal */
  readonly scratch = new Order("", "", "buy", "market", "ioc", 0, 0, 0, 0, 0, false, "cancel_newest", 0);

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
   * Every function that emits events takes `out` as an argument (rather than an
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
      if (typeof cmd === "object" && cmd !== null && (this.expiries.size === 0 || !expiryDue(this))) {
        const type = cmd.type;
        if (type === "place") return place(this, cmd, undefined);
        if (type === "cancel") {
          const events = cancelResting(this, cmd);
          if (events !== undefined) return events;
        }
      }
      out = [];
    }
    if (this.expiries.size > 0) expireDue(this, out);
    if (typeof cmd !== "object" || cmd === null) {
      reject(undefined, "unknown", "invalid_command", out);
    } else {
      switch (cmd.type) {
        case "place":
          place(this, cmd, out);
          break;
        case "cancel":
          cancel(this, cmd, out);
          break;
        case "cancel_all":
          cancelAll(this, cmd, out);
          break;
        case "amend":
          amend(this, cmd, out);
          break;
        case "tick":
          break;
        default:
          reject(undefined, "unknown", "invalid_command", out);
      }
      // Runs the stops the command triggered.
      if (this.triggered.length > 0) runTriggeredStops(this, out);
    }
    if (this.touchedCount > 0) flushLevels(this, out);
    return out;
  }

  // ── queries ────────────────────────────────────────────────────────────

  bbo(): Bbo {
    return bboOf(this);
  }

  /** L2: aggregated levels from the touch outwards, at most `levels` per side. */
  depth(levels = Number.POSITIVE_INFINITY): { bids: DepthLevel[]; asks: DepthLevel[] } {
    return depthOf(this, levels);
  }

  /** L3: every resting order, best price first, each level in queue order. */
  l3(): { bids: OrderView[]; asks: OrderView[] } {
    return l3Of(this);
  }

  /** A resting order or untriggered stop. Orders that are done are not kept. */
  order(id: string): OrderView | undefined {
    return liveOrderView(this, id);
  }

  /** Untriggered stops, buys then sells, each in trigger order. */
  stops(): OrderView[] {
    return stopViews(this);
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
    return nextExpiry(this);
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

  // ── bookkeeping (public as before; the command modules use live-orders.ts) ──

  /** Queues a GTD order for expiry once, however often it is re-rested (amend, stop trigger). */
  scheduleExpiry(order: Order): void {
    scheduleExpiry(this, order);
  }

  /** Indexes a resting order or stop by id (once: amended and triggered orders are listed already). */
  list(order: Order): void {
    list(this, order);
  }
}
