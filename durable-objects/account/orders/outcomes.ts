/**
 * The desk's answers: an order's outcome, or a refusal with a stable code (and the
 * order, reason and amounts where there are some).
 */
import type { DeskErrorCode } from "../../../shared/errors/codes.ts";
import { formatAmount } from "../../../shared/ledger/index.ts";
import type { OrderRef } from "../../../shared/orders/input.ts";
import type { RiskReject } from "../../../shared/risk/pre-trade.ts";
import { type OrderRecord, type OrderView, orderView } from "./record.ts";
import type { FillView } from "./settle.ts";

export type { DeskErrorCode };

export type DeskError = {
  ok: false;
  code: DeskErrorCode;
  message: string;
  /** The book's or risk's reason code, for `*_rejected`. */
  reason?: string;
  order?: OrderView;
} & Record<string, unknown>;

export type OrderOutcome = { ok: true; order: OrderView; fills: FillView[]; replayed: boolean } | DeskError;

export interface CancelAllOutcome {
  ok: true;
  cancelled: OrderView[];
}

export function reject(record: OrderRecord, code: string, message: string): void {
  record.status = "rejected";
  record.reject_code = code;
  record.reject_message = message;
  delete record.book_command;
}

export function rejection(record: OrderRecord, details: Record<string, unknown>): DeskError {
  return {
    ok: false,
    code: "order_rejected",
    reason: record.reject_code ?? "rejected",
    message: record.reject_message ?? "the order was rejected",
    ...details,
    order: orderView(record),
  };
}

export function riskDetails(risk: RiskReject): Record<string, unknown> {
  if (risk.code === "insufficient_available") {
    return {
      asset: risk.asset,
      available: formatAmount(risk.available, risk.asset),
      required: formatAmount(risk.required, risk.asset),
    };
  }
  if (risk.code === "too_many_open_orders") return { open_orders: risk.open_orders, limit: risk.limit };
  if (risk.code === "notional_above_limit") return { limit: risk.limit };
  return {};
}

export function amendRejected(order: OrderRecord, reason: string, message: string): DeskError {
  return { ok: false, code: "amend_rejected", reason, message, order: orderView(order) };
}

export function notFound(ref: OrderRef): DeskError {
  const id = "order_id" in ref ? ref.order_id : `client_order_id ${ref.client_order_id}`;
  return { ok: false, code: "order_not_found", message: `No order ${id} on this account.` };
}

export function notOpen(record: OrderRecord): DeskError {
  return {
    ok: false,
    code: "order_not_open",
    message: `Order ${record.order_id} is ${record.status}${record.status === "pending_new" ? " (the book has not answered yet)" : ""}.`,
    order: orderView(record),
  };
}

/** A book refused the submit because it is being handed off to another region (nothing was done). */
export class InstrumentMovingError extends Error {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number) {
    super(message);
    this.name = "InstrumentMovingError";
    this.retryAfterMs = retryAfterMs;
  }
}

export function unknownStatus(record: OrderRecord, err: unknown): DeskError {
  if (err instanceof InstrumentMovingError) {
    // Known, not unknown: the book did nothing. The order stays pending with its hold and is sent
    // again by a repeat of the request (same client_order_id or key) or by the pending sweep.
    return {
      ok: false,
      code: "instrument_moving",
      message: `${err.message} The order is pending: repeat the request (same client_order_id or Idempotency-Key) to place it.`,
      retry_after: Math.max(1, Math.ceil(err.retryAfterMs / 1000)),
      order: orderView(record),
    };
  }
  console.warn(
    JSON.stringify({ level: "warn", msg: "book call failed", order_id: record.order_id, error: String(err) }),
  );
  return {
    ok: false,
    code: "order_status_unknown",
    message:
      "The order book did not answer; the order's outcome is not known yet. Repeat the request (same client_order_id or Idempotency-Key) to learn it.",
    order: orderView(record),
  };
}
