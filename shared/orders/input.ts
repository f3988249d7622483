/**
 * Order entry input as clients send it (snake_case, decimal strings), validated
 * by the same zod schemas at the edge (HTTP contracts, WebSocket methods) and in
 * the Account object.
 */
import { z } from "zod";
import { DecimalString, ORDER_TYPES, OrderIdString, SIDES, STP_MODES, TIME_IN_FORCE } from "../book/commands.ts";
import type { Instrument } from "../instruments/schema.ts";
import { toOrderUnits } from "../risk/order-units.ts";

/** Most orders in one batch (`POST /v1/orders/batch`). */
export const MAX_ORDER_BATCH = 20;

export const ClientOrderIdString = OrderIdString.describe(
  "Your id for the order, unique per account: repeating a request with it returns the original outcome.",
);

export const SymbolString = z.string().regex(/^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$/, "expected a symbol like BTC-USD");

/** The fields of a new order; `client_order_id` is required by the Account, optional from clients. */
const NEW_ORDER_FIELDS = {
  client_order_id: ClientOrderIdString,
  instrument: SymbolString,
  side: z.enum(SIDES),
  type: z.enum(ORDER_TYPES),
  price: DecimalString.optional(),
  stop_price: DecimalString.optional(),
  size: DecimalString.optional(),
  funds: DecimalString.optional(),
  time_in_force: z.enum(TIME_IN_FORCE).optional(),
  /** Epoch milliseconds; with `gtd` only. */
  expire_time: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  post_only: z.boolean().optional(),
  stp: z.enum(STP_MODES).optional(),
};

const NewOrderRequestObject = z
  .object({ ...NEW_ORDER_FIELDS, client_order_id: ClientOrderIdString.optional() })
  .strict();

/** The rules across a new order's fields. */
const newOrderRules = (o: z.output<typeof NewOrderRequestObject>, ctx: z.RefinementCtx) => {
  const needsPrice = o.type === "limit" || o.type === "stop_limit";
  if (needsPrice && o.price === undefined) ctx.addIssue({ code: "custom", path: ["price"], message: "required" });
  if (!needsPrice && o.price !== undefined) {
    ctx.addIssue({ code: "custom", path: ["price"], message: "only limit and stop_limit orders have a price" });
  }
  const isStop = o.type === "stop" || o.type === "stop_limit";
  if (isStop && o.stop_price === undefined) {
    ctx.addIssue({ code: "custom", path: ["stop_price"], message: "required" });
  }
  if (!isStop && o.stop_price !== undefined) {
    ctx.addIssue({ code: "custom", path: ["stop_price"], message: "only stop orders have a stop_price" });
  }
  if ((o.size === undefined) === (o.funds === undefined)) {
    ctx.addIssue({ code: "custom", path: ["size"], message: "give exactly one of size and funds" });
  }
  if (o.funds !== undefined && o.type !== "market" && o.type !== "stop") {
    ctx.addIssue({ code: "custom", path: ["funds"], message: "only market and stop orders may be sized by funds" });
  }
  if ((o.time_in_force === "gtd") !== (o.expire_time !== undefined)) {
    ctx.addIssue({ code: "custom", path: ["expire_time"], message: "expire_time goes with time_in_force gtd" });
  }
};

/** A new order as the Account takes it: with its `client_order_id` (the edge or the feed gave one when the client did not). */
export const NewOrderSchema = z.object(NEW_ORDER_FIELDS).strict().superRefine(newOrderRules);

/**
 * A new order as clients send it (REST, GraphQL, Connect, the WebSocket): `client_order_id` may be
 * left out, and the server generates one (client-order-id.ts).
 */
export const NewOrderRequestSchema = NewOrderRequestObject.superRefine(newOrderRules);

export type NewOrderRequest = z.infer<typeof NewOrderRequestSchema>;

export type NewOrder = z.infer<typeof NewOrderSchema>;

/** PATCH body: the new total size (filled included), price or stop price. */
export const AmendOrderSchema = z
  .object({
    size: DecimalString.optional(),
    price: DecimalString.optional(),
    stop_price: DecimalString.optional(),
  })
  .strict()
  .refine((a) => a.size !== undefined || a.price !== undefined || a.stop_price !== undefined, {
    message: "give size, price or stop_price",
  });

export type AmendOrder = z.infer<typeof AmendOrderSchema>;

/** One order, by the exchange's id or the client's. */
export type OrderRef = { order_id: string } | { client_order_id: string };

export const CancelAllSchema = z
  .object({ instrument: SymbolString.optional(), side: z.enum(SIDES).optional() })
  .strict();

export type CancelAll = z.infer<typeof CancelAllSchema>;

/** The dead-man timer: cancel everything unless refreshed within `timeout_ms`; 0 disarms. */
export const CancelAfterSchema = z
  .object({ timeout_ms: z.number().int().min(0).max(86_400_000) })
  .strict()
  .refine((c) => c.timeout_ms === 0 || c.timeout_ms >= 1_000, {
    message: "timeout_ms is 0 (disarm) or at least 1000",
  });

export type CancelAfter = z.infer<typeof CancelAfterSchema>;

export const ORDER_LIST_STATUSES = ["open", "done"] as const;

export interface OrderQuery {
  status?: "open" | "done" | undefined;
  instrument?: string | undefined;
  /** Continue with orders created before this row (opaque to clients). */
  before?: number | undefined;
  start?: number | undefined;
  end?: number | undefined;
  limit: number;
}

export interface FillQuery {
  instrument?: string | undefined;
  order_id?: string | undefined;
  before?: number | undefined;
  start?: number | undefined;
  end?: number | undefined;
  limit: number;
}

/** Why a new order cannot go to the account at all; nothing is recorded for it. */
export interface PlacementRefusal {
  code: "invalid_order" | "instrument_not_found" | "instrument_failover";
  message: string;
  details: Record<string, unknown>;
}

/**
 * A new order checked against its instrument's grid and limits before it reaches the
 * account, by `POST /v1/orders` and by the socket's `order.place` alike: the refusal,
 * or undefined if it fits (`instrument` null: not listed).
 */
/** How soon a client may try again while an instrument is in failover, seconds. */
export const FAILOVER_RETRY_AFTER_S = 5;

export function checkPlacement(order: NewOrder, instrument: Instrument | null): PlacementRefusal | undefined {
  if (!instrument) {
    return {
      code: "instrument_not_found",
      message: `No instrument ${JSON.stringify(order.instrument)}; GET /v1/instruments lists them.`,
      details: {},
    };
  }
  if (instrument.status === "failover") {
    // Nothing is sent: the book cannot be reached until it is restored elsewhere (docs/geography.md#failover).
    return {
      code: "instrument_failover",
      message:
        `The book of ${instrument.symbol} cannot be reached and is being restored in another region; nothing was sent. ` +
        "Market data still answers from the regional replicas. Send again after Retry-After.",
      details: { retry_after: FAILOVER_RETRY_AFTER_S },
    };
  }
  const units = toOrderUnits({ ...order, order_type: order.type }, instrument);
  if (!("ok" in units)) return undefined;
  const field = units.field ?? (order.funds !== undefined ? "funds" : "size");
  return {
    code: "invalid_order",
    message: `Invalid order: ${field}: ${units.message}`,
    details: { reason: units.code, errors: [{ field, message: units.message }] },
  };
}
