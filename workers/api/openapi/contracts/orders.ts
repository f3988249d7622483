/**
 * Contracts of order entry over HTTP: place (one or a batch), read, list,
 * amend, cancel (one, all, after a timeout), fills, and the outcome of a
 * request by its Idempotency-Key. Mutations need `trade`, reads `read`; only
 * the caller's own account is ever addressed. The schemas are in
 * `order-schemas.ts`.
 */
import type { z } from "@hono/zod-openapi";
import { defineRoute } from "../define.ts";
import { json, problems } from "../schemas.ts";
import {
  AmendOrderBody,
  BatchBody,
  BatchReplySchema,
  CancelAfterBody,
  CancelAfterReplySchema,
  CancelAllQuery,
  CancelledSchema,
  ClientOrderIdParams,
  FillListQuery,
  FillPageSchema,
  IdempotencyHeaders,
  MAX_ORDER_BATCH,
  NewOrderBody,
  OrderIdParams,
  OrderListQuery,
  OrderOnlySchema,
  OrderPageSchema,
  OrderReplySchema,
  RequestKeyParams,
  RequestOutcomeSchema,
} from "./order-schemas.ts";

const body = <S extends z.ZodType>(schema: S) => ({ required: true, content: { "application/json": { schema } } });

// ── operations ─────────────────────────────────────────────────────────────

const tags = ["orders"];
const mutationProblems = problems(400, 401, 403, 404, 409, 413, 415, 422, 429, 503);

export const placeOrder = defineRoute({
  method: "post",
  path: "/orders",
  operationId: "placeOrder",
  tags,
  summary: "Place an order",
  description:
    "201 with the order and the fills it made at once; the same `client_order_id` with the same order answers " +
    "200 with the first outcome (`replayed: true`), with another order 409 `client_order_id_conflict`. A shape " +
    "or grid error (off tick, off lot, below the minimum) is 400 `invalid_order` and records nothing; a refusal " +
    "by risk or the book (funds, price band, post-only crossing, market closed) is 422 `order_rejected` with " +
    "`reason` and the rejected `order`.",
  scope: "trade",
  routeClass: "order_entry",
  request: { headers: IdempotencyHeaders, body: body(NewOrderBody) },
  responses: {
    200: json(OrderReplySchema, "A replay: the first outcome of this client_order_id."),
    201: json(OrderReplySchema, "Placed (possibly filled already)."),
    ...mutationProblems,
  },
});

export const placeOrderBatch = defineRoute({
  method: "post",
  path: "/orders/batch",
  operationId: "placeOrderBatch",
  tags,
  summary: `Place 1 to ${MAX_ORDER_BATCH} orders, each with its own result`,
  description:
    "Each order is validated and placed on its own: a bad or refused order gets an `error` (the problem it " +
    "would have got alone, its `status` included) and does not stop the others. With an Idempotency-Key, the " +
    "key covers the orders that passed validation.",
  scope: "trade",
  routeClass: "order_entry",
  request: { headers: IdempotencyHeaders, body: body(BatchBody) },
  responses: { 200: json(BatchReplySchema, "One result per order."), ...mutationProblems },
});

export const getOrder = defineRoute({
  method: "get",
  path: "/orders/{order_id}",
  operationId: "getOrder",
  tags,
  summary: "One of the caller's orders, by order id",
  scope: "read",
  routeClass: "account",
  request: { params: OrderIdParams },
  responses: { 200: json(OrderOnlySchema, "The order."), ...problems(400, 401, 403, 404) },
});

export const getOrderByClientId = defineRoute({
  method: "get",
  path: "/orders/client/{client_order_id}",
  operationId: "getOrderByClientId",
  tags,
  summary: "One of the caller's orders, by client order id",
  scope: "read",
  routeClass: "account",
  request: { params: ClientOrderIdParams },
  responses: { 200: json(OrderOnlySchema, "The order."), ...problems(400, 401, 403, 404) },
});

export const listOrders = defineRoute({
  method: "get",
  path: "/orders",
  operationId: "listOrders",
  tags,
  summary: "The caller's orders, newest first",
  description:
    "Filter by `status` (open or done), `instrument` and creation time (`start` inclusive, `end` exclusive, " +
    "epoch ms); page older with `cursor` = the previous `next_cursor`.",
  scope: "read",
  routeClass: "account",
  request: { query: OrderListQuery },
  responses: { 200: json(OrderPageSchema, "Orders, newest first."), ...problems(400, 401, 403) },
});

const amendDescription =
  "The new total `size` (filled included), `price` or `stop_price`. A size that needs more funds than " +
  "available, or that the book refuses, is 422 `amend_rejected` with `reason`; an order no longer open is " +
  "409 `order_not_open`.";

