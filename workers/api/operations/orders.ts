/**
 * Order entry and order reads, for the caller's own account only: every call
 * goes to the caller's Account object (idempotency on `client_order_id` and on
 * the idempotency key, pre-trade risk, its order budgets), so another
 * account's order id is simply not found there. Before a new order leaves the
 * edge it is checked against its instrument's grid and limits
 * (`checkPlacement`, as risk and the book check it): a bad order is a 400 and
 * records nothing. Outcomes become replies in `order-outcomes.ts`.
 */

import { z } from "zod";
import type { DeskError, OrderOutcome, OrderView } from "../../../durable-objects/account/index.ts";
import { accountStub } from "../../../durable-objects/account/stub.ts";
import { withClientOrderId } from "../../../shared/orders/client-order-id.ts";
import type { NewOrder } from "../../../shared/orders/input.ts";
import { beforeId, nextIdCursor } from "../cursors.ts";
import { isCircuitOpenRefusal } from "../objects/guard.ts";
import {
  AmendOrderBody,
  BatchBody,
  CancelAfterBody,
  CancelAllQuery,
  DEFAULT_ORDER_PAGE,
  FillListQuery,
  NewOrderBody,
  OrderListQuery,
} from "../openapi/contracts/order-schemas.ts";
import { rememberKeyedOutcome } from "../redis/idempotency.ts";
import { callOptionsOf, type OperationContext } from "./context.ts";
import { callerIn, defineOperation } from "./define.ts";
import { checkBatchItem, checkOrder, OrderRefInput } from "./order-checks.ts";
import {
  type AnyOutcome,
  batchItem,
  cancelAfterReply,
  cancelAllReply,
  failure,
  isFailure,
  orderReply,
  unwrapAt,
} from "./order-outcomes.ts";

// ── mutations ──────────────────────────────────────────────────────────────

export const placeOrder = defineOperation({
  name: "orders.place",
  scope: "trade",
  routeClass: "order_entry",
  idempotency: "client_order_id",
  input: NewOrderBody,
  async run(ctx, input) {
    const { account, stub } = own(ctx);
    const order = await withClientOrderId(input, { account, idempotencyKey: ctx.idempotencyKey });
    const bad = await checkOrder(ctx.env, order);
    if (bad) unwrapAt(ctx.instance, bad);
    // 201 when newly placed, 200 for a replay of its client_order_id.
    return unwrapAt(
      ctx.instance,
      orderReply(await mutate(ctx, () => stub.placeOrder(account, order, callOptionsOf(ctx)))),
    );
  },
});

export const placeOrders = defineOperation({
  name: "orders.place_batch",
  scope: "trade",
  routeClass: "order_entry",
  idempotency: "client_order_id",
  input: BatchBody,
  async run(ctx, { orders }) {
    const { account, stub } = own(ctx);
    // Each order is checked on its own; only the good ones go to the account, in the request's order.
    const checked = await Promise.all(
      orders.map((item, index) =>
        checkBatchItem(ctx.env, item, { account, idempotencyKey: ctx.idempotencyKey, index }),
      ),
    );
    const accepted = checked.filter((r): r is NewOrder => !isFailure(r));
    let placed: OrderOutcome[] = [];
    if (accepted.length > 0) {
      const outcome = await mutate(ctx, () => stub.placeOrders(account, accepted, callOptionsOf(ctx)));
      if (!outcome.ok) unwrapAt(ctx.instance, failure(outcome));
      if (!("results" in outcome)) throw new Error("placeOrders answered without results");
      placed = outcome.results as OrderOutcome[];
    }
    let next = 0;
    return { results: checked.map((r) => batchItem(isFailure(r) ? r : (placed[next++] as OrderOutcome))) };
  },
});

const AmendInput = z.object({ ref: OrderRefInput, change: AmendOrderBody });

export const amendOrder = defineOperation({
  name: "orders.amend",
  scope: "trade",
  routeClass: "order_entry",
  idempotency: "key",
  input: AmendInput,
  async run(ctx, { ref, change }) {
    const { account, stub } = own(ctx);
    const outcome = await mutate(ctx, () => stub.amendOrder(account, ref, change, callOptionsOf(ctx)));
    return unwrapAt(ctx.instance, orderReply(outcome, "amend")).body;
  },
});

