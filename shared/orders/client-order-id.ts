/**
 * The `client_order_id` the server gives an order placed without one: `srv-` and 32
 * lowercase hex digits. With an idempotency key it is derived from the account, the key
 * and the order's place in its request, so a retry of the same request (same key) names
 * the same order and is answered with the first outcome; without a key it is random, and
 * a retry is a new order (send a `client_order_id` or an `Idempotency-Key` to retry safely).
 */
import type { NewOrder, NewOrderRequest } from "./input.ts";

/** The prefix of every generated `client_order_id`. */
export const GENERATED_ID_PREFIX = "srv-";

/** A random generated id. */
export function randomClientOrderId(): string {
  return `${GENERATED_ID_PREFIX}${crypto.randomUUID().replaceAll("-", "")}`;
}

/** The id of the `index`-th order of a request sent with idempotency key `key` by `account`. */
export async function keyedClientOrderId(account: string, key: string, index = 0): Promise<string> {
  const bytes = new TextEncoder().encode(`${account}\n${key}\n${index}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let hex = "";
  for (const b of digest.subarray(0, 16)) hex += b.toString(16).padStart(2, "0");
  return `${GENERATED_ID_PREFIX}${hex}`;
}

/** The order with its `client_order_id`: the client's, or one generated (from the key when there is one). */
export async function withClientOrderId(
  order: NewOrderRequest,
  seed: { account: string; idempotencyKey?: string | undefined; index?: number },
): Promise<NewOrder> {
  if (order.client_order_id !== undefined) return order as NewOrder;
  const id =
    seed.idempotencyKey === undefined
      ? randomClientOrderId()
      : await keyedClientOrderId(seed.account, seed.idempotencyKey, seed.index ?? 0);
  return { ...order, client_order_id: id };
}
