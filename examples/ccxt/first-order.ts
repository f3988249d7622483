/**
 * The first order through ccxt's unified API, with the `platform3` exchange class
 * (`@platform3/client/ccxt`; ccxt is a peer dependency): markets with their precision,
 * the ticker and book, a resting limit buy, fetched, then cancelled, and the balance.
 *
 *   P3_KEY=k_alice_… P3_SECRET=… node --experimental-strip-types examples/ccxt/first-order.ts
 *
 * (`--conditions=source` in this repository.) P3_API (default http://127.0.0.1:8787),
 * P3_SYMBOL (default BTC-USD, ccxt's BTC/USD).
 */
import platform3 from "@platform3/client/ccxt";

const exchange = new platform3({
  apiKey: process.env.P3_KEY,
  secret: process.env.P3_SECRET,
  urls: { api: { rest: process.env.P3_API ?? "http://127.0.0.1:8787" } },
});
const symbol = (process.env.P3_SYMBOL ?? "BTC-USD").replace("-", "/");

const markets = await exchange.loadMarkets();
const market = markets[symbol];
if (!market) throw new Error(`${symbol} is not listed`);
console.log(`${symbol}: price precision ${market.precision.price}, amount precision ${market.precision.amount}`);
const book = await exchange.fetchOrderBook(symbol, 5);
const price = Number(process.env.P3_PRICE ?? book.bids[0]?.[0] ?? 100);
const amount = market.limits.amount?.min ?? 1;

const order = await exchange.createOrder(symbol, "limit", "buy", amount, price);
console.log(`placed ${order.id}: ${order.side} ${order.amount} @ ${order.price}, ${order.status}`);
const id = order.id;
if (!id) throw new Error("the order has no id");
const fetched = await exchange.fetchOrder(id, symbol);
const cancelled = await exchange.cancelOrder(id, symbol);
console.log(`fetched: ${fetched.status}; cancelled: ${cancelled.status}`);
const balance = await exchange.fetchBalance();
console.log("free:", balance.free);
console.log("done");
