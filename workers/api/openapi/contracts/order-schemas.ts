/**
 * The schemas of order entry over HTTP: bodies, parameters, replies, pages and
 * queries, with their limits. The body schemas are the Account object's own
 * (`shared/orders/input.ts`), so the edge and the object
 * validate alike; the operations that use them are in `orders.ts`.
 */
import { z } from "@hono/zod-openapi";
import {
  AmendOrderSchema,
  CancelAfterSchema,
  MAX_ORDER_BATCH,
  NewOrderRequestSchema,
  ORDER_LIST_STATUSES,
  SymbolString,
} from "../../../../shared/orders/input.ts";
import { queryInteger } from "../query-params.ts";

export { MAX_ORDER_BATCH };
/** Most orders or fills in one page. */
export const MAX_ORDER_PAGE = 1000;
/** Orders or fills in one page by default. */
export const DEFAULT_ORDER_PAGE = 100;

/** An Idempotency-Key, a client order id or an order id: 1–64 of `A–Z a–z 0–9 . _ : -`. */
export const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
const KEY_MESSAGE = "1 to 64 of A-Z a-z 0-9 . _ : -";

const Decimal = (description: string, example = "100.00") => z.string().openapi({ description, example });
const NullableDecimal = (description: string) => z.string().nullable().openapi({ description });

// Schemas built outside this module may predate `@hono/zod-openapi`'s zod extension: clone them to name them.
export const NewOrderBody = NewOrderRequestSchema.clone().openapi("NewOrder", {
  description:
    "A new order. `client_order_id` is optional: without one the server gives the order `srv-` and 32 hex digits " +
    "(derived from the Idempotency-Key when there is one, so a retry names the same order). " +
    "`limit` and `stop_limit` take `price`; `stop` and `stop_limit` take `stop_price`; exactly one " +
    "of `size` and `funds` (funds: `market` and `stop` only); `expire_time` (epoch ms) goes with `gtd`. Prices " +
    "and sizes are decimal strings on the instrument's tick and lot grid.",
  example: {
    client_order_id: "bot-7-000123",
    instrument: "BTC-USD",
    side: "buy",
    type: "limit",
    price: "65000.00",
    size: "0.015",
  },
});

export const AmendOrderBody = AmendOrderSchema.clone().openapi("AmendOrder", {
  description:
    "The new total `size` (filled included), `price` or `stop_price`. A size-down keeps the order's place in " +
    "the queue; a new price or a size-up goes to the back.",
});

export const CancelAfterBody = CancelAfterSchema.clone().openapi("CancelAfter", {
  description: "Milliseconds until every open order is cancelled (1000–86400000), or 0 to disarm.",
});

/** The optional `Idempotency-Key` header of every mutation. */
export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(KEY_PATTERN, { message: `Idempotency-Key must be ${KEY_MESSAGE}` })
    .optional()
    .openapi({
      description:
        "The `Idempotency-Key` header (header names are case-insensitive). Makes the request safe to repeat: the same key with the same body answers the first outcome (status " +
        "and body) and changes nothing; with another body it is 422 `idempotency_key_reused`. Kept 24 hours; " +
        "`GET /v1/requests/{key}` answers the stored outcome.",
      example: "2f1c6a1e-order-42",
    }),
});

const IdString = (name: string, description: string) =>
  z
    .string()
    .regex(KEY_PATTERN, { message: `${name} must be ${KEY_MESSAGE}` })
    .openapi({ param: { name, in: "path" }, description });

export const OrderIdParams = z.object({ order_id: IdString("order_id", "The exchange's order id.") });
export const ClientOrderIdParams = z.object({
  client_order_id: IdString("client_order_id", "Your id for the order, as sent with it."),
});
export const RequestKeyParams = z.object({ key: IdString("key", "The Idempotency-Key the request was sent with.") });

