/**
 * What `platform3.describe()` adds to ccxt's defaults: the exchange's identity, the unified
 * methods it implements (`has`), timeframes, URLs, options and the error tables.
 */
import { type Dict, functions } from "ccxt";
import { BROAD, EXACT } from "./errors.ts";

/** A fresh description each call (ccxt deep-merges it over `Exchange.describe()`). */
export function platform3Description(): Dict {
  return {
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
  };
}
