/**
 * What the edge checks of an order before the account sees it: a new order
 * against its instrument's grid and limits (`checkPlacement`, the same rules
 * the feed's `order.place` and the account's risk apply), one batch item at a
 * time, and the order reference (`order_id` or `client_order_id`) in the
 * grammar of the REST paths.
 */
import { HTTPException } from "hono/http-exception";
import type { Instrument } from "../../../shared/instruments/schema.ts";
import { OrderRefSchema } from "../../../shared/operations/order-ref.ts";
import { withClientOrderId } from "../../../shared/orders/client-order-id.ts";
import {
  checkPlacement,
  FAILOVER_RETRY_AFTER_S,
  type NewOrder,
  NewOrderRequestSchema,
} from "../../../shared/orders/input.ts";
import type { Env } from "../env.ts";
import { instrumentOr404 } from "../instruments.ts";
import { edgeFailure, type Failure } from "./order-outcomes.ts";

/** One order, by the exchange's id or by the client's (the feed's and GraphQL's grammar; REST's paths use the same pattern). */
export const OrderRefInput = OrderRefSchema;

/** A new order checked against its instrument's grid and limits: the refusal, or undefined if it fits. */
export async function checkOrder(env: Env, order: NewOrder): Promise<Failure | undefined> {
  const refused = checkPlacement(order, (await findInstrument(env, order.instrument)) ?? null);
  if (!refused) return undefined;
  const failure = edgeFailure(refused.code, refused.message, refused.details);
  // An instrument in failover: 503 with Retry-After (nothing was sent).
  return refused.code === "instrument_failover"
    ? { ...failure, headers: { "retry-after": String(FAILOVER_RETRY_AFTER_S) } }
    : failure;
}

/** One order of a batch: parsed, given its `client_order_id` if it has none (`seed`), and checked; or the problem it gets. */
export async function checkBatchItem(
  env: Env,
  item: unknown,
  seed: Parameters<typeof withClientOrderId>[1],
): Promise<NewOrder | Failure> {
  const parsed = NewOrderRequestSchema.safeParse(item);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({
      field: i.path.length > 0 ? i.path.join(".") : "order",
      message: i.message,
    }));
    return edgeFailure("invalid_order", `Invalid order: ${errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`, {
      errors,
    });
  }
  const order = await withClientOrderId(parsed.data, seed);
  return (await checkOrder(env, order)) ?? order;
}

async function findInstrument(env: Env, symbol: string): Promise<Instrument | undefined> {
  try {
    return await instrumentOr404(env, symbol);
  } catch (err) {
    if (err instanceof HTTPException && err.status === 404) return undefined;
    throw err;
  }
}
