/**
 * Order entry over HTTP (mount at /v1): place (one or a batch of 20), read and
 * list, amend, cancel (one, all, after a timeout) and fills, for the caller's
 * own account only: every call goes to the caller's Account object, so
 * another account's order id is simply not found there.
 *
 * Every mutation takes an optional `Idempotency-Key` (the object keeps each
 * key's outcome for 24 hours) and carries the request's trace and id into the
 * object. Before a new order leaves the edge it is checked against its
 * instrument's grid and limits (`checkPlacement`, as risk and the book check
 * it): a bad order is a 400 and records nothing. Outcomes become HTTP replies
 * in `order-outcomes.ts`.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { CallOptions, DeskError, OrderOutcome, OrderView } from "../../../durable-objects/account/index.ts";
import { accountStub } from "../../../durable-objects/account/stub.ts";
import type { Instrument } from "../../../shared/instruments/schema.ts";
import {
  type AmendOrder,
  checkPlacement,
  type NewOrder,
  NewOrderSchema,
  type OrderRef,
} from "../../../shared/orders/input.ts";
import { edgeConfig } from "../config/index.ts";
import { decodeId, encodeId } from "../cursors.ts";
import type { AppEnv, Env } from "../env.ts";
import { instrumentOr404 } from "../instruments.ts";
import { callerOf } from "../middleware/auth/index.ts";
import { traceHeaders } from "../middleware/trace/index.ts";
import { isCircuitOpenRefusal } from "../objects/guard.ts";
import { DEFAULT_ORDER_PAGE } from "../openapi/contracts/order-schemas.ts";
import {
  amendOrder,
  amendOrderByClientId,
  cancelAfter,
  cancelAllOrders,
  cancelOrder,
  cancelOrderByClientId,
  getOrder,
  getOrderByClientId,
  listFills,
  listOrders,
  placeOrder,
  placeOrderBatch,
} from "../openapi/contracts/orders.ts";
import { createRouter } from "../openapi/router.ts";
import { rememberKeyedOutcome } from "../redis/idempotency.ts";
import {
  type AnyOutcome,
  batchItem,
  cancelAfterReply,
  cancelAllReply,
  edgeFailure,
  type Failure,
  failure,
  isFailure,
  orderReply,
  unwrap,
} from "./order-outcomes.ts";

export const orders = createRouter();

// ── mutations ──────────────────────────────────────────────────────────────

orders.openapi(placeOrder, async (c) => {
  const { account, stub } = own(c);
  const input = c.req.valid("json");
  const bad = await checkOrder(c.env, input);
  if (bad) unwrap(c, bad);
  const reply = unwrap(c, orderReply(await mutate(c, () => stub.placeOrder(account, input, callOptions(c)))));
  if (reply.status === 201) c.header("location", `${c.req.path}/${reply.body.order.order_id}`);
  return c.json(reply.body, reply.status);
});

orders.openapi(placeOrderBatch, async (c) => {
  const { account, stub } = own(c);
  const items = c.req.valid("json").orders;
  // Each order is checked on its own; only the good ones go to the account, in the request's order.
  const checked = await Promise.all(items.map((item) => checkBatchItem(c.env, item)));
  const accepted = checked.filter((r): r is NewOrder => !isFailure(r));
  let placed: OrderOutcome[] = [];
  if (accepted.length > 0) {
    const outcome = await mutate(c, () => stub.placeOrders(account, accepted, callOptions(c)));
    if (!outcome.ok) unwrap(c, failure(outcome));
    if (!("results" in outcome)) throw new Error("placeOrders answered without results");
    placed = outcome.results as OrderOutcome[];
  }
  let next = 0;
  const results = checked.map((r) => batchItem(isFailure(r) ? r : (placed[next++] as OrderOutcome)));
  return c.json({ results }, 200);
});

orders.openapi(amendOrder, async (c) => c.json(await amend(c, c.req.valid("param"), c.req.valid("json")), 200));
orders.openapi(amendOrderByClientId, async (c) =>
  c.json(await amend(c, c.req.valid("param"), c.req.valid("json")), 200),
);
orders.openapi(cancelOrder, async (c) => c.json(await cancel(c, c.req.valid("param")), 200));
orders.openapi(cancelOrderByClientId, async (c) => c.json(await cancel(c, c.req.valid("param")), 200));

/** Amends one of the caller's orders, by either id. */
async function amend(c: Context<AppEnv>, ref: OrderRef, change: AmendOrder) {
  const { account, stub } = own(c);
  return unwrap(c, orderReply(await mutate(c, () => stub.amendOrder(account, ref, change, callOptions(c))), "amend"))
    .body;
}

/** Cancels one of the caller's orders, by either id. */
async function cancel(c: Context<AppEnv>, ref: OrderRef) {
  const { account, stub } = own(c);
  return unwrap(c, orderReply(await mutate(c, () => stub.cancelOrder(account, ref, callOptions(c))), "cancel")).body;
}

orders.openapi(cancelAllOrders, async (c) => {
  const { account, stub } = own(c);
  const filter = c.req.valid("query");
  const reply = unwrap(c, cancelAllReply(await mutate(c, () => stub.cancelAllOrders(account, filter, callOptions(c)))));
  return c.json(reply.body, 200);
});

