/**
 * The request bodies and paths of the order calls: placing (NewOrder), amending, addressing one
 * order, and a page of orders or fills. Prices and sizes go out as decimal strings on the grid.
 */
import {
  type Dict,
  type Exchange,
  functions,
  type Int,
  InvalidOrder,
  type Market,
  type MarketInterface,
  type Num,
  type OrderSide,
  Precise,
  type Str,
} from "ccxt";

/** The names a trigger price goes by: ccxt's, ccxt's older one, the API's. */
const TRIGGER_KEYS = ["triggerPrice", "stopPrice", "stop_price"];

/** The params createOrder reads itself (ccxt's names and the API's); the rest go into the body as is. */
const CREATE_ORDER_KEYS = [
  ...TRIGGER_KEYS,
  "cost",
  "funds",
  "timeInForce",
  "time_in_force",
  "expireTime",
  "expire_time",
  "postOnly",
  "post_only",
  "clientOrderId",
  "client_order_id",
  "idempotencyKey",
];

/** The API's NewOrder body (and the Idempotency-Key header, if given). */
export function createOrderRequest(
  exchange: Exchange,
  market: MarketInterface,
  type: string,
  side: OrderSide,
  amount: Num,
  price: Num,
  params: Dict,
): [Dict, Dict | undefined] {
  const trigger = exchange.safeStringN(params, TRIGGER_KEYS);
  const cost = exchange.safeString2(params, "cost", "funds");
  const tif = exchange.safeStringUpper2(params, "timeInForce", "time_in_force");
  const expire = exchange.safeInteger2(params, "expireTime", "expire_time");
  const postOnly = exchange.safeBool2(params, "postOnly", "post_only") === true || tif === "PO";
  const idempotencyKey = exchange.safeString(params, "idempotencyKey");
  let orderType = type.toLowerCase();
  if (trigger !== undefined && orderType === "limit") orderType = "stop_limit";
  if (trigger !== undefined && orderType === "market") orderType = "stop";
  const request: Dict = { instrument: market.id, side, type: orderType, ...exchange.omit(params, CREATE_ORDER_KEYS) };
  const clientOrderId = clientOrderIdFor(exchange, params);
  if (clientOrderId !== undefined) request.client_order_id = clientOrderId;
  if (orderType === "limit" || orderType === "stop_limit") {
    if (price === undefined) throw new InvalidOrder(`${exchange.id} createOrder() needs a price for ${type} orders`);
    request.price = onGrid(exchange, price, market.precision.price);
  }
  if (trigger !== undefined) request.stop_price = onGrid(exchange, trigger, market.precision.price);
  if (cost !== undefined) request.funds = cost;
  else request.size = onGrid(exchange, amount, market.precision.amount);
  if (tif !== undefined && tif !== "PO") request.time_in_force = tif.toLowerCase();
  if (expire !== undefined) request.expire_time = expire;
  if (postOnly) request.post_only = true;
  return [request, idempotencyKey === undefined ? undefined : { "Idempotency-Key": idempotencyKey }];
}

/** editOrder's PATCH: its path and body (the new total `amount`, `price` and/or trigger price). */
export function editOrderRequest(
  exchange: Exchange,
  market: MarketInterface,
  id: string,
  amount: Num,
  price: Num,
  params: Dict,
): [string, Dict] {
  const trigger = exchange.safeStringN(params, TRIGGER_KEYS);
  const [path, rest] = orderPath(exchange, id, params);
  const request: Dict = exchange.omit(rest, TRIGGER_KEYS);
  if (amount !== undefined) request.size = onGrid(exchange, amount, market.precision.amount);
  if (price !== undefined) request.price = onGrid(exchange, price, market.precision.price);
  if (trigger !== undefined) request.stop_price = onGrid(exchange, trigger, market.precision.price);
  return [path, request];
}

/**
 * The order's client id: the caller's, or (with `options.generateClientOrderId`) one made here.
 * The server names orders sent without one, so generating is optional; drop it with the option.
 */
export function clientOrderIdFor(exchange: Exchange, params: Dict): Str {
  const given = exchange.safeString2(params, "clientOrderId", "client_order_id");
  if (given !== undefined) return given;
  if (exchange.safeBool(exchange.options, "generateClientOrderId") !== true) return undefined;
  return `${exchange.safeString(exchange.options, "clientOrderIdPrefix", "ccxt-")}${exchange.uuid()}`;
}

/**
 * A number as the API's decimal string. A value within a millionth of a step of the grid (float
 * noise: 100.00999999999999) is snapped onto it; one truly off the grid is sent as given, so the
 * server refuses it (`invalid_order`, `price_off_tick` / `size_off_lot`) instead of the order
 * silently moving.
 */
export function onGrid(exchange: Exchange, value: Num | string, step: Num): string {
  const text = exchange.numberToString(value) as string;
  if (step === undefined || step === null) return text;
  const stepText = exchange.numberToString(step) as string;
  if (Precise.stringEq(Precise.stringMod(text, stepText), "0")) return text;
  const snapped = functions.decimalToPrecision(text, functions.ROUND, step, functions.TICK_SIZE) as string;
  const drift = Precise.stringAbs(Precise.stringSub(text, snapped));
  return Precise.stringLe(drift, Precise.stringMul(stepText, "0.000001")) ? snapped : text;
}

/** `orders/{order_id}`, or `orders/client/{client_order_id}` with `params.clientOrderId`. */
export function orderPath(exchange: Exchange, id: string, params: Dict): [string, Dict] {
  const clientOrderId = exchange.safeString2(params, "clientOrderId", "client_order_id");
  const rest = exchange.omit(params, ["clientOrderId", "client_order_id"]);
  if (clientOrderId !== undefined)
    return ["orders/client/{client_order_id}", { ...rest, client_order_id: clientOrderId }];
  return ["orders/{order_id}", { ...rest, order_id: id }];
}

/** `params` narrowed to `symbol`'s instrument (all instruments without one), and that market. */
export function instrumentRequest(exchange: Exchange, symbol: Str, params: Dict): [Market | undefined, Dict] {
  const request: Dict = { ...params };
  let market: Market | undefined;
  if (symbol !== undefined) {
    market = exchange.market(symbol);
    request.instrument = market.id;
  }
  return [market, request];
}

/** The query of a page of orders or fills: `instrument`, `start` and `limit` (1 to 1000). */
export function pageRequest(
  exchange: Exchange,
  symbol: Str,
  since: Int,
  limit: Int,
  params: Dict,
): [Market | undefined, Dict] {
  const [market, request] = instrumentRequest(exchange, symbol, params);
  if (since !== undefined) request.start = String(since);
  if (limit !== undefined) request.limit = String(Math.min(Math.max(limit, 1), 1000));
  return [market, request];
}