export const cancelOrder = defineOperation({
  name: "orders.cancel",
  scope: "trade",
  routeClass: "cancel",
  idempotency: "key",
  input: OrderRefInput,
  async run(ctx, ref) {
    const { account, stub } = own(ctx);
    const outcome = await mutate(ctx, () => stub.cancelOrder(account, ref, callOptionsOf(ctx)));
    return unwrapAt(ctx.instance, orderReply(outcome, "cancel")).body;
  },
});

export const cancelAllOrders = defineOperation({
  name: "orders.cancel_all",
  scope: "trade",
  routeClass: "cancel",
  idempotency: "key",
  input: CancelAllQuery,
  async run(ctx, filter) {
    const { account, stub } = own(ctx);
    const outcome = await mutate(ctx, () => stub.cancelAllOrders(account, filter, callOptionsOf(ctx)));
    return unwrapAt(ctx.instance, cancelAllReply(outcome)).body;
  },
});

export const cancelAfter = defineOperation({
  name: "orders.cancel_after",
  scope: "trade",
  routeClass: "cancel",
  idempotency: "key",
  input: CancelAfterBody,
  async run(ctx, { timeout_ms }) {
    const { account, stub } = own(ctx);
    const outcome = await mutate(ctx, () => stub.cancelAfter(account, timeout_ms, callOptionsOf(ctx)));
    return unwrapAt(ctx.instance, cancelAfterReply(outcome)).body;
  },
});

// ── reads ──────────────────────────────────────────────────────────────────

export const getOrder = defineOperation({
  name: "orders.get",
  scope: "read",
  routeClass: "account",
  idempotency: "read",
  input: OrderRefInput,
  async run(ctx, ref) {
    const { account, stub } = own(ctx);
    const result = (await stub.getOrder(account, ref)) as OrderView | DeskError;
    if ("ok" in result) unwrapAt(ctx.instance, failure(result));
    return { order: result as OrderView };
  },
});

export const listOrders = defineOperation({
  name: "orders.list",
  scope: "read",
  routeClass: "account",
  idempotency: "read",
  input: OrderListQuery,
  async run(ctx, q) {
    const { account, stub } = own(ctx);
    const page = await stub.listOrders(account, {
      status: q.status,
      instrument: q.instrument,
      start: q.start,
      end: q.end,
      before: beforeId(q.cursor),
      limit: q.limit ?? DEFAULT_ORDER_PAGE,
    });
    return { orders: page.items, next_cursor: nextIdCursor(page.next_before) };
  },
});

export const listFills = defineOperation({
  name: "orders.fills",
  scope: "read",
  routeClass: "account",
  idempotency: "read",
  input: FillListQuery,
  async run(ctx, q) {
    const { account, stub } = own(ctx);
    const page = await stub.listFills(account, {
      instrument: q.instrument,
      order_id: q.order_id,
      start: q.start,
      end: q.end,
      before: beforeId(q.cursor),
      limit: q.limit ?? DEFAULT_ORDER_PAGE,
    });
    return { fills: page.items, next_cursor: nextIdCursor(page.next_before) };
  },
});

// ── helpers ────────────────────────────────────────────────────────────────

/** The caller's account and its object (the operation's scope was checked: there is a caller). */
function own(ctx: OperationContext) {
  const { account } = callerIn(ctx);
  return { account, stub: accountStub(ctx.env.ACCOUNT, account) };
}

/**
 * Runs a mutation on the Account object. If the call itself fails (the object
 * reset or overloaded), whether it took effect is unknown: 503
 * `order_status_unknown`, to be retried with the same key or client order id.
 */
async function mutate(ctx: OperationContext, call: () => Promise<AnyOutcome>): Promise<AnyOutcome> {
  try {
    const outcome = await call();
    if (ctx.http) rememberKeyedOutcome(ctx.http, outcome); // Redis, after the response (GET /v1/requests/{key})
    return outcome;
  } catch (err) {
    // Refused by the account's open circuit breaker: never sent, so the outcome is known (503 object_circuit_open).
    if (isCircuitOpenRefusal(err)) throw err;
    console.error(
      JSON.stringify({
        level: "error",
        msg: "account call failed",
        route: ctx.http?.get("route")?.path ?? ctx.instance,
        request_id: ctx.requestId ?? null,
        trace_id: ctx.http?.get("trace")?.traceId ?? null,
        error: String(err),
      }),
    );
    return {
      ok: false,
      code: "order_status_unknown",
      message:
        "The account did not answer; the outcome is not known. Repeat the request (same Idempotency-Key or " +
        "client_order_id) to learn it.",
    };
  }
}
