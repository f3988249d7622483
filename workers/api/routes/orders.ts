/**
 * Order entry over HTTP (mount at /v1): place (one or a batch of 20), read and
 * list, amend, cancel (one, all, after a timeout) and fills, for the caller's
 * own account only. The contracts validate each request; the work is the
 * order operations' (`operations/orders.ts`), which every protocol shares.
 * These handlers only read the request and shape the reply: `201` and
 * `Location` for a new order, `Cache-Control: no-store` on every reply.
 *
 * Every mutation takes an optional `Idempotency-Key` (the object keeps each
 * key's outcome for 24 hours); the request's trace and id go into the object.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
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
import { contextOf, type OperationContext } from "../operations/context.ts";
import * as ops from "../operations/orders.ts";

export const orders = createRouter();

// ── mutations ──────────────────────────────────────────────────────────────

orders.openapi(placeOrder, async (c) => {
  const reply = await ops.placeOrder.run(own(c), c.req.valid("json"));
  if (reply.status === 201) c.header("location", `${c.req.path}/${reply.body.order.order_id}`);
  return c.json(reply.body, reply.status);
});

orders.openapi(placeOrderBatch, async (c) => c.json(await ops.placeOrders.run(own(c), c.req.valid("json")), 200));

orders.openapi(amendOrder, async (c) =>
  c.json(await ops.amendOrder.run(own(c), { ref: c.req.valid("param"), change: c.req.valid("json") }), 200),
);
orders.openapi(amendOrderByClientId, async (c) =>
  c.json(await ops.amendOrder.run(own(c), { ref: c.req.valid("param"), change: c.req.valid("json") }), 200),
);
orders.openapi(cancelOrder, async (c) => c.json(await ops.cancelOrder.run(own(c), c.req.valid("param")), 200));
orders.openapi(cancelOrderByClientId, async (c) =>
  c.json(await ops.cancelOrder.run(own(c), c.req.valid("param")), 200),
);

orders.openapi(cancelAllOrders, async (c) => c.json(await ops.cancelAllOrders.run(own(c), c.req.valid("query")), 200));

orders.openapi(cancelAfter, async (c) => c.json(await ops.cancelAfter.run(own(c), c.req.valid("json")), 200));

// ── reads ──────────────────────────────────────────────────────────────────

orders.openapi(getOrder, async (c) => c.json(await ops.getOrder.run(own(c), c.req.valid("param")), 200));
orders.openapi(getOrderByClientId, async (c) => c.json(await ops.getOrder.run(own(c), c.req.valid("param")), 200));
orders.openapi(listOrders, async (c) => c.json(await ops.listOrders.run(own(c), c.req.valid("query")), 200));
orders.openapi(listFills, async (c) => c.json(await ops.listFills.run(own(c), c.req.valid("query")), 200));

/** The operation context of a request about the caller's own account; its replies are private (`no-store`). */
function own(c: Context<AppEnv>): OperationContext {
  c.header("cache-control", "no-store");
  return contextOf(c);
}
