/**
 * `platform3`: Platform3 Edge as a ccxt exchange. Public market data and HMAC-signed private calls (X-P3-Key,
 * X-P3-Timestamp, X-P3-Nonce, X-P3-Signature) over the REST API, with ccxt's unified structures and error classes.
 * Symbols are ccxt's `BASE/QUOTE`; the API's ids are `BASE-QUOTE`. Usage: index.ts.
 *
 * ccxt's own methods are untyped JavaScript underneath; this class keeps its public methods typed
 * with ccxt's structures. It is the wiring: each unified method builds its request (*-requests.ts),
 * calls, and parses (parse-*.ts, through ccxt's `safe*` helpers); signing.ts signs, problems.ts maps
 * errors, description.ts is describe().
 */
import {
  type Balances,
  type Currencies,
  type Dict,
  Exchange,
  type Int,
  type Market,
  type MarketInterface,
  type Num,
  type OHLCV,
  type Order,
  type OrderBook,
  type OrderSide,
  type OrderType,
  type Status,
  type Str,
  type Strings,
  type Ticker,
  type Tickers,
  type Trade,
} from "ccxt";
import { platform3Description } from "./description.ts";
import { ohlcvRequest, orderBookRequest, tradesRequest } from "./market-data-requests.ts";
import {
  clientOrderIdFor,
  createOrderRequest,
  editOrderRequest,
  instrumentRequest,
  onGrid,
  orderPath,
  pageRequest,
} from "./order-requests.ts";
import { parseBalance, parseOrder, parseOrderWithFills } from "./parse-account.ts";
import { parseOHLCV, parseTicker, parseTrade } from "./parse-market-data.ts";
import { parseCurrencies, parseMarket } from "./parse-markets.ts";
import { parseStatus } from "./parse-status.ts";
import { throwForProblem } from "./problems.ts";
import { dictOf, listOf } from "./response.ts";
import { type Api, type Method, restOrigin, signRequest } from "./signing.ts";

export class platform3 extends Exchange {
  override describe(): Dict {
    return this.deepExtend(super.describe(), platform3Description());
  }

  // ---------------------------------------------------------------- transport

  /** The deployment's origin, `urls.api.rest` (a plain string `urls.api` works too). */
  baseUrl(): string {
    return restOrigin(this);
  }

  /** One API call: `path` below `/v1/`, with `{param}` placeholders filled from `params`. */
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read with ccxt's safe* helpers.
  async call(api: Api, method: Method, path: string, params: Dict = {}, headers?: Dict): Promise<any> {
    return await this.fetch2(path, api, method, params, headers);
  }

  /** `obj[key]` as a list of objects (empty when absent). */
  listOf(obj: unknown, key: string): Dict[] {
    return listOf(this, obj, key);
  }

  /** `obj[key]` as an object (empty when absent). */
  dictOf(obj: unknown, key: string): Dict {
    return dictOf(this, obj, key);
  }

  override sign(
    path: string,
    api: Api = "public",
    method = "GET",
    params: Dict = {},
    headers?: Dict,
    body?: Str,
  ): Dict {
    return signRequest(this, this.baseUrl(), path, api, method, params, headers, body);
  }

  override handleErrors(
    status: number,
    _reason: string,
    _url: string,
    _method: string,
    _headers: Dict,
    body: string,
    response: unknown,
    _requestHeaders?: unknown,
    _requestBody?: unknown,
  ): undefined {
    return throwForProblem(this, status, body, response);
  }

  // ---------------------------------------------------------------- system

  override async fetchTime(params: Dict = {}): Promise<Int> {
    const response = await this.call("public", "GET", "time", params);
    return this.safeInteger(response, "epoch_ms");
  }

  override async fetchStatus(params: Dict = {}): Promise<Status> {
    const response = await this.call("public", "GET", "health", params);
    return parseStatus(this, response);
  }

  // ---------------------------------------------------------------- markets

  override async fetchMarkets(params: Dict = {}): Promise<Market[]> {
    const response = await this.call("public", "GET", "instruments", params);
    return this.listOf(response, "instruments").map((m) => this.parseMarket(m as Dict));
  }

  override parseMarket(market: Dict): Market {
    return parseMarket(this, market);
  }

  /** The assets the instruments trade (the API has no asset list of its own). */
  override async fetchCurrencies(params: Dict = {}): Promise<Currencies> {
    const response = await this.call("public", "GET", "instruments", params);
    return parseCurrencies(this, this.listOf(response, "instruments"));
  }

