/**
 * The first order with the TypeScript SDK (`@platform3/client`): a token session from an
 * API key (refreshed before expiry), the live level-2 book over the WebSocket, a resting
 * limit buy at the best bid over REST (no client_order_id: the server names it; the SDK's
 * Idempotency-Key makes a retry safe), read back, then cancelled.
 *
 *   P3_KEY=k_alice_… P3_SECRET=… node --experimental-strip-types examples/sdk/first-order.ts
 *
 * In this repository run it with `--conditions=source` (the SDK's sources); from an
 * installed package (`npm install @platform3/client`) plain Node 22 with type stripping.
 * P3_API (default http://127.0.0.1:8787, `npm run dev`), P3_SYMBOL (default BTC-USD).
 */
import { createRestClient, FeedClient, type TokenSession } from "@platform3/client";

const api = process.env.P3_API ?? "http://127.0.0.1:8787";
const symbol = process.env.P3_SYMBOL ?? "BTC-USD";
const rest = createRestClient({
  baseUrl: api,
  auth: { type: "api_key", apiKey: env("P3_KEY"), apiSecret: env("P3_SECRET") },
});
const session = rest.auth as TokenSession;
const feed = new FeedClient({ url: `${api.replace(/^http/, "ws")}/v1/ws`, token: () => session.accessToken() });

await feed.connect();
const book = feed.book(symbol);
await book.waitFor();
console.log(`${symbol} level 2 at seq ${book.seq}: best bid ${book.bestBid()?.[0] ?? "none"}`);

const instrument = await rest.instrument(symbol);
const price = process.env.P3_PRICE ?? book.bestBid()?.[0] ?? "100.00";
const { order } = await rest.placeOrder({
  instrument: symbol,
  side: "buy",
  type: "limit",
  price,
  size: instrument.min_qty,
});
console.log(
  `placed ${order.order_id} (${order.client_order_id}): ${order.side} ${order.size} @ ${order.price}, ${order.status}`,
);

const read = await rest.getOrder(order.order_id);
const cancelled = await rest.cancelOrder(order.order_id);
console.log(`read back: ${read.status}; cancelled: ${cancelled.order.status}`);

const { balances } = await rest.balances();
console.log("balances:", Object.fromEntries(balances.map((b) => [b.asset, b.available])));
feed.close();
console.log("done");

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}