export const OrderSchema = z
  .object({
    order_id: z.string(),
    client_order_id: z.string(),
    instrument: z.string(),
    side: z.enum(["buy", "sell"]),
    type: z.string().openapi({ example: "limit" }),
    time_in_force: z.string().openapi({ example: "gtc" }),
    price: NullableDecimal("Limit price."),
    stop_price: NullableDecimal("Stop (trigger) price."),
    size: NullableDecimal("Total size, filled included; null for orders sized by funds."),
    funds: NullableDecimal("Quote budget of a market or stop order sized by funds."),
    expire_time: z.number().int().nullable().openapi({ description: "Epoch ms, for gtd." }),
    post_only: z.boolean(),
    stp: z.string().openapi({ description: "Self-trade prevention mode.", example: "cancel_newest" }),
    status: z
      .enum(["pending_new", "new", "partially_filled", "filled", "cancelled", "expired", "rejected"])
      .openapi({ description: "`pending_new` until the book has answered." }),
    filled_size: Decimal("Filled so far.", "0.000"),
    remaining_size: NullableDecimal("Still open on the book (0 once done)."),
    executed_value: Decimal("Quote traded so far.", "0.00000000"),
    average_price: NullableDecimal("executed_value ÷ filled_size; null before a fill."),
    fees: Decimal("Fees paid so far (negative: rebates).", "0.00000000"),
    fee_asset: z.string().openapi({ example: "USD" }),
    done_reason: z
      .string()
      .nullable()
      .openapi({
        description:
          "Why it ended: filled, user, cancel_all, ioc_remainder, no_liquidity, self_trade, gtd, funds_exhausted, " +
          "post_only, fok_not_fillable.",
      }),
    reject_code: z.string().nullable().openapi({ description: "For `rejected`: the stable reason code." }),
    reject_reason: z.string().nullable(),
    stop_triggered: z.boolean(),
    created_at: z.string().openapi({ description: "RFC 3339." }),
    created_at_ms: z.number().int(),
    updated_at: z.string().openapi({ description: "RFC 3339." }),
    updated_at_ms: z.number().int(),
  })
  .openapi("Order");

export const FillSchema = z
  .object({
    fill_id: z.string(),
    trade_id: z.number().int(),
    order_id: z.string(),
    client_order_id: z.string(),
    instrument: z.string(),
    side: z.enum(["buy", "sell"]),
    price: Decimal("Trade price."),
    size: Decimal("Traded size.", "0.500"),
    value: Decimal("price × size in the quote asset.", "50.00000000"),
    fee: Decimal("Fee of this fill (negative: rebate).", "0.05000000"),
    fee_asset: z.string(),
    liquidity: z.enum(["maker", "taker"]),
    time: z.string().openapi({ description: "RFC 3339." }),
    time_ms: z.number().int(),
    seq: z.number().int().openapi({ description: "The book's event sequence of the trade." }),
  })
  .openapi("Fill");

export const OrderReplySchema = z
  .object({
    order: OrderSchema,
    fills: z.array(FillSchema).openapi({ description: "Fills this request caused (a taker's, at once)." }),
    replayed: z.boolean().openapi({ description: "True when the client_order_id was seen before: the first outcome." }),
  })
  .openapi("OrderReply");

export const OrderOnlySchema = z.object({ order: OrderSchema }).openapi("OrderResult");

export const BatchBody = z
  .object({
    orders: z
      .array(z.unknown().openapi({ description: "A NewOrder; each is validated on its own." }))
      .min(1, { message: "orders must have at least 1 order" })
      .max(MAX_ORDER_BATCH, { message: `orders must have at most ${MAX_ORDER_BATCH} orders` })
      .openapi({ description: `1 to ${MAX_ORDER_BATCH} NewOrder objects.` }),
  })
  .strict()
  .openapi("OrderBatch");

const BatchErrorSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int().openapi({ description: "The status this order alone would have got." }),
    detail: z.string(),
    code: z.string().openapi({ example: "order_rejected" }),
  })
  .catchall(z.unknown())
  .openapi("BatchError", { description: "Problem details of one refused order (no `instance`)." });

