/**
 * The order benchmarks' venue: instruments, funded accounts with a read+trade
 * key and an access token each, and the order flow (limit orders of one lot
 * around 100.00, sides alternating, so about half of them cross).
 *
 * The venue is set up through the SDK (`@platform3/client`), as an operator and its
 * traders would. The load generators that use it (http-load.ts, ws-load.ts, bench/load,
 * bench/feed) stay on raw fetch and sockets on purpose: they measure the server at its
 * limit, and a client library's per-call work would be measured with it. {@link client}
 * (test/client's `Http`) is kept for them and for tests that send raw requests.
 */
import { createRestClient, type RestClient, type TokenSession } from "../../sdk/src/index.ts";
import { Http } from "../../test/client/index.ts";
import { CLIENT_HEADERS } from "../runtime.ts";

export const SYMBOL = "BENCH-USD";
/** The `book` phase's instrument: orders straight on a book, of accounts that do not exist (their settlement is dropped). */
export const BOOK_SYMBOL = "BENCHB-USD";
export const OPERATOR_TOKEN = "dev-operator-token";
export const OPERATOR = { authorization: `Bearer ${OPERATOR_TOKEN}` };
export const RUN = Date.now().toString(36);

export interface Trader {
  account: string;
  /** The account's API key (read and trade): id and secret, for clients that sign or exchange it themselves. */
  keyId: string;
  secret: string;
  token: string;
  /** Bearer token and the trader's own client IP (`cf-connecting-ip`, which Cloudflare's edge sets). */
  headers: Record<string, string>;
}

/** A client of the server at `base` (paths start with `/v1`) sending {@link CLIENT_HEADERS} and `headers`. */
export function client(base: string, headers: Record<string, string> = {}, timeoutMs?: number): Http {
  return new Http({ base, headers: { ...CLIENT_HEADERS, ...headers }, timeoutMs });
}

/** An SDK client of the server at `base` as the operator (its break-glass bearer token), sending {@link CLIENT_HEADERS}. */
export function operatorClient(base: string): RestClient {
  return createRestClient({
    baseUrl: base,
    headers: { ...CLIENT_HEADERS },
    auth: { type: "bearer", token: OPERATOR_TOKEN },
  });
}

export async function listInstrument(base: string, symbol: string): Promise<void> {
  await operatorClient(base).api.POST("/v1/admin/instruments", {
    body: {
      symbol,
      base: symbol.split("-")[0] as string,
      quote: "USD",
      tick_size: "0.01",
      lot_size: "1",
      min_qty: "1",
      max_qty: "1000000",
      min_notional: "0",
      price_band_pct: "10",
      maker_fee_bps: 10,
      taker_fee_bps: 20,
      home_region: "enam",
      calendar: { kind: "24x7" },
      status: "open",
    },
  });
}

/**
 * Budgets for the benchmarks (the `RATE_LIMITS` var): every trader has its own client IP and key,
 * as traders on their own machines would, and these leave each room for about 500 orders/s.
 * The limiter itself runs as in production.
 */
export const BENCH_RATE_LIMITS = JSON.stringify({
  ip: { limit: 60_000, window: "1m" },
  key: { limit: 60_000, window: "1m" },
  classes: {
    order_entry: { limit: 10_000, window: "10s" },
    cancel: { limit: 10_000, window: "10s" },
    account: { limit: 60_000, window: "1m" },
    admin: { limit: 60_000, window: "1m" },
  },
  authAttempts: { limit: 1_000, window: "1m" },
  // Per account, across its keys and sockets (the Account objects enforce these): 1,000 orders/s each,
  // bursts of 60,000 (the fastest a budget may refill is one unit per ms).
  accountOrders: { limit: 60_000, window: "1m" },
  accountCancels: { limit: 60_000, window: "1m" },
});

let traderNo = 0;

async function createTrader(base: string, name: string): Promise<Trader> {
  const n = ++traderNo;
  const ip = { "cf-connecting-ip": `10.77.${Math.floor(n / 250)}.${(n % 250) + 1}` };
  const admin = operatorClient(base);
  const { data: created } = await admin.api.POST("/v1/admin/accounts", {
    body: { account_id: name, name, api_key: { name: "bench", scopes: ["read", "trade"] } },
  });
  const key = (created as NonNullable<typeof created>).api_key;
  // The quote, and the base asset of each benchmark instrument (BENCH-USD, BENCHS-USD).
  for (const [asset, amount] of [
    ["USD", "100000000"],
    ["BENCH", "1000000"],
    ["BENCHS", "1000000"],
  ] as const) {
    await admin.api.POST("/v1/admin/accounts/{account}/deposits", {
      params: { path: { account: name } },
      body: { asset, amount, reference: `bench-${RUN}-${name}-${asset}` },
    });
  }
  // The trader's own session, from its own address: the SDK exchanges the key for a token.
  const trader = createRestClient({
    baseUrl: base,
    headers: ip,
    auth: { type: "api_key", apiKey: key.id, apiSecret: key.secret as string },
  });
  const token = await (trader.auth as TokenSession).accessToken();
  return {
    account: name,
    keyId: key.id,
    secret: key.secret as string,
    token,
    headers: { ...ip, authorization: `Bearer ${token}` },
  };
}

/** `count` funded accounts named `<prefix>-<i>`, created ten at a time. */
export async function createTraders(base: string, count: number, prefix = "bench"): Promise<Trader[]> {
  const traders: Trader[] = [];
  for (let i = 0; i < count; i += 10) {
    const wave = Array.from({ length: Math.min(10, count - i) }, (_, k) => createTrader(base, `${prefix}-${i + k}`));
    traders.push(...(await Promise.all(wave)));
  }
  return traders;
}

const PRICES = ["99.99", "100.00", "100.01"];
let orderNo = 0;

/** The next order: sides alternate and prices cycle around 100.00, so about half of them cross. */
export function nextOrder(prefix: string, symbol = SYMBOL): Record<string, string> {
  const n = orderNo++;
  return {
    client_order_id: `${prefix}-${RUN}-${n}`,
    instrument: symbol,
    side: n % 2 === 0 ? "sell" : "buy",
    type: "limit",
    // Cycles of 6 (not 3): each side sees every price.
    price: PRICES[Math.floor(n / 2) % 3] as string,
    size: "1",
  };
}
