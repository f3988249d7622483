/**
 * `platform3`: Platform3 Edge as a ccxt exchange. Public market data and
 * HMAC-signed private calls (X-P3-Key, X-P3-Timestamp, X-P3-Nonce,
 * X-P3-Signature) over the REST API, with ccxt's unified structures and error
 * classes. Symbols are ccxt's `BASE/QUOTE`; the API's ids are `BASE-QUOTE`.
 *
 * ```ts
 * import platform3 from "@platform3/client/ccxt";
 * const ex = new platform3({ apiKey: "k_…", secret: "s_…", urls: { api: { rest: "https://edge.example.com" } } });
 * await ex.createOrder("BTC/USD", "limit", "buy", 0.01, 65000);
 * ```
 *
 * ccxt's own methods are untyped JavaScript underneath; this class keeps its
 * public methods typed with ccxt's structures and reads the API's JSON through
 * ccxt's `safe*` helpers.
 */
import {
  type Balances,
  type Currencies,
  type Dict,
  Exchange,
  ExchangeError,
  functions,
  type Int,
  InvalidOrder,
  type Market,
  type MarketInterface,
  type Num,
  type OHLCV,
  type Order,
  type OrderBook,
  type OrderSide,
  type OrderType,
  Precise,
  type Status,
  type Str,
  type Strings,
  type Ticker,
  type Tickers,
  type Trade,
} from "ccxt";
import { BROAD, EXACT } from "./errors.ts";
import { sha256 } from "./sha256.ts";

/** ccxt's hash argument (a `@noble/hashes` hasher); ours has that shape. */
type CcxtHash = Parameters<Exchange["hash"]>[1];
const SHA256 = sha256 as unknown as CcxtHash;

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

type Api = "public" | "private";
type Method = "GET" | "POST" | "PATCH" | "DELETE";

export class platform3 extends Exchange {
  override describe(): Dict {
    return this.deepExtend(super.describe(), {
      id: "platform3",
      name: "Platform3 Edge",
      countries: [],
      version: "v1",
      // The edge's per-key budget is 1200 units a minute (20/s); order entry 100 per 10 s.
      rateLimit: 50,
      certified: false,
      pro: false,
      has: {
        CORS: undefined,
        spot: true,
        margin: false,
        swap: false,
        future: false,
        option: false,
        cancelAllOrders: true,
        cancelOrder: true,
        createLimitOrder: true,
        createMarketOrder: true,
        createMarketBuyOrderWithCost: true,
        createOrder: true,
        createPostOnlyOrder: true,
        createStopLimitOrder: true,
        createStopMarketOrder: true,
        createStopOrder: true,
        createTriggerOrder: true,
        editOrder: true,
        fetchBalance: true,
        fetchClosedOrders: true,
        fetchCurrencies: true,
        fetchMarkets: true,
        fetchMyTrades: true,
        fetchOHLCV: true,
        fetchOpenOrders: true,
        fetchOrder: true,
        fetchOrderBook: true,
        fetchOrders: true,
        fetchOrderTrades: true,
        fetchStatus: true,
        fetchTicker: true,
        fetchTickers: true,
        fetchTime: true,
        fetchTrades: true,
        fetchTradingFee: false,
        fetchTradingFees: false,
        fetchDepositAddress: false,
        withdraw: false,
      },
      timeframes: { "1m": "1m", "5m": "5m", "15m": "15m", "1h": "1h", "6h": "6h", "1d": "1d" },
      urls: {
        // Any deployment: `new platform3({ urls: { api: { rest: "https://…" } } })`.
        api: { rest: "http://127.0.0.1:8787" },
        www: "https://github.com/platform3/edge",
        doc: ["http://127.0.0.1:8787/docs"],
      },
      requiredCredentials: { apiKey: true, secret: true },
      precisionMode: functions.TICK_SIZE,
      // Asset codes are the API's own: no renaming (ccxt's defaults would turn XBT into BTC).
      commonCurrencies: {},
      options: {
        // The server's clock minus ours is subtracted from X-P3-Timestamp (±5 s window);
        // `adjustForTimeDifference: true` measures it with fetchTime() in loadMarkets().
        adjustForTimeDifference: false,
        timeDifference: 0,
        // The server names orders sent without a client order id (`srv-…`). With this on, the
        // class names them itself (`ccxt-<uuid>`), so a retry after a lost answer stays idempotent.
        generateClientOrderId: false,
        clientOrderIdPrefix: "ccxt-",
      },
      exceptions: { exact: EXACT, broad: BROAD },
    });
  }