export const BatchReplySchema = z
  .object({
    results: z.array(
      z.object({
        ok: z.boolean(),
        order: OrderSchema.optional(),
        fills: z.array(FillSchema).optional(),
        replayed: z.boolean().optional(),
        error: BatchErrorSchema.optional(),
      }),
    ),
  })
  .openapi("OrderBatchResults", { description: "One result per order, in the request's order." });

const Cursor = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,24}$/, { message: "cursor must be a next_cursor from a previous page" })
  .optional()
  .openapi({ description: "Opaque: `next_cursor` of the previous page." });

const EpochMs = queryInteger({ min: 0, max: Number.MAX_SAFE_INTEGER });

const Limit = queryInteger({ name: "limit", min: 1, max: MAX_ORDER_PAGE })
  .optional()
  .openapi({ description: `Default ${DEFAULT_ORDER_PAGE}, at most ${MAX_ORDER_PAGE}.` });

const Instrument = SymbolString.clone().openapi({ example: "BTC-USD" });

const timeRange = <T extends { start?: number | undefined; end?: number | undefined }>(q: T) =>
  q.start === undefined || q.end === undefined || q.start < q.end;

export const OrderListQuery = z
  .object({
    status: z
      .enum(ORDER_LIST_STATUSES, { message: "status must be open or done" })
      .optional()
      .openapi({ description: "`open` (pending_new, new, partially_filled) or `done`; both by default." }),
    instrument: Instrument.optional(),
    start: EpochMs.optional().openapi({ description: "Orders created at or after, epoch ms." }),
    end: EpochMs.optional().openapi({ description: "Orders created before, epoch ms." }),
    limit: Limit,
    cursor: Cursor,
  })
  .strict()
  .refine(timeRange, { message: "start must be before end", path: ["start"] });

export const FillListQuery = z
  .object({
    instrument: Instrument.optional(),
    order_id: z
      .string()
      .regex(KEY_PATTERN, { message: `order_id must be ${KEY_MESSAGE}` })
      .optional(),
    start: EpochMs.optional().openapi({ description: "Fills at or after, epoch ms." }),
    end: EpochMs.optional().openapi({ description: "Fills before, epoch ms." }),
    limit: Limit,
    cursor: Cursor,
  })
  .strict()
  .refine(timeRange, { message: "start must be before end", path: ["start"] });

export const CancelAllQuery = z
  .object({
    instrument: Instrument.optional().openapi({ description: "Only this instrument's orders." }),
    side: z.enum(["buy", "sell"], { message: "side must be buy or sell" }).optional(),
  })
  .strict();

export const OrderPageSchema = z
  .object({
    orders: z.array(OrderSchema),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for older orders; null at the end." }),
  })
  .openapi("OrderPage");

export const FillPageSchema = z
  .object({
    fills: z.array(FillSchema),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for older fills; null at the end." }),
  })
  .openapi("FillPage");

export const CancelledSchema = z
  .object({ cancelled: z.array(OrderSchema).openapi({ description: "The orders this request cancelled." }) })
  .openapi("CancelledOrders");

export const CancelAfterReplySchema = z
  .object({
    cancel_at: z.string().nullable().openapi({ description: "RFC 3339 of the deadline; null when disarmed." }),
    cancel_at_ms: z.number().int().nullable(),
  })
  .openapi("CancelAfterState");

export const RequestOutcomeSchema = z
  .object({
    key: z.string(),
    in_progress: z.boolean(),
    operation: z
      .enum(["place", "batch", "cancel", "amend", "cancel_all", "cancel_after"])
      .optional()
      .openapi({ description: "What the request did." }),
    status: z.number().int().optional().openapi({ description: "The HTTP status the request was answered with." }),
    response: z
      .unknown()
      .optional()
      .openapi({ description: "The body it was answered with (problems: no `instance`)." }),
    created_at: z.string().optional().openapi({ description: "RFC 3339." }),
    created_at_ms: z.number().int().optional(),
  })
  .openapi("RequestOutcome");