  // ---------------------------------------------------------------- market data

  override async fetchTicker(symbol: string, params: Dict = {}): Promise<Ticker> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const request = { ...params, symbol: market.id };
    const response = await this.call("public", "GET", "instruments/{symbol}/ticker", request);
    return this.parseTicker(response, market);
  }

  /** One call for every market (`GET /v1/tickers`), filtered to `symbols` when given. */
  override async fetchTickers(symbols?: Strings, params: Dict = {}): Promise<Tickers> {
    await this.loadMarkets();
    const wanted = this.marketSymbols(symbols) ?? (this.symbols as string[]);
    const response = await this.call("public", "GET", "tickers", params);
    const tickers = this.listOf(response, "tickers")
      .filter((t) => (this.safeString(t, "instrument") ?? "") in (this.markets_by_id ?? {}))
      .map((t) => this.parseTicker(t, this.safeMarket(this.safeString(t, "instrument"))));
    return this.filterByArrayTickers(tickers, "symbol", wanted);
  }

  override parseTicker(ticker: Dict, market?: Market): Ticker {
    return parseTicker(this, ticker, market);
  }

  override async fetchOrderBook(symbol: string, limit?: Int, params: Dict = {}): Promise<OrderBook> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const request = orderBookRequest(market, limit);
    const response = await this.call("public", "GET", "instruments/{symbol}/book", { ...request, ...params });
    const book = this.parseOrderBook(response, market.symbol, this.safeInteger(response, "time"));
    book.nonce = this.safeInteger(response, "seq");
    return book;
  }

  override async fetchTrades(symbol: string, since?: Int, limit?: Int, params: Dict = {}): Promise<Trade[]> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const request = tradesRequest(market, since, limit);
    const response = await this.call("public", "GET", "instruments/{symbol}/trades", { ...request, ...params });
    return this.parseTrades(this.listOf(response, "trades"), market, since, limit);
  }

  /** A public trade (`trade_id`, aggressor `side`) or one of the caller's fills (`fill_id`, `fee`, `liquidity`). */
  override parseTrade(trade: Dict, market?: Market): Trade {
    return parseTrade(this, trade, market);
  }

  override async fetchOHLCV(
    symbol: string,
    timeframe = "1m",
    since?: Int,
    limit?: Int,
    params: Dict = {},
  ): Promise<OHLCV[]> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const request = ohlcvRequest(this, market, timeframe, since, limit);
    const response = await this.call("public", "GET", "instruments/{symbol}/candles", { ...request, ...params });
    return this.parseOHLCVs(this.listOf(response, "candles"), market, timeframe, since, limit);
  }

  override parseOHLCV(ohlcv: Dict, _market?: Market): OHLCV {
    return parseOHLCV(this, ohlcv);
  }

  // ---------------------------------------------------------------- account

  override async fetchBalance(params: Dict = {}): Promise<Balances> {
    const response = await this.call("private", "GET", "accounts/me/balances", params);
    return this.parseBalance(response);
  }

  override parseBalance(response: Dict): Balances {
    return parseBalance(this, response);
  }

  // ---------------------------------------------------------------- orders

  /**
   * `type` limit or market; a `triggerPrice` (or ccxt's older `stopPrice`, or `stop_price`) makes it
   * a stop (market) or stop_limit (limit). params: `clientOrderId`, `timeInForce` (GTC, IOC, FOK, GTD
   * with `expireTime`, PO), `postOnly`, `cost` (a market or stop order sized by quote funds), `stp`,
   * `idempotencyKey` (the Idempotency-Key header); anything else goes into the body as is.
   */
  override async createOrder(
    symbol: string,
    type: OrderType,
    side: OrderSide,
    amount: number,
    price?: Num,
    params: Dict = {},
  ): Promise<Order> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const [request, headers] = this.createOrderRequest(market, type, side, amount, price, params);
    const response = await this.call("private", "POST", "orders", request, headers);
    return this.orderWithFills(response, market);
  }

  /** The API's NewOrder body (and the Idempotency-Key header, if given). */
  createOrderRequest(
    market: MarketInterface,
    type: string,
    side: OrderSide,
    amount: Num,
    price: Num,
    params: Dict,
  ): [Dict, Dict | undefined] {
    return createOrderRequest(this, market, type, side, amount, price, params);
  }

  /** The order's client id: the caller's, or (with `options.generateClientOrderId`) one made here. */
  clientOrderIdFor(params: Dict): Str {
    return clientOrderIdFor(this, params);
  }

  /** A number as the API's decimal string, float noise snapped onto the grid (order-requests.ts). */
  onGrid(value: Num | string, step: Num): string {
    return onGrid(this, value, step);
  }

  override async createMarketBuyOrderWithCost(symbol: string, cost: number, params: Dict = {}): Promise<Order> {
    const request = { ...params, cost: this.numberToString(cost) };
    return await this.createOrder(symbol, "market", "buy", cost, undefined, request);
  }

  /** PATCH: the new total `amount` (filled included), `price` and/or `triggerPrice`. */
  override async editOrder(
    id: string,
    symbol: string,
    _type: OrderType,
    _side: OrderSide,
    amount?: Num,
    price?: Num,
    params: Dict = {},
  ): Promise<Order> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const [path, request] = editOrderRequest(this, market, id, amount, price, params);
    const response = await this.call("private", "PATCH", path, request);
    return this.orderWithFills(response, market);
  }

  override async cancelOrder(id: string, symbol?: Str, params: Dict = {}): Promise<Order> {
    await this.loadMarkets();
    const market = symbol === undefined ? undefined : this.market(symbol);
    const [path, request] = this.orderPath(id, params);
    const response = await this.call("private", "DELETE", path, request);
    return this.orderWithFills(response, market);
  }

  /** Every open order, or those of `symbol` (and `params.side`). */
  override async cancelAllOrders(symbol?: Str, params: Dict = {}): Promise<Order[]> {
    await this.loadMarkets();
    const [market, request] = instrumentRequest(this, symbol, params);
    const response = await this.call("private", "DELETE", "orders", request);
    return this.parseOrders(this.listOf(response, "cancelled"), market);
  }

  override async fetchOrder(id: string, symbol?: Str, params: Dict = {}): Promise<Order> {
    await this.loadMarkets();
    const market = symbol === undefined ? undefined : this.market(symbol);
    const [path, request] = this.orderPath(id, params);
    const response = await this.call("private", "GET", path, request);
    return this.parseOrder(this.dictOf(response, "order"), market);
  }

  override async fetchOrders(symbol?: Str, since?: Int, limit?: Int, params: Dict = {}): Promise<Order[]> {
    return await this.listOrders(undefined, symbol, since, limit, params);
  }

  override async fetchOpenOrders(symbol?: Str, since?: Int, limit?: Int, params: Dict = {}): Promise<Order[]> {
    return await this.listOrders("open", symbol, since, limit, params);
  }

  override async fetchClosedOrders(symbol?: Str, since?: Int, limit?: Int, params: Dict = {}): Promise<Order[]> {
    return await this.listOrders("done", symbol, since, limit, params);
  }

  /** One page, newest first on the API (`params.cursor`: a previous page's `next_cursor`). */
  async listOrders(status: Str, symbol?: Str, since?: Int, limit?: Int, params: Dict = {}): Promise<Order[]> {
    await this.loadMarkets();
    const [market, request] = this.pageRequest(symbol, since, limit, params);
    if (status !== undefined) request.status = status;
    const response = await this.call("private", "GET", "orders", request);
    return this.parseOrders(this.listOf(response, "orders"), market, since, limit);
  }

  override async fetchMyTrades(symbol?: Str, since?: Int, limit?: Int, params: Dict = {}): Promise<Trade[]> {
    await this.loadMarkets();
    const [market, request] = this.pageRequest(symbol, since, limit, params);
    const response = await this.call("private", "GET", "fills", request);
    return this.parseTrades(this.listOf(response, "fills"), market, since, limit);
  }

  override async fetchOrderTrades(
    id: string,
    symbol?: Str,
    since?: Int,
    limit?: Int,
    params: Dict = {},
  ): Promise<Trade[]> {
    return await this.fetchMyTrades(symbol, since, limit, { ...params, order_id: id });
  }

  pageRequest(symbol: Str, since: Int, limit: Int, params: Dict): [Market | undefined, Dict] {
    return pageRequest(this, symbol, since, limit, params);
  }

  /** `orders/{order_id}`, or `orders/client/{client_order_id}` with `params.clientOrderId`. */
  orderPath(id: string, params: Dict): [string, Dict] {
    return orderPath(this, id, params);
  }

  /** `{order, fills}` of a placement, amendment or cancel: the order with the fills this request caused. */
  orderWithFills(response: Dict, market?: Market): Order {
    return parseOrderWithFills(this, response, market);
  }

  override parseOrder(order: Dict, market?: Market): Order {
    return parseOrder(this, order, market);
  }
}

export default platform3;
