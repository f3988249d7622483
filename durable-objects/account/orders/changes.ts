/**
 * Changes to placed orders: cancel, amend (the hold grows before the book sees a larger
 * order and shrinks after), and cancel-all book by book. Changes to one order run one at
 * a time, so an amendment sizes its hold from settled state.
 */
import type { AmendOrder, CancelAll, OrderRef } from "../../../shared/orders/input.ts";
import { checkAmendUnits, type ShapeReject } from "../../../shared/risk/order-units.ts";
import type { SubmitResult } from "../../order-book/contract.ts";
import type { DeskCore, TraceContext } from "./desk-core.ts";
import { amendedHold, amendedNotionalAbove } from "./holds.ts";
import {
  amendRejected,
  type CancelAllOutcome,
  type DeskError,
  notFound,
  notOpen,
  type OrderOutcome,
  unknownStatus,
} from "./outcomes.ts";
import { isOpen, type OrderView, orderView } from "./record.ts";

export class OrderChanges {
  private readonly core: DeskCore;
  /** Cancels and amendments run one at a time per order. */
  private readonly orderQueues = new Map<string, Promise<void>>();

  constructor(core: DeskCore) {
    this.core = core;
  }

  async cancel(ref: OrderRef, trace: TraceContext = {}): Promise<OrderOutcome> {
    const found = this.core.find(ref);
    if (!found) return notFound(ref);
    return this.serialized(found.order_id, () => this.cancelNow(ref, trace));
  }

  private async cancelNow(ref: OrderRef, trace: TraceContext): Promise<OrderOutcome> {
    const record = this.core.find(ref);
    if (!record) return notFound(ref);
    if (!isOpen(record)) return notOpen(record);
    const spec = await this.core.o.instruments.get(record.instrument);
    if (!spec) return notOpen(record);
    let result: SubmitResult;
    try {
      result = await this.core.submit(spec, [{ type: "cancel", order_id: record.order_id }], trace);
    } catch (err) {
      return unknownStatus(record, err);
    }
    const applied = this.core.settle(spec.symbol, result.rows);
    this.core.commitApplied(spec.symbol, applied);
    const current = this.core.open.get(record.order_id) ?? this.core.o.store.byId(record.order_id) ?? record;
    const first = result.results[0];
    if (first?.ok) return this.core.outcomeOf(current, []);
    if (!isOpen(current)) return notOpen(current);
    return {
      ok: false,
      code: "cancel_rejected",
      reason: first?.error?.code ?? "unknown_order",
      message: first?.error?.message ?? "the book did not cancel the order",
      order: orderView(current),
    };
  }

  async amend(ref: OrderRef, change: AmendOrder, trace: TraceContext = {}): Promise<OrderOutcome> {
    const found = this.core.find(ref);
    if (!found) return notFound(ref);
    return this.serialized(found.order_id, () => this.amendNow(ref, change, trace));
  }

  private async amendNow(ref: OrderRef, change: AmendOrder, trace: TraceContext): Promise<OrderOutcome> {
    const record = this.core.find(ref);
    if (!record) return notFound(ref);
    if (!isOpen(record) || record.status === "pending_new") return notOpen(record);
    const spec = await this.core.o.instruments.get(record.instrument);
    if (!spec) return notOpen(record);
    const current = this.core.open.get(record.order_id);
    if (!current) return notOpen(record);
    // New values on the grid, as a new order's would be (400 invalid_order naming the field).
    const shape = checkAmendUnits(change, spec);
    if (shape) return invalidAmendment(shape);
    // The account class's per-order notional cap holds for the amended order too.
    const cap = this.core.o.maxOrderNotional;
    const above = cap === undefined ? undefined : amendedNotionalAbove(current, change, spec, cap);
    if (above) return amendRejected(current, "notional_above_limit", above);
    // Hold what the amended order could need before the book sees it; give back any excess after.
    const needed = amendedHold(current, change, spec);
    if ("code" in needed) return amendRejected(current, needed.code, needed.message);
    const held = this.core.ledger.holdOf(current.order_id)?.amount ?? 0n;
    if (needed.amount > held) {
      const more = this.core.ledger.hold(current.order_id, needed.asset, needed.amount - held);
      if (!more.ok) {
        return amendRejected(current, "insufficient_available", more.message);
      }
      this.core.commit([], new Set([current.order_id]));
    }
    const command: Record<string, unknown> = { type: "amend", order_id: current.order_id };
    if (change.size !== undefined) command.size = change.size;
    if (change.price !== undefined) command.price = change.price;
    if (change.stop_price !== undefined) command.stop_price = change.stop_price;
    let result: SubmitResult;
    try {
      result = await this.core.submit(spec, [command], trace);
    } catch (err) {
      return unknownStatus(current, err);
    }
    const applied = this.core.settle(spec.symbol, result.rows);
    const after = this.core.open.get(current.order_id);
    if (after) this.core.trimHold(after, spec, applied);
    this.core.commitApplied(spec.symbol, applied);
    const latest = after ?? this.core.o.store.byId(current.order_id) ?? current;
    const first = result.results[0];
    if (first?.ok) return this.core.outcomeOf(latest, this.core.fillsOf(latest, applied));
    if (!isOpen(latest)) return notOpen(latest);
    return amendRejected(latest, first?.error?.code ?? "invalid_command", first?.error?.message ?? "refused");
  }

  /** Cancels the account's open orders (on one instrument and side if given), book by book in parallel. */
  async cancelAll(filter: CancelAll = {}, trace: TraceContext = {}): Promise<CancelAllOutcome | DeskError> {
    const instruments = new Set(
      [...this.core.open.values()]
        .filter((r) => filter.instrument === undefined || r.instrument === filter.instrument)
        .map((r) => r.instrument),
    );
    const cancelled: OrderView[] = [];
    const failed: string[] = [];
    await Promise.all(
      [...instruments].map(async (symbol) => {
        const spec = await this.core.o.instruments.get(symbol);
        if (!spec) return;
        const command: Record<string, unknown> = { type: "cancel_all" };
        if (filter.side) command.side = filter.side;
        let result: SubmitResult;
        try {
          result = await this.core.submit(spec, [command], trace);
        } catch (err) {
          failed.push(symbol);
          console.warn(
            JSON.stringify({
              level: "warn",
              msg: "cancel-all: book call failed",
              instrument: symbol,
              error: String(err),
            }),
          );
          return;
        }
        const applied = this.core.settle(symbol, result.rows);
        this.core.commitApplied(symbol, applied);
        for (const r of applied.changed)
          if (r.status === "cancelled" && r.done_reason === "cancel_all") cancelled.push(orderView(r));
      }),
    );
    if (failed.length > 0) {
      return {
        ok: false,
        code: "order_status_unknown",
        message: `The books of ${failed.join(", ")} did not answer; repeat the request to cancel what is left.`,
        cancelled,
        instruments: failed,
      };
    }
    return { ok: true, cancelled };
  }

  /** Runs `task` after every earlier task on the same order: amendments size holds from settled state. */
  private serialized<T>(orderId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.orderQueues.get(orderId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.orderQueues.set(orderId, tail);
    void tail.then(() => {
      if (this.orderQueues.get(orderId) === tail) this.orderQueues.delete(orderId);
    });
    return next;
  }
}

function invalidAmendment(shape: ShapeReject): DeskError {
  const field = shape.field ?? "size";
  return {
    ok: false,
    code: "invalid_order",
    message: `Invalid amendment: ${field}: ${shape.message}`,
    reason: shape.code,
    errors: [{ field, message: shape.message }],
  };
}
