/**
 * The order benchmarks' venue: instruments, funded accounts with a read+trade
 * key and an access token each, and the order flow (limit orders of one lot
 * around 100.00, sides alternating, so about half of them cross).
 */
import { type CreatedAccount, Http, type Tokens } from "../../test/client/index.ts";
import { CLIENT_HEADERS } from "../runtime.ts";

export const SYMBOL = "BENCH-USD";
/** The `book` phase's instrument: orders straight on a book, of accounts that do not exist (their settlement is dropped). */
export const BOOK_SYMBOL = "BENCHB-USD";
export const OPERATOR = { authorization: "Bearer dev-operator-token" };
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

export async function listInstrument(base: string, symbol: string): Promise<void> {
  await client(base, OPERATOR).expect("POST", "/v1/admin/instruments", {
    symbol,
    base: symbol.split("-")[0],
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
  const admin = client(base, OPERATOR);
  const created = await admin.expect<CreatedAccount>("POST", "/v1/admin/accounts", {
    account_id: name,
    name,
    api_key: { name: "bench", scopes: ["read", "trade"] },
  });
  // The quote, and the base asset of each benchmark instrument (BENCH-USD, BENCHS-USD).
  for (const [asset, amount] of [
    ["USD", "100000000"],
    ["BENCH", "1000000"],
    ["BENCHS", "1000000"],
  ] as const) {
    await admin.expect("POST", `/v1/admin/accounts/${name}/deposits`, {
      asset,
      amount,
      reference: `bench-${RUN}-${name}-${asset}`,
    });
  }
  const tokens = await client(base, ip).expect<Tokens>("POST", "/v1/auth/token", {
    api_key: created.api_key.id,
    api_secret: created.api_key.secret,
  });
  return {
    account: name,
    keyId: created.api_key.id,
    secret: created.api_key.secret as string,
    token: tokens.access_token,
    headers: { ...ip, authorization: `Bearer ${tokens.access_token}` },
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