  // ---------------------------------------------------------------- transport

  /** The deployment's origin, `urls.api.rest` (a plain string `urls.api` works too). */
  baseUrl(): string {
    const api: unknown = this.urls.api;
    const url = typeof api === "string" ? api : this.safeString(api as Dict, "rest");
    if (url === undefined) throw new ExchangeError(`${this.id}: urls.api.rest is not set`);
    return url.replace(/\/+$/, "");
  }

  /** One API call: `path` below `/v1/`, with `{param}` placeholders filled from `params`. */
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read with ccxt's safe* helpers.
  async call(api: Api, method: Method, path: string, params: Dict = {}, headers?: Dict): Promise<any> {
    return await this.fetch2(path, api, method, params, headers);
  }

  /** `obj[key]` as a list of objects (empty when absent). */
  listOf(obj: unknown, key: string): Dict[] {
    return (this.safeList(obj as Dict, key, []) ?? []) as Dict[];
  }

  /** `obj[key]` as an object (empty when absent). */
  dictOf(obj: unknown, key: string): Dict {
    return this.safeDict(obj as Dict, key) ?? {};
  }

  override sign(
    path: string,
    api: Api = "public",
    method = "GET",
    params: Dict = {},
    headers?: Dict,
    body?: Str,
  ): Dict {
    const query = this.omit(params, this.extractParams(path));
    let url = `${this.baseUrl()}/v1/${this.implodeParams(path, params)}`;
    const outHeaders: Dict = { ...headers };
    if (method === "GET" || method === "DELETE") {
      if (Object.keys(query).length > 0) url += `?${this.urlencode(query)}`;
    } else if (body === undefined) {
      body = this.json(query);
      outHeaders["Content-Type"] = "application/json";
    }
    if (api === "private") {
      this.checkRequiredCredentials();
      const signed = new URL(url);
      const timestamp = String(this.milliseconds() - (this.safeInteger(this.options, "timeDifference") ?? 0));
      const nonce = this.uuid().replace(/-/g, "");
      const payload = [
        timestamp,
        nonce,
        method,
        signed.pathname,
        signed.search.slice(1),
        this.hash(this.encode(body ?? ""), SHA256, "hex"),
      ].join("\n");
      // The HMAC key is SHA-256 of the secret (the server keeps only that).
      const key = this.hash(this.encode(this.secret), SHA256, "binary");
      outHeaders["X-P3-Key"] = this.apiKey;
      outHeaders["X-P3-Timestamp"] = timestamp;
      outHeaders["X-P3-Nonce"] = nonce;
      outHeaders["X-P3-Signature"] = this.hmac(this.encode(payload), key, SHA256, "hex");
    }
    return { url, method, body, headers: outHeaders };
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
    if (status < 400 || response === undefined || response === null || typeof response !== "object") return undefined;
    const code = this.safeString(response as Dict, "code");
    if (code === undefined) return undefined; // not a problem document: ccxt's HTTP status mapping decides
    const why = this.safeString(response as Dict, "reason");
    const feedback = `${this.id} ${body}`;
    if (why !== undefined) this.throwExactlyMatchedException(this.exceptions.exact, `${code}:${why}`, feedback);
    this.throwExactlyMatchedException(this.exceptions.exact, code, feedback);
    this.throwBroadlyMatchedException(this.exceptions.broad, code, feedback);
    throw new ExchangeError(feedback);
  }

  // ---------------------------------------------------------------- system

  override async fetchTime(params: Dict = {}): Promise<Int> {
    const response = await this.call("public", "GET", "time", params);
    return this.safeInteger(response, "epoch_ms");
  }

