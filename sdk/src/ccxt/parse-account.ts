/** The caller's orders and balances as ccxt's `Order` and `Balances`. */
import type { Balances, Dict, Exchange, Market, Order, Str } from "ccxt";
import { dictOf, listOf } from "./response.ts";

/** The API's order statuses as ccxt's. */
const ORDER_STATUS: Record<string, string> = {
  pending_new: "open",
  new: "open",
  partially_filled: "open",
  filled: "closed",
  cancelled: "canceled",
  expired: "expired",
  rejected: "rejected",
};

/** ccxt's status for the API's (an unknown one passes through). */
function orderStatus(status: Str): Str {
  return status === undefined ? undefined : (ORDER_STATUS[status] ?? status);
}

/** ccxt's types: a stop is a market order with a trigger, a stop-limit a limit order with one. */
function orderType(kind: Str): Str {
  return kind === "stop" ? "market" : kind === "stop_limit" ? "limit" : kind;
}

/** An order of the API (`order_id`, `client_order_id`, sizes, `status` …). */
export function parseOrder(exchange: Exchange, order: Dict, market?: Market): Order {
  const created = exchange.safeInteger(order, "created_at_ms");
  const tif = exchange.safeStringUpper(order, "time_in_force");
  const postOnly = exchange.safeBool(order, "post_only");
  return exchange.safeOrder(
    {
      id: exchange.safeString(order, "order_id"),
      clientOrderId: exchange.safeString(order, "client_order_id"),
      timestamp: created,
      datetime: exchange.iso8601(created),
      lastTradeTimestamp: undefined,
      lastUpdateTimestamp: exchange.safeInteger(order, "updated_at_ms"),
      symbol: exchange.safeSymbol(exchange.safeString(order, "instrument"), market, "-"),
      type: orderType(exchange.safeString(order, "type")),
      timeInForce: postOnly ? "PO" : tif,
      postOnly,
      reduceOnly: undefined,
      side: exchange.safeString(order, "side"),
      price: exchange.safeString(order, "price"),
      triggerPrice: exchange.safeString(order, "stop_price"),
      amount: exchange.safeString(order, "size"),
      cost: exchange.safeString(order, "executed_value"),
      average: exchange.safeString(order, "average_price"),
      filled: exchange.safeString(order, "filled_size"),
      remaining: exchange.safeString(order, "remaining_size"),
      status: orderStatus(exchange.safeString(order, "status")),
      fee: {
        cost: exchange.safeNumber(order, "fees"),
        currency: exchange.safeCurrencyCode(exchange.safeString(order, "fee_asset")),
      },
      trades: undefined,
      info: order,
    },
    market,
  );
}

/**
 * `{order, fills}` of a placement, amendment or cancel: the order with the fills this request caused.
 * Through `exchange.parseOrder` / `parseTrades`, so the class's overrides apply.
 */
export function parseOrderWithFills(exchange: Exchange, response: Dict, market?: Market): Order {
  const order = exchange.parseOrder(dictOf(exchange, response, "order"), market);
  const fills = listOf(exchange, response, "fills");
  if (fills.length > 0) order.trades = exchange.parseTrades(fills, market);
  return order;
}

/** `GET /v1/accounts/me/balances`: available, on hold and total per asset. */
export function parseBalance(exchange: Exchange, response: Dict): Balances {
  const result: Dict = { info: response };
  for (const entry of listOf(exchange, response, "balances")) {
    const account = exchange.account();
    account.free = exchange.safeString(entry, "available");
    account.used = exchange.safeString(entry, "hold");
    account.total = exchange.safeString(entry, "total");
    result[exchange.safeCurrencyCode(exchange.safeString(entry, "asset")) as string] = account;
  }
  return exchange.safeBalance(result);
}