orders.openapi(cancelAfter, async (c) => {
  const { account, stub } = own(c);
  const { timeout_ms } = c.req.valid("json");
  const reply = unwrap(
    c,
    cancelAfterReply(await mutate(c, () => stub.cancelAfter(account, timeout_ms, callOptions(c)))),
  );
  return c.json(reply.body, 200);
});

// ── reads ──────────────────────────────────────────────────────────────────

orders.openapi(getOrder, async (c) => {
  const { account, stub } = own(c);
  const result = (await stub.getOrder(account, c.req.valid("param"))) as OrderView | DeskError;
  if ("ok" in result) unwrap(c, failure(result));
  return c.json({ order: result as OrderView }, 200);
});

orders.openapi(getOrderByClientId, async (c) => {
  const { account, stub } = own(c);
  const result = (await stub.getOrder(account, c.req.valid("param"))) as OrderView | DeskError;
  if ("ok" in result) unwrap(c, failure(result));
  return c.json({ order: result as OrderView }, 200);
});

orders.openapi(listOrders, async (c) => {
  const { account, stub } = own(c);
  const q = c.req.valid("query");
  const page = await stub.listOrders(account, {
    status: q.status,
    instrument: q.instrument,
    start: q.start,
    end: q.end,
    before: q.cursor === undefined ? undefined : decodeId(q.cursor),
    limit: q.limit ?? DEFAULT_ORDER_PAGE,
  });
  return c.json(
    { orders: page.items, next_cursor: page.next_before === null ? null : encodeId(page.next_before) },
    200,
  );
});

orders.openapi(listFills, async (c) => {
  const { account, stub } = own(c);
  const q = c.req.valid("query");
  const page = await stub.listFills(account, {
    instrument: q.instrument,
    order_id: q.order_id,
    start: q.start,
    end: q.end,
    before: q.cursor === undefined ? undefined : decodeId(q.cursor),
    limit: q.limit ?? DEFAULT_ORDER_PAGE,
  });
  return c.json({ fills: page.items, next_cursor: page.next_before === null ? null : encodeId(page.next_before) }, 200);
});

// ── helpers ────────────────────────────────────────────────────────────────

/** The caller's account and its object; replies about it are private (`no-store`). */
function own(c: Context<AppEnv>) {
  const { account } = callerOf(c);
  c.header("cache-control", "no-store");
  return { account, stub: accountStub(c.env.ACCOUNT, account) };
}

/** The request's Idempotency-Key, trace and id, and the isolate's configuration versions, for the Account object. */
export function callOptions(c: Context<AppEnv>): CallOptions {
  const options: CallOptions = { traceparent: traceHeaders(c).traceparent, request_id: c.get("requestId") };
  const key = c.req.header("idempotency-key");
  if (key !== undefined) options.idempotency_key = key;
  // The isolate's configuration versions: an Account holding older ones catches up before the call.
  const config = edgeConfig(c.env);
  if (config?.isLoaded) options.config_versions = config.versions();
  return options;
}

/**
 * Runs a mutation on the Account object. If the call itself fails (the object
 * reset or overloaded), whether it took effect is unknown: 503
 * `order_status_unknown`, to be retried with the same key or client order id.
 */
async function mutate(c: Context<AppEnv>, call: () => Promise<AnyOutcome>): Promise<AnyOutcome> {
  try {
    const outcome = await call();
    rememberKeyedOutcome(c, outcome); // Redis, after the response (GET /v1/requests/{key})
    return outcome;
  } catch (err) {
    // Refused by the account's open circuit breaker: never sent, so the outcome is known (503 object_circuit_open).
    if (isCircuitOpenRefusal(err)) throw err;
    console.error(
      JSON.stringify({
        level: "error",
        msg: "account call failed",
        route: c.get("route")?.path ?? null,
        request_id: c.get("requestId") ?? null,
        trace_id: c.get("trace")?.traceId ?? null,
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

/** A new order checked against its instrument's grid and limits: the refusal, or undefined if it fits. */
export async function checkOrder(env: Env, order: NewOrder): Promise<Failure | undefined> {
  const refused = checkPlacement(order, (await findInstrument(env, order.instrument)) ?? null);
  return refused && edgeFailure(refused.code, refused.message, refused.details);
}

/** One order of a batch: parsed and checked, or the problem it gets. */
async function checkBatchItem(env: Env, item: unknown): Promise<NewOrder | Failure> {
  const parsed = NewOrderSchema.safeParse(item);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({
      field: i.path.length > 0 ? i.path.join(".") : "order",
      message: i.message,
    }));
    return edgeFailure("invalid_order", `Invalid order: ${errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`, {
      errors,
    });
  }
  return (await checkOrder(env, parsed.data)) ?? parsed.data;
}

async function findInstrument(env: Env, symbol: string): Promise<Instrument | undefined> {
  try {
    return await instrumentOr404(env, symbol);
  } catch (err) {
    if (err instanceof HTTPException && err.status === 404) return undefined;
    throw err;
  }
}
