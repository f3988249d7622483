/**
 * A small market maker with the SDK: it quotes a bid and an ask around the book's mid
 * (or P3_MID on an empty book), P3_SPREAD_TICKS ticks away on each side, over the
 * WebSocket's order entry, and moves both quotes when the mid moves. Its socket is
 * authenticated with `cancel_on_disconnect`, so when the process ends, crashes or loses
 * its connection, the venue cancels its quotes: it never leaves stale orders behind.
 * Prices are exact: decimal strings turned into integer ticks (BigInt) and back.
 *
 *   P3_KEY=k_alice_… P3_SECRET=… node --experimental-strip-types examples/sdk/market-maker.ts
 *
 * (`--conditions=source` in this repository.) P3_RUN_SECONDS stops it after that long
 * (default: until Ctrl-C); P3_API, P3_SYMBOL, P3_MID (default 100.00), P3_SPREAD_TICKS (default 10).
 */
import { createRestClient, FeedClient, type TokenSession } from "@platform3/client";

const api = process.env.P3_API ?? "http://127.0.0.1:8787";
const symbol = process.env.P3_SYMBOL ?? "BTC-USD";
const spreadTicks = BigInt(process.env.P3_SPREAD_TICKS ?? "10");
const rest = createRestClient({
  baseUrl: api,
  auth: { type: "api_key", apiKey: env("P3_KEY"), apiSecret: env("P3_SECRET") },
});
const session = rest.auth as TokenSession;
const feed = new FeedClient({
  url: `${api.replace(/^http/, "ws")}/v1/ws`,
  token: () => session.accessToken(),
  cancelOnDisconnect: true,
});

const { tick_size: tick, min_qty: size } = await rest.instrument(symbol);
const places = decimals(tick);
const tickUnits = scaled(tick, places);
/** A decimal price as a whole number of ticks (rounded down), and back. */
const toTicks = (price: string) => scaled(price, places) / tickUnits;
const fromTicks = (ticks: bigint) => unscaled(ticks * tickUnits, places);

await feed.connect();
const book = feed.book(symbol);
await book.waitFor();

const quotes: Record<"buy" | "sell", string | undefined> = { buy: undefined, sell: undefined };
let quotedMid: bigint | undefined;
let n = 0;

/** The book's mid in ticks when it has both sides, else P3_MID. */
function bookMid(): bigint {
  const bid = book.bestBid()?.[0];
  const ask = book.bestAsk()?.[0];
  if (bid !== undefined && ask !== undefined) return (toTicks(bid) + toTicks(ask)) / 2n;
  return toTicks(process.env.P3_MID ?? "100.00");
}

async function quote(at: bigint): Promise<void> {
  for (const side of ["buy", "sell"] as const) {
    const price = fromTicks(side === "buy" ? at - spreadTicks : at + spreadTicks);
    const id = quotes[side];
    if (id === undefined) {
      const placed = await feed.placeOrder({
        client_order_id: `mm-${Date.now().toString(36)}-${n++}`,
        instrument: symbol,
        side,
        type: "limit",
        price,
        size,
        post_only: true,
      });
      quotes[side] = placed.order.order_id;
    } else {
      await feed.amendOrder({ order_id: id, price });
    }
  }
  quotedMid = at;
  console.log(
    `quoting ${symbol}: bid ${fromTicks(at - spreadTicks)} ask ${fromTicks(at + spreadTicks)} (size ${size})`,
  );
}

await quote(bookMid());
// Follow the market: when others' orders move the mid, move both quotes (one requote at a time).
let requoting = false;
book.on("change", () => {
  const market = bookMid();
  if (requoting || market === quotedMid) return;
  requoting = true;
  quote(market)
    .catch((err) => console.error("requote failed:", err.message))
    .finally(() => {
      requoting = false;
    });
});

const stop = () => {
  // Closing the socket is enough: the venue cancels the quotes (cancel_on_disconnect).
  feed.close();
  console.log("stopped: the venue cancels the quotes");
};
process.on("SIGINT", stop);
const seconds = Number(process.env.P3_RUN_SECONDS ?? "0");
if (seconds > 0) setTimeout(stop, seconds * 1000);

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}

function decimals(s: string): number {
  return (s.split(".")[1] ?? "").length;
}

function scaled(s: string, places: number): bigint {
  const [whole, fraction = ""] = s.split(".");
  return BigInt(`${whole}${fraction.padEnd(places, "0").slice(0, places)}`);
}

function unscaled(n: bigint, places: number): string {
  const digits = n.toString().padStart(places + 1, "0");
  return places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
}
