/**
 * REST calls of the stream tests (connect-streams, graphql-subscriptions): a JSON call as a
 * trader (or anonymous), throwing on anything but 2xx, and a limit order on the bench instrument.
 */
import { RUN, SYMBOL, type Trader } from "../../bench/orders/setup.ts";
import { CLIENT_HEADERS } from "../../bench/runtime.ts";

// biome-ignore lint/suspicious/noExplicitAny: REST answers are read field by field.
type Any = any;

/** `method path` against `base` as `trader`; the JSON answer. */
export async function restCall(
  base: string,
  trader: Trader | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<Any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...CLIENT_HEADERS,
      ...trader?.headers,
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

let n = 0;

/** A limit order of `trader` on the bench instrument, with a client order id of this run. */
export function placeLimit(
  base: string,
  trader: Trader,
  side: "buy" | "sell",
  price: string,
  size: string,
): Promise<Any> {
  return restCall(base, trader, "POST", "/v1/orders", {
    client_order_id: `st-${RUN}-${n++}`,
    instrument: SYMBOL,
    side,
    type: "limit",
    price,
    size,
  });
}