export const amendOrder = defineRoute({
  method: "patch",
  path: "/orders/{order_id}",
  operationId: "amendOrder",
  tags,
  summary: "Amend an open order",
  description: amendDescription,
  scope: "trade",
  routeClass: "order_entry",
  request: { headers: IdempotencyHeaders, params: OrderIdParams, body: body(AmendOrderBody) },
  responses: { 200: json(OrderReplySchema, "Amended."), ...mutationProblems },
});

export const amendOrderByClientId = defineRoute({
  method: "patch",
  path: "/orders/client/{client_order_id}",
  operationId: "amendOrderByClientId",
  tags,
  summary: "Amend an open order, by client order id",
  description: amendDescription,
  scope: "trade",
  routeClass: "order_entry",
  request: { headers: IdempotencyHeaders, params: ClientOrderIdParams, body: body(AmendOrderBody) },
  responses: { 200: json(OrderReplySchema, "Amended."), ...mutationProblems },
});

const cancelDescription =
  "200 with the cancelled order and its hold released; an order already done (or cancelled) is 409 " +
  "`order_not_open` carrying the `order`.";

export const cancelOrder = defineRoute({
  method: "delete",
  path: "/orders/{order_id}",
  operationId: "cancelOrder",
  tags,
  summary: "Cancel an open order",
  description: cancelDescription,
  scope: "trade",
  routeClass: "cancel",
  request: { headers: IdempotencyHeaders, params: OrderIdParams },
  responses: { 200: json(OrderReplySchema, "Cancelled."), ...problems(400, 401, 403, 404, 409, 429, 503) },
});

export const cancelOrderByClientId = defineRoute({
  method: "delete",
  path: "/orders/client/{client_order_id}",
  operationId: "cancelOrderByClientId",
  tags,
  summary: "Cancel an open order, by client order id",
  description: cancelDescription,
  scope: "trade",
  routeClass: "cancel",
  request: { headers: IdempotencyHeaders, params: ClientOrderIdParams },
  responses: { 200: json(OrderReplySchema, "Cancelled."), ...problems(400, 401, 403, 404, 409, 429, 503) },
});

export const cancelAllOrders = defineRoute({
  method: "delete",
  path: "/orders",
  operationId: "cancelAllOrders",
  tags,
  summary: "Cancel all open orders (of one instrument and side if given)",
  scope: "trade",
  routeClass: "cancel",
  request: { headers: IdempotencyHeaders, query: CancelAllQuery },
  responses: { 200: json(CancelledSchema, "What was cancelled."), ...problems(400, 401, 403, 404, 429, 503) },
});

export const cancelAfter = defineRoute({
  method: "post",
  path: "/orders/cancel-after",
  operationId: "cancelAfter",
  tags,
  summary: "Arm, refresh or disarm the dead-man timer",
  description:
    "Every open order is cancelled `timeout_ms` from now unless this is sent again first; `timeout_ms: 0` " +
    "disarms. The timer is the account's, shared by all its keys and connections.",
  scope: "trade",
  routeClass: "cancel",
  request: { headers: IdempotencyHeaders, body: body(CancelAfterBody) },
  responses: { 200: json(CancelAfterReplySchema, "The deadline now."), ...mutationProblems },
});

export const listFills = defineRoute({
  method: "get",
  path: "/fills",
  operationId: "listFills",
  tags,
  summary: "The caller's fills, newest first",
  description:
    "Filter by `instrument`, `order_id` and time (`start` inclusive, `end` exclusive, epoch ms); page older " +
    "with `cursor` = the previous `next_cursor`.",
  scope: "read",
  routeClass: "account",
  request: { query: FillListQuery },
  responses: { 200: json(FillPageSchema, "Fills, newest first."), ...problems(400, 401, 403) },
});

export const getRequestOutcome = defineRoute({
  method: "get",
  path: "/requests/{key}",
  operationId: "getRequestOutcome",
  tags,
  summary: "The outcome of a mutation sent with an Idempotency-Key",
  description:
    "200 with the operation, the HTTP `status` and the `response` body the request got; 202 " +
    "`{in_progress: true}` (with `Retry-After: 1`) while it is still running; 404 `request_not_found` for a " +
    "key never used (or older than 24 hours, or whose outcome was unknown and may be retried).",
  scope: "read",
  routeClass: "account",
  request: { params: RequestKeyParams },
  responses: {
    200: json(RequestOutcomeSchema, "The stored outcome."),
    202: json(RequestOutcomeSchema, "Still running: ask again."),
    ...problems(400, 401, 403, 404),
  },
});

/** Every operation above, paths relative to /v1. */
export const ORDER_CONTRACTS = [
  placeOrder,
  placeOrderBatch,
  listOrders,
  getOrder,
  getOrderByClientId,
  amendOrder,
  amendOrderByClientId,
  cancelOrder,
  cancelOrderByClientId,
  cancelAllOrders,
  cancelAfter,
  listFills,
  getRequestOutcome,
] as const;