  override async fetchStatus(params: Dict = {}): Promise<Status> {
    const response = await this.call("public", "GET", "health", params);
    return {
      status: this.safeString(response, "status") === "ok" ? "ok" : "maintenance",
      updated: this.milliseconds(),
      eta: undefined,
      url: undefined,
      info: response,
    } as Status;
  }

  // ---------------------------------------------------------------- markets

  override async fetchMarkets(params: Dict = {}): Promise<Market[]> {
    const response = await this.call("public", "GET", "instruments", params);
    return this.listOf(response, "instruments").map((m) => this.parseMarket(m as Dict));
  }

  override parseMarket(market: Dict): Market {
    const id = this.safeString(market, "symbol") as string;
    const baseId = this.safeString(market, "base") as string;
    const quoteId = this.safeString(market, "quote") as string;
    const base = this.safeCurrencyCode(baseId);
    const quote = this.safeCurrencyCode(quoteId);
    const bps = (key: string) => {
      const value = this.safeString(market, key);
      return value === undefined ? undefined : this.parseNumber(Precise.stringDiv(value, "10000"));
    };
    return this.safeMarketStructure({
      id,
      symbol: `${base}/${quote}`,
      base,
      quote,
      settle: undefined,
      baseId,
      quoteId,
      settleId: undefined,
      type: "spot",
      spot: true,
      margin: false,
      swap: false,
      future: false,
      option: false,
      // Orders that may take liquidity are accepted only while `open`.
      active: this.safeString(market, "status") === "open",
      contract: false,
      linear: undefined,
      inverse: undefined,
      taker: bps("taker_fee_bps"),
      maker: bps("maker_fee_bps"),
      percentage: true,
      tierBased: false,
      feeSide: "quote",
      contractSize: undefined,
      expiry: undefined,
      expiryDatetime: undefined,
      strike: undefined,
      optionType: undefined,
      precision: {
        amount: this.safeNumber(market, "lot_size"),
        price: this.safeNumber(market, "tick_size"),
      },
      limits: {
        leverage: { min: undefined, max: undefined },
        amount: { min: this.safeNumber(market, "min_qty"), max: this.safeNumber(market, "max_qty") },
        price: { min: this.safeNumber(market, "tick_size"), max: undefined },
        cost: { min: this.safeNumber(market, "min_notional"), max: undefined },
      },
      marginModes: { cross: false, isolated: false },
      created: undefined,
      info: market,
    });
  }

  /**
   * The assets the instruments trade. The API publishes no asset list of its own, so
   * precision and limits are unknown here (balances carry each asset's full precision).
   */
  override async fetchCurrencies(params: Dict = {}): Promise<Currencies> {
    const response = await this.call("public", "GET", "instruments", params);
    const result: Dict = {};
    for (const instrument of this.listOf(response, "instruments")) {
      for (const key of ["base", "quote"]) {
        const id = this.safeString(instrument as Dict, key);
        if (id === undefined || result[id] !== undefined) continue;
        const code = this.safeCurrencyCode(id) as string;
        result[code] = this.safeCurrencyStructure({
          id,
          code,
          name: code,
          type: "crypto",
          active: true,
          deposit: undefined,
          withdraw: undefined,
          fee: undefined,
          precision: undefined,
          limits: { amount: { min: undefined, max: undefined }, withdraw: { min: undefined, max: undefined } },
          networks: {},
          info: { id },
        });
      }
    }
    return result as Currencies;
  }

  // ---------------------------------------------------------------- market data

  override async fetchTicker(symbol: string, params: Dict = {}): Promise<Ticker> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const response = await this.call("public", "GET", "instruments/{symbol}/ticker", {
      ...params,
      symbol: market.id,
    });
    return this.parseTicker(response, market);
  }

  /** One call per market: the API has no all-instruments ticker. */
  override async fetchTickers(symbols?: Strings, params: Dict = {}): Promise<Tickers> {
    await this.loadMarkets();
    const wanted = this.marketSymbols(symbols) ?? (this.symbols as string[]);
    const tickers = await Promise.all(wanted.map((s) => this.fetchTicker(s, params)));
    return this.filterByArrayTickers(tickers, "symbol", wanted);
  }

  override parseTicker(ticker: Dict, market?: Market): Ticker {
    const timestamp = this.safeInteger(ticker, "time");
    const last = this.safeString(ticker, "last");
    return this.safeTicker(
      {
        symbol: this.safeSymbol(this.safeString(ticker, "instrument"), market, "-"),
        timestamp,
        datetime: this.iso8601(timestamp),
        high: this.safeString(ticker, "high_24h"),
        low: this.safeString(ticker, "low_24h"),
        bid: this.safeString(ticker, "best_bid"),
        bidVolume: this.safeString(ticker, "best_bid_size"),
        ask: this.safeString(ticker, "best_ask"),
        askVolume: this.safeString(ticker, "best_ask_size"),
        vwap: undefined,
        open: this.safeString(ticker, "open_24h"),
        close: last,
        last,
        previousClose: undefined,
        change: undefined,
        percentage: undefined,
        average: undefined,
        baseVolume: this.safeString(ticker, "volume_24h"),
        quoteVolume: undefined,
        info: ticker,
      },
      market,
    );
  }

  override async fetchOrderBook(symbol: string, limit?: Int, params: Dict = {}): Promise<OrderBook> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const request: Dict = { symbol: market.id, level: "2" };
    if (limit !== undefined) request.depth = String(Math.min(Math.max(limit, 1), 1000));
    const response = await this.call("public", "GET", "instruments/{symbol}/book", { ...request, ...params });
    const book = this.parseOrderBook(response, market.symbol, this.safeInteger(response, "time"));
    book.nonce = this.safeInteger(response, "seq");
    return book;
  }

  override async fetchTrades(symbol: string, since?: Int, limit?: Int, params: Dict = {}): Promise<Trade[]> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const request: Dict = { symbol: market.id };
    // Newest first without a time filter: with `since`, ask for the most the API gives and filter here.
    if (limit !== undefined || since !== undefined)
      request.limit = String(since === undefined ? Math.min(limit ?? 1000, 1000) : 1000);
    const response = await this.call("public", "GET", "instruments/{symbol}/trades", { ...request, ...params });
    return this.parseTrades(this.listOf(response, "trades"), market, since, limit);
  }

  /** A public trade (`trade_id`, aggressor `side`) or one of the caller's fills (`fill_id`, `fee`, `liquidity`). */
  override parseTrade(trade: Dict, market?: Market): Trade {
    const timestamp = this.safeInteger2(trade, "time_ms", "time");
    const feeCost = this.safeString(trade, "fee");
    const instrument = this.safeString(trade, "instrument");
    return this.safeTrade(
      {
        id: this.safeString(trade, "trade_id"),
        order: this.safeString(trade, "order_id"),
        timestamp,
        datetime: this.iso8601(timestamp),
        symbol: this.safeSymbol(instrument, market, "-"),
        type: undefined,
        side: this.safeString(trade, "side"),
        takerOrMaker: this.safeString(trade, "liquidity"),
        price: this.safeString(trade, "price"),
        amount: this.safeString(trade, "size"),
        cost: this.safeString(trade, "value"),
        fee:
          feeCost === undefined
            ? undefined
            : { cost: feeCost, currency: this.safeCurrencyCode(this.safeString(trade, "fee_asset")) },
        info: trade,
      },
      market,
    );
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
    const interval = this.safeString(this.timeframes, timeframe, timeframe) as string;
    const duration = this.parseTimeframe(timeframe) * 1000;
    const request: Dict = { symbol: market.id, interval };
    const now = this.milliseconds();
    const count = Math.min(limit ?? 1000, 1000);
    if (since !== undefined) {
      request.start = String(since);
      request.end = String(Math.min(since + count * duration, now + duration));
    } else if (limit !== undefined) {
      request.start = String(Math.max(0, now - count * duration));
    }
    const response = await this.call("public", "GET", "instruments/{symbol}/candles", { ...request, ...params });
    return this.parseOHLCVs(this.listOf(response, "candles"), market, timeframe, since, limit);
  }

  override parseOHLCV(ohlcv: Dict, _market?: Market): OHLCV {
    return [
      this.safeInteger(ohlcv, "start"),
      this.safeNumber(ohlcv, "open"),
      this.safeNumber(ohlcv, "high"),
      this.safeNumber(ohlcv, "low"),
      this.safeNumber(ohlcv, "close"),
      this.safeNumber(ohlcv, "volume"),
    ] as OHLCV;
  }

  // ---------------------------------------------------------------- account

  override async fetchBalance(params: Dict = {}): Promise<Balances> {
    const response = await this.call("private", "GET", "accounts/me/balances", params);
    return this.parseBalance(response);
  }

  override parseBalance(response: Dict): Balances {
    const result: Dict = { info: response };
    for (const entry of this.listOf(response, "balances")) {
      const account = this.account();
      account.free = this.safeString(entry as Dict, "available");
      account.used = this.safeString(entry as Dict, "hold");
      account.total = this.safeString(entry as Dict, "total");
      result[this.safeCurrencyCode(this.safeString(entry as Dict, "asset")) as string] = account;
    }
    return this.safeBalance(result);
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
    const trigger = this.safeStringN(params, ["triggerPrice", "stopPrice", "stop_price"]);
    const cost = this.safeString2(params, "cost", "funds");
    const tif = this.safeStringUpper2(params, "timeInForce", "time_in_force");
    const expire = this.safeInteger2(params, "expireTime", "expire_time");
    const postOnly = this.safeBool2(params, "postOnly", "post_only") === true || tif === "PO";
    const idempotencyKey = this.safeString(params, "idempotencyKey");
    let orderType = type.toLowerCase();
    if (trigger !== undefined && orderType === "limit") orderType = "stop_limit";
    if (trigger !== undefined && orderType === "market") orderType = "stop";
    const request: Dict = {
      instrument: market.id,
      side,
      type: orderType,
      ...this.omit(params, [
        "triggerPrice",
        "stopPrice",
        "stop_price",
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
      ]),
    };
    const clientOrderId = this.clientOrderIdFor(params);
    if (clientOrderId !== undefined) request.client_order_id = clientOrderId;
    if (orderType === "limit" || orderType === "stop_limit") {
      if (price === undefined) throw new InvalidOrder(`${this.id} createOrder() needs a price for ${type} orders`);
      request.price = this.onGrid(price, market.precision.price);
    }
    if (trigger !== undefined) request.stop_price = this.onGrid(trigger, market.precision.price);
    if (cost !== undefined) request.funds = cost;
    else request.size = this.onGrid(amount, market.precision.amount);
    if (tif !== undefined && tif !== "PO") request.time_in_force = tif.toLowerCase();
    if (expire !== undefined) request.expire_time = expire;
    if (postOnly) request.post_only = true;
    return [request, idempotencyKey === undefined ? undefined : { "Idempotency-Key": idempotencyKey }];
  }

  /**
   * The order's client id: the caller's, or (with `options.generateClientOrderId`) one made here.
   * The server names orders sent without one, so generating is optional; drop it with the option.
   */
  clientOrderIdFor(params: Dict): Str {
    const given = this.safeString2(params, "clientOrderId", "client_order_id");
    if (given !== undefined) return given;
    if (this.safeBool(this.options, "generateClientOrderId") !== true) return undefined;
    return `${this.safeString(this.options, "clientOrderIdPrefix", "ccxt-")}${this.uuid()}`;
  }

  /**
   * A number as the API's decimal string. A value within a millionth of a step of the grid (float
   * noise: 100.00999999999999) is snapped onto it; one truly off the grid is sent as given, so the
   * server refuses it (`invalid_order`, `price_off_tick` / `size_off_lot`) instead of the order
   * silently moving.
   */
  onGrid(value: Num | string, step: Num): string {
    const text = this.numberToString(value) as string;
    if (step === undefined || step === null) return text;
    const stepText = this.numberToString(step) as string;
    if (Precise.stringEq(Precise.stringMod(text, stepText), "0")) return text;
    const snapped = functions.decimalToPrecision(text, functions.ROUND, step, functions.TICK_SIZE) as string;
    const drift = Precise.stringAbs(Precise.stringSub(text, snapped));
    return Precise.stringLe(drift, Precise.stringMul(stepText, "0.000001")) ? snapped : text;
  }

  override async createMarketBuyOrderWithCost(symbol: string, cost: number, params: Dict = {}): Promise<Order> {
    return await this.createOrder(symbol, "market", "buy", cost, undefined, {
      ...params,
      cost: this.numberToString(cost),
    });
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
    const trigger = this.safeStringN(params, ["triggerPrice", "stopPrice", "stop_price"]);
    const [path, rest] = this.orderPath(id, params);
    const request: Dict = this.omit(rest, ["triggerPrice", "stopPrice", "stop_price"]);
    if (amount !== undefined) request.size = this.onGrid(amount, market.precision.amount);
    if (price !== undefined) request.price = this.onGrid(price, market.precision.price);
    if (trigger !== undefined) request.stop_price = this.onGrid(trigger, market.precision.price);
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
    const request: Dict = { ...params };
    let market: Market | undefined;
    if (symbol !== undefined) {
      market = this.market(symbol);
      request.instrument = market.id;
    }
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
    const request: Dict = { ...params };
    let market: Market | undefined;
    if (symbol !== undefined) {
      market = this.market(symbol);
      request.instrument = market.id;
    }
    if (since !== undefined) request.start = String(since);
    if (limit !== undefined) request.limit = String(Math.min(Math.max(limit, 1), 1000));
    return [market, request];
  }

  /** `orders/{order_id}`, or `orders/client/{client_order_id}` with `params.clientOrderId`. */
  orderPath(id: string, params: Dict): [string, Dict] {
    const clientOrderId = this.safeString2(params, "clientOrderId", "client_order_id");
    const rest = this.omit(params, ["clientOrderId", "client_order_id"]);
    if (clientOrderId !== undefined)
      return ["orders/client/{client_order_id}", { ...rest, client_order_id: clientOrderId }];
    return ["orders/{order_id}", { ...rest, order_id: id }];
  }

  /** `{order, fills}` of a placement, amendment or cancel: the order with the fills this request caused. */
  orderWithFills(response: Dict, market?: Market): Order {
    const order = this.parseOrder(this.dictOf(response, "order"), market);
    const fills = this.listOf(response, "fills");
    if (fills.length > 0) order.trades = this.parseTrades(fills, market);
    return order;
  }

  override parseOrder(order: Dict, market?: Market): Order {
    const kind = this.safeString(order, "type");
    const created = this.safeInteger(order, "created_at_ms");
    const tif = this.safeStringUpper(order, "time_in_force");
    const postOnly = this.safeBool(order, "post_only");
    const status = this.safeString(order, "status");
    return this.safeOrder(
      {
        id: this.safeString(order, "order_id"),
        clientOrderId: this.safeString(order, "client_order_id"),
        timestamp: created,
        datetime: this.iso8601(created),
        lastTradeTimestamp: undefined,
        lastUpdateTimestamp: this.safeInteger(order, "updated_at_ms"),
        symbol: this.safeSymbol(this.safeString(order, "instrument"), market, "-"),
        // ccxt's types: a stop is a market order with a trigger, a stop-limit a limit order with one.
        type: kind === "stop" ? "market" : kind === "stop_limit" ? "limit" : kind,
        timeInForce: postOnly ? "PO" : tif,
        postOnly,
        reduceOnly: undefined,
        side: this.safeString(order, "side"),
        price: this.safeString(order, "price"),
        triggerPrice: this.safeString(order, "stop_price"),
        amount: this.safeString(order, "size"),
        cost: this.safeString(order, "executed_value"),
        average: this.safeString(order, "average_price"),
        filled: this.safeString(order, "filled_size"),
        remaining: this.safeString(order, "remaining_size"),
        status: status === undefined ? undefined : (ORDER_STATUS[status] ?? status),
        fee: {
          cost: this.safeNumber(order, "fees"),
          currency: this.safeCurrencyCode(this.safeString(order, "fee_asset")),
        },
        trades: undefined,
        info: order,
      },
      market,
    );
  }
}

export default platform3;
