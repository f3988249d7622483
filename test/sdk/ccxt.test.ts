/**
 * `@platform3/client/ccxt` against the Worker and its objects in workerd (bench/runtime.ts):
 * two funded traders with API keys sign every private call (HMAC-SHA256), and every unified
 * method is checked twice — against ccxt's structure rules (the npm package ships no test
 * helpers, so `check*` below restate what ccxt's own test.market/order/trade/ticker/orderBook/
 * ohlcv/balance/currency checks require) and against the REST answers for the same thing.
 */
import { createHash, createHmac } from "node:crypto";
import {
  AuthenticationError,
  BadSymbol,
  type Balances,
  type Currency,
  DuplicateOrderId,
  ExchangeError,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  type Market,
  NetworkError,
  type OHLCV,
  type Order,
  type OrderBook,
  OrderNotFound,
  PermissionDenied,
  RateLimitExceeded,
  RequestTimeout,
  type Ticker,
  type Trade,
} from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, listInstrument, OPERATOR, RUN, SYMBOL } from "../../bench/orders/setup.ts";
import { CLIENT_HEADERS, sleep, startServer, stopServer } from "../../bench/runtime.ts";
import platform3, { sha256 } from "../../sdk/src/ccxt/index.ts";

const CCXT_SYMBOL = SYMBOL.replace("-", "/"); // BENCH/USD

interface Trader {
  account: string;
  keyId: string;
  secret: string;
  ip: string;
  /** Bearer headers for the REST side of each comparison (a token of the same key). */
  rest: Record<string, string>;
  ex: platform3;
}

let base = "";
let maker: Trader;
let taker: Trader;

function exchange(keyId: string, secret: string, ip: string, options: Record<string, unknown> = {}): platform3 {
  return new platform3({
    apiKey: keyId,
    secret,
    urls: { api: { rest: base } },
    headers: { "cf-connecting-ip": ip },
    options,
  });
}

async function createTrader(name: string, ip: string): Promise<Trader> {
  const admin = client(base, OPERATOR);
  const account = `ccxt-${RUN}-${name}`;
  const created = await admin.expect<{ api_key: { id: string; secret: string } }>("POST", "/v1/admin/accounts", {
    account_id: account,
    name: account,
    api_key: { name: "ccxt", scopes: ["read", "trade"] },
  });
  for (const [asset, amount] of [
    ["USD", "1000000"],
    ["BENCH", "10000"],
  ] as const) {
    await admin.expect("POST", `/v1/admin/accounts/${account}/deposits`, {
      asset,
      amount,
      reference: `ccxt-${RUN}-${name}-${asset}`,
    });
  }
  const { id: keyId, secret } = created.api_key;
  const tokens = await client(base, { "cf-connecting-ip": ip }).expect<{ access_token: string }>(
    "POST",
    "/v1/auth/token",
    { api_key: keyId, api_secret: secret },
  );
  return {
    account,
    keyId,
    secret,
    ip,
    rest: { "cf-connecting-ip": ip, authorization: `Bearer ${tokens.access_token}` },
    ex: exchange(keyId, secret, ip),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: REST answers are read field by field.
async function rest(trader: Trader | undefined, path: string): Promise<any> {
  const res = await fetch(`${base}${path}`, { headers: { ...CLIENT_HEADERS, ...trader?.rest } });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Retries `check` until it stops throwing (makers settle from the book's outbox moments later). */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

async function refusal(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (err) {
    return err as Error;
  }
  throw new Error("the call succeeded");
}

/** An order's id, which ccxt types as optional. */
function idOf(o: Order): string {
  expect(typeof o.id).toBe("string");
  return o.id as string;
}

const num = (s: string | null | undefined) => (s === null || s === undefined ? undefined : Number(s));

// ---------------------------------------------------------------- ccxt's structure rules

const MIN_TS = 1230940800000;
const MAX_TS = 2147483648000;

function checkTimestamp(entry: { timestamp?: number | undefined; datetime?: string | undefined }, now = Date.now()) {
  expect(entry).toHaveProperty("timestamp");
  expect(entry).toHaveProperty("datetime");
  if (entry.timestamp === undefined) return;
  expect(Number.isInteger(entry.timestamp)).toBe(true);
  expect(entry.timestamp).toBeGreaterThan(MIN_TS);
  expect(entry.timestamp).toBeLessThan(MAX_TS);
  expect(entry.timestamp).toBeLessThan(now + 60_000);
  expect(entry.datetime).toBe(new Date(entry.timestamp).toISOString());
}

function checkKeys(entry: object, keys: string[]) {
  for (const key of keys) expect(entry, `missing ${key}`).toHaveProperty(key);
}

function checkMarket(ex: platform3, m: Market) {
  if (m === undefined) throw new Error("no market");
  checkKeys(m, [
    "id",
    "symbol",
    "base",
    "quote",
    "baseId",
    "quoteId",
    "active",
    "type",
    "spot",
    "margin",
    "swap",
    "future",
    "option",
    "contract",
    "taker",
    "maker",
    "precision",
    "limits",
    "marginModes",
    "info",
  ]);
  expect(typeof m.id).toBe("string");
  expect(m.symbol).toBe(`${m.base}/${m.quote}`);
  expect(["spot", "margin", "swap", "future", "option", "index", "other"]).toContain(m.type);
  // Spot: none of contract/linear/inverse/option/swap/future, no contract size, settle or expiry.
  expect(m.spot && m.type === "spot").toBe(true);
  expect([m.contract, m.swap, m.future, m.option]).toEqual([false, false, false, false]);
  expect([m.linear, m.inverse, m.contractSize, m.settle, m.settleId, m.expiry, m.expiryDatetime]).toEqual(
    Array(7).fill(undefined),
  );
  expect([true, false, undefined]).toContain(m.margin);
  for (const fee of [m.taker, m.maker]) {
    expect(typeof fee).toBe("number");
    expect(fee as number).toBeGreaterThan(-100);
    expect(fee as number).toBeLessThan(100);
  }
  // Precision (TICK_SIZE mode): price and amount, each a positive number.
  expect(ex.precisionMode).toBe(4);
  for (const key of ["price", "amount"] as const) {
    expect(typeof m.precision[key]).toBe("number");
    expect(m.precision[key] as number).toBeGreaterThan(0);
  }
  // Limits: amount, price, cost; min >= 0, max > 0, max >= min.
  for (const key of ["amount", "price", "cost"] as const) {
    const limit = m.limits[key];
    expect(limit).toBeDefined();
    if (limit?.min !== undefined) expect(limit.min).toBeGreaterThanOrEqual(0);
    if (limit?.max !== undefined) {
      expect(limit.max).toBeGreaterThan(0);
      if (limit.min !== undefined) expect(limit.max).toBeGreaterThanOrEqual(limit.min);
    }
  }
  // Currency ids and codes match both ways.
  for (const [id, code] of [
    [m.baseId, m.base],
    [m.quoteId, m.quote],
  ] as const) {
    expect(ex.currency(code).id).toBe(id);
    expect(ex.safeCurrency(id).code).toBe(code);
  }
  expect(Object.keys(m.marginModes ?? {}).sort()).toEqual(["cross", "isolated"]);
}

function checkCurrency(c: Currency) {
  if (c === undefined) throw new Error("no currency");
  checkKeys(c, ["id", "code", "precision", "info"]);
  expect(typeof c.id).toBe("string");
  expect(c.code).toMatch(/^[A-Z0-9]+$/);
  if (c.precision !== undefined) expect(c.precision).toBeGreaterThan(0);
}

function checkTicker(t: Ticker, symbol: string) {
  checkKeys(t, ["symbol", "timestamp", "datetime", "high", "low", "bid", "bidVolume", "ask", "askVolume", "vwap"]);
  checkKeys(t, ["open", "close", "last", "previousClose", "change", "percentage", "average", "baseVolume", "info"]);
  expect(t.symbol).toBe(symbol);
  checkTimestamp(t);
  for (const key of ["high", "low", "bid", "ask", "open", "close", "last", "baseVolume"] as const) {
    if (t[key] !== undefined) expect(t[key] as number).toBeGreaterThanOrEqual(0);
  }
  if (t.bid !== undefined && t.ask !== undefined) expect(t.bid).toBeLessThanOrEqual(t.ask);
  if (t.high !== undefined && t.low !== undefined) {
    expect(t.high).toBeGreaterThanOrEqual(t.low);
    if (t.last !== undefined) {
      expect(t.last).toBeGreaterThanOrEqual(t.low);
      expect(t.last).toBeLessThanOrEqual(t.high);
    }
  }
  expect(t.close).toBe(t.last);
}

function checkOrderBook(b: OrderBook, symbol: string) {
  checkKeys(b, ["symbol", "bids", "asks", "timestamp", "datetime", "nonce"]);
  expect(b.symbol).toBe(symbol);
  checkTimestamp(b);
  for (const [side, desc] of [
    [b.bids, true],
    [b.asks, false],
  ] as const) {
    for (let i = 0; i < side.length; i++) {
      const [price, amount] = side[i] as [number, number];
      expect(price).toBeGreaterThan(0);
      expect(amount).toBeGreaterThan(0);
      const next = side[i + 1];
      if (next) expect(desc ? price > (next[0] as number) : price < (next[0] as number)).toBe(true);
    }
  }
  const [bestBid, bestAsk] = [b.bids[0]?.[0], b.asks[0]?.[0]];
  if (bestBid !== undefined && bestAsk !== undefined) expect(bestBid).toBeLessThan(bestAsk);
}

function checkFee(fee: { cost?: number | undefined; currency?: string | undefined } | undefined, ex: platform3) {
  if (fee === undefined) return;
  checkKeys(fee, ["cost", "currency"]);
  if (fee.cost !== undefined) {
    expect(typeof fee.cost).toBe("number");
    expect(fee.currency).toBeDefined();
    expect(ex.currencies).toHaveProperty(fee.currency as string);
  }
}

function checkTrade(ex: platform3, t: Trade, symbol: string) {
  checkKeys(t, ["info", "id", "timestamp", "datetime", "symbol", "order", "type", "side", "takerOrMaker"]);
  checkKeys(t, ["price", "amount", "cost", "fee"]);
  expect(typeof t.id).toBe("string");
  expect(t.symbol).toBe(symbol);
  checkTimestamp(t);
  expect(["buy", "sell"]).toContain(t.side);
  expect([undefined, "taker", "maker"]).toContain(t.takerOrMaker);
  expect(t.price as number).toBeGreaterThan(0);
  expect(t.amount as number).toBeGreaterThan(0);
  expect(t.cost as number).toBeCloseTo((t.price as number) * (t.amount as number), 8);
  checkFee(t.fee as never, ex);
}

function checkOHLCV(c: OHLCV) {
  expect(c).toHaveLength(6);
  const [ts, open, high, low, close, volume] = c as number[];
  checkTimestamp({ timestamp: ts, datetime: new Date(ts as number).toISOString() });
  for (const v of [open, high, low, close, volume]) expect(typeof v).toBe("number");
  expect(high).toBeGreaterThanOrEqual(Math.max(open as number, close as number, low as number));
  expect(low).toBeLessThanOrEqual(Math.min(open as number, close as number));
  expect(volume).toBeGreaterThanOrEqual(0);
}

function checkBalance(b: Balances) {
  checkKeys(b, ["info", "free", "used", "total"]);
  for (const [code, account] of Object.entries(b)) {
    if (["info", "free", "used", "total", "timestamp", "datetime"].includes(code)) continue;
    const { free, used, total } = account as { free: number; used: number; total: number };
    expect(free).toBeGreaterThanOrEqual(0);
    expect(used).toBeGreaterThanOrEqual(0);
    expect(total).toBeCloseTo(free + used, 6);
    const totals = b as unknown as Record<"free" | "used" | "total", Record<string, number>>;
    expect(totals.free[code]).toBe(free);
    expect(totals.used[code]).toBe(used);
    expect(totals.total[code]).toBe(total);
  }
}

function checkOrder(ex: platform3, o: Order, symbol: string) {
  checkKeys(o, ["info", "id", "clientOrderId", "timestamp", "datetime", "lastTradeTimestamp", "symbol", "type"]);
  checkKeys(o, ["timeInForce", "postOnly", "side", "price", "triggerPrice", "amount", "cost", "average", "filled"]);
  checkKeys(o, ["remaining", "status", "fee", "trades"]);
  expect(typeof o.id).toBe("string");
  expect(o.symbol).toBe(symbol);
  checkTimestamp(o);
  expect(["open", "closed", "canceled", "expired", "rejected"]).toContain(o.status);
  expect(["limit", "market"]).toContain(o.type);
  expect(["buy", "sell"]).toContain(o.side);
  expect([undefined, "GTC", "IOC", "FOK", "GTD", "PO"]).toContain(o.timeInForce);
  expect(o.filled).toBeGreaterThanOrEqual(0);
  if (o.amount !== undefined) expect(o.filled).toBeLessThanOrEqual(o.amount);
  if (o.remaining !== undefined) expect(o.remaining).toBeGreaterThanOrEqual(0);
  if (o.cost !== undefined) expect(o.cost).toBeGreaterThanOrEqual(0);
  checkFee(o.fee as never, ex);
  for (const t of o.trades ?? []) checkTrade(ex, t, symbol);
}

/** A ccxt order equals the REST order it came from. */
function expectSameOrder(o: Order, r: Record<string, unknown>) {
  const statuses: Record<string, string> = {
    new: "open",
    pending_new: "open",
    partially_filled: "open",
    filled: "closed",
    cancelled: "canceled",
    expired: "expired",
    rejected: "rejected",
  };
  expect(o.id).toBe(r.order_id);
  expect(o.clientOrderId).toBe(r.client_order_id);
  expect(o.status).toBe(statuses[r.status as string]);
  expect(o.side).toBe(r.side);
  // ccxt gives a market order the average price it filled at.
  expect(o.price).toBe(num(r.price as string) ?? num(r.average_price as string));
  expect(o.triggerPrice).toBe(num(r.stop_price as string));
  // An order sized by funds has no size: ccxt derives the amount as filled + remaining.
  expect(o.amount).toBe(num(r.size as string) ?? Number(r.filled_size) + Number(r.remaining_size));
  expect(o.filled).toBe(num(r.filled_size as string));
  // Without a size, ccxt derives what remains: nothing once the order is done.
  expect(o.remaining).toBe(num(r.remaining_size as string) ?? (o.status === "open" ? undefined : 0));
  expect(o.cost).toBe(num(r.executed_value as string));
  expect(o.average).toBe(num(r.average_price as string));
  expect(o.fee?.cost).toBe(num(r.fees as string));
  expect(o.fee?.currency).toBe(r.fee_asset);
  expect(o.timestamp).toBe(r.created_at_ms);
  expect(o.postOnly).toBe(r.post_only);
}

/** A ccxt trade equals a REST fill. */
function expectSameFill(t: Trade, f: Record<string, unknown>) {
  expect(t.id).toBe(String(f.trade_id));
  expect(t.order).toBe(f.order_id);
  expect(t.side).toBe(f.side);
  expect(t.price).toBe(num(f.price as string));
  expect(t.amount).toBe(num(f.size as string));
  expect(t.cost).toBe(num(f.value as string));
  expect(t.takerOrMaker).toBe(f.liquidity);
  expect(t.fee?.cost).toBe(num(f.fee as string));
  expect(t.fee?.currency).toBe(f.fee_asset);
  expect(t.timestamp).toBe(f.time_ms);
}

// ---------------------------------------------------------------- the run

beforeAll(async () => {
  const server = await startServer({ runtime: "miniflare", label: "sdk-ccxt" });
  base = server.base;
  await listInstrument(base, SYMBOL);
  [maker, taker] = await Promise.all([createTrader("maker", "10.88.0.1"), createTrader("taker", "10.88.0.2")]);
  await Promise.all([maker.ex.loadMarkets(), taker.ex.loadMarkets()]);
}, 240_000);

afterAll(() => stopServer());

describe("without a server", () => {
  it("sha256 and ccxt's hmac over it equal node:crypto, at every padding boundary", () => {
    const ex = new platform3();
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const data = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
      expect(Buffer.from(sha256(data)).toString("hex")).toBe(createHash("sha256").update(data).digest("hex"));
      const key = sha256(new TextEncoder().encode(`secret-${length}`));
      expect(ex.hmac(data, key, sha256 as never, "hex")).toBe(createHmac("sha256", key).update(data).digest("hex"));
    }
    // Incremental updates across block boundaries give the same digest.
    const state = sha256.create();
    for (const chunk of ["a".repeat(30), "b".repeat(50), "c".repeat(70)]) state.update(new TextEncoder().encode(chunk));
    const whole = `${"a".repeat(30)}${"b".repeat(50)}${"c".repeat(70)}`;
    expect(Buffer.from(state.digest()).toString("hex")).toBe(createHash("sha256").update(whole).digest("hex"));
  });

  it("describes itself, defaults to the local dev server and takes any deployment's URL", () => {
    const local = new platform3();
    expect(local.id).toBe("platform3");
    expect(local.urls.api).toEqual({ rest: "http://127.0.0.1:8787" });
    expect(local.requiredCredentials).toMatchObject({ apiKey: true, secret: true });
    const remote = new platform3({ urls: { api: { rest: "https://edge.example.com/" } } });
    expect(remote.baseUrl()).toBe("https://edge.example.com");
    const request = remote.sign("instruments/{symbol}/book", "public", "GET", { symbol: "BTC-USD", level: "2" });
    expect(request.url).toBe("https://edge.example.com/v1/instruments/BTC-USD/book?level=2");
    for (const method of [
      "fetchMarkets",
      "fetchCurrencies",
      "fetchTicker",
      "fetchTickers",
      "fetchOrderBook",
      "fetchTrades",
      "fetchOHLCV",
      "fetchBalance",
      "createOrder",
      "editOrder",
      "cancelOrder",
      "cancelAllOrders",
      "fetchOrder",
      "fetchOpenOrders",
      "fetchClosedOrders",
      "fetchMyTrades",
      "fetchTime",
      "fetchStatus",
    ]) {
      expect(local.has[method], method).toBe(true);
    }
  });

  it("signs the documented six-line string: HMAC-SHA256 keyed with SHA-256 of the secret", () => {
    const ex = new platform3({ apiKey: "k_test", secret: "s_secret", urls: { api: { rest: "https://x.test" } } });
    const signed = ex.sign("orders", "private", "POST", { instrument: "BTC-USD", side: "buy" });
    const h = signed.headers as Record<string, string>;
    expect(h["X-P3-Key"]).toBe("k_test");
    expect(h["X-P3-Nonce"]).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(Math.abs(Number(h["X-P3-Timestamp"]) - Date.now())).toBeLessThan(2000);
    const body = signed.body as string;
    expect(JSON.parse(body)).toEqual({ instrument: "BTC-USD", side: "buy" });
    const payload = [
      h["X-P3-Timestamp"],
      h["X-P3-Nonce"],
      "POST",
      "/v1/orders",
      "",
      createHash("sha256").update(body).digest("hex"),
    ].join("\n");
    const key = createHash("sha256").update("s_secret").digest();
    expect(h["X-P3-Signature"]).toBe(createHmac("sha256", key).update(payload).digest("hex"));
    // A GET signs its query and sends no body.
    const get = ex.sign("orders", "private", "GET", { status: "open", limit: "5" });
    const gh = get.headers as Record<string, string>;
    expect(get.body).toBeUndefined();
    const getPayload = [gh["X-P3-Timestamp"], gh["X-P3-Nonce"], "GET", "/v1/orders", "status=open&limit=5"];
    getPayload.push(createHash("sha256").update("").digest("hex"));
    expect(gh["X-P3-Signature"]).toBe(createHmac("sha256", key).update(getPayload.join("\n")).digest("hex"));
  });

  it("maps problem codes (and code:reason) to ccxt's error classes", () => {
    const ex = new platform3();
    const classOf = (status: number, problem: Record<string, unknown>) => {
      try {
        ex.handleErrors(status, "", "", "GET", {}, JSON.stringify(problem), problem, {}, undefined);
      } catch (err) {
        return err;
      }
      return undefined;
    };
    const cases: [number, Record<string, unknown>, typeof ExchangeError][] = [
      [400, { code: "invalid_order", reason: "price_off_tick" }, InvalidOrder],
      [422, { code: "order_rejected", reason: "insufficient_available" }, InsufficientFunds],
      [422, { code: "amend_rejected", reason: "insufficient_available" }, InsufficientFunds],
      [422, { code: "order_rejected", reason: "price_outside_band" }, InvalidOrder],
      [404, { code: "order_not_found" }, OrderNotFound],
      [401, { code: "unauthorized", reason: "invalid_signature" }, AuthenticationError],
      [401, { code: "unauthorized", reason: "stale_timestamp" }, InvalidNonce],
      [403, { code: "missing_scope" }, PermissionDenied],
      [429, { code: "rate_limited" }, RateLimitExceeded],
      [404, { code: "instrument_not_found" }, BadSymbol],
      [409, { code: "client_order_id_conflict" }, DuplicateOrderId],
      [503, { code: "object_unavailable" }, ExchangeNotAvailable],
      [503, { code: "history_unavailable" }, ExchangeNotAvailable],
      [503, { code: "order_status_unknown" }, RequestTimeout],
      [500, { code: "something_new" }, ExchangeError],
    ];
    for (const [status, problem, expected] of cases) {
      const err = classOf(status, problem);
      expect(err, JSON.stringify(problem)).toBeInstanceOf(expected);
      expect((err as Error).constructor, JSON.stringify(problem)).toBe(expected);
    }
    expect(classOf(503, { code: "order_status_unknown" })).toBeInstanceOf(NetworkError);
    // Not a problem document, or not an error: left to ccxt's HTTP status handling.
    expect(classOf(502, { message: "bad gateway" })).toBeUndefined();
    expect(classOf(200, { code: "invalid_order" })).toBeUndefined();
  });
});

describe("against the server", () => {
  it("fetchTime and fetchStatus", async () => {
    const before = Date.now();
    const time = (await maker.ex.fetchTime()) as number;
    expect(time).toBeGreaterThanOrEqual(before - 1000);
    expect(time).toBeLessThanOrEqual(Date.now() + 1000);
    const status = await maker.ex.fetchStatus();
    expect(status.status).toBe("ok");
    expect(status.info).toMatchObject(await rest(undefined, "/v1/health").then((h) => ({ status: h.status })));
  });

  it("fetchMarkets: every instrument, precision from tick and lot, limits from min/max qty and min notional", async () => {
    const markets = await maker.ex.fetchMarkets();
    const { instruments } = await rest(undefined, "/v1/instruments");
    expect(markets.map((m) => m?.id).sort()).toEqual(instruments.map((i: { symbol: string }) => i.symbol).sort());
    for (const i of instruments) {
      const m = maker.ex.markets?.[`${i.base}/${i.quote}`] as Market;
      checkMarket(maker.ex, m);
      expect(m?.id).toBe(i.symbol);
      expect(maker.ex.marketId(`${i.base}/${i.quote}`)).toBe(i.symbol);
      expect(m?.precision).toMatchObject({ price: Number(i.tick_size), amount: Number(i.lot_size) });
      expect(m?.limits.amount).toEqual({ min: Number(i.min_qty), max: Number(i.max_qty) });
      expect(m?.limits.cost?.min).toBe(Number(i.min_notional));
      expect(m?.maker).toBe(i.maker_fee_bps / 10_000);
      expect(m?.taker).toBe(i.taker_fee_bps / 10_000);
      expect(m?.active).toBe(i.status === "open");
    }
    const bench = maker.ex.market(CCXT_SYMBOL);
    expect([bench.base, bench.quote, bench.precision.price, bench.precision.amount]).toEqual(["BENCH", "USD", 0.01, 1]);
  });

  it("fetchCurrencies: the instruments' assets", async () => {
    const currencies = await maker.ex.fetchCurrencies();
    const { instruments } = await rest(undefined, "/v1/instruments");
    const assets = new Set<string>(instruments.flatMap((i: { base: string; quote: string }) => [i.base, i.quote]));
    expect(Object.keys(currencies).sort()).toEqual([...assets].sort());
    for (const c of Object.values(currencies)) checkCurrency(c);
    expect(currencies.BENCH?.id).toBe("BENCH");
  });

  let makerOrder: Order;
  let takerOrder: Order;

  it("createOrder limit (post-only, own client order id) rests on the book as REST shows it", async () => {
    makerOrder = await maker.ex.createOrder(CCXT_SYMBOL, "limit", "sell", 10, 100, {
      postOnly: true,
      clientOrderId: `mk-${RUN}-1`,
    });
    checkOrder(maker.ex, makerOrder, CCXT_SYMBOL);
    expect(makerOrder).toMatchObject({
      clientOrderId: `mk-${RUN}-1`,
      status: "open",
      type: "limit",
      side: "sell",
      price: 100,
      amount: 10,
      filled: 0,
      remaining: 10,
      postOnly: true,
      timeInForce: "PO",
    });
    const { order } = await rest(maker, `/v1/orders/${makerOrder.id}`);
    expect(order.post_only).toBe(true);
    expectSameOrder(makerOrder, order);
  });

  it("createOrder limit that crosses: the taker's fills come back with their fees", async () => {
    takerOrder = await taker.ex.createOrder(CCXT_SYMBOL, "limit", "buy", 2, 100);
    checkOrder(taker.ex, takerOrder, CCXT_SYMBOL);
    expect(takerOrder).toMatchObject({ status: "closed", filled: 2, remaining: 0, cost: 200, average: 100 });
    // Taker fee: 20 bps of 200 USD.
    expect(takerOrder.fee).toEqual({ cost: 0.4, currency: "USD" });
    expect(takerOrder.trades).toHaveLength(1);
    const [trade] = takerOrder.trades as [Trade];
    expect(trade).toMatchObject({ price: 100, amount: 2, cost: 200, side: "buy", takerOrMaker: "taker" });
    expect(trade.fee).toEqual({ cost: 0.4, currency: "USD" });
    // The server named it (no client order id given, none generated).
    expect(takerOrder.clientOrderId).toMatch(/^srv-/);
    const { order } = await rest(taker, `/v1/orders/${takerOrder.id}`);
    expectSameOrder(takerOrder, order);
  });

  it("fetchOrder: the maker partly filled, by id and by client order id", async () => {
    const order = await eventually(async () => {
      const o = await maker.ex.fetchOrder(idOf(makerOrder), CCXT_SYMBOL);
      expect(o.filled).toBe(2);
      return o;
    });
    checkOrder(maker.ex, order, CCXT_SYMBOL);
    expect(order).toMatchObject({ status: "open", filled: 2, remaining: 8, cost: 200 });
    // Maker fee: 10 bps of 200 USD.
    expect(order.fee?.cost).toBe(0.2);
    expectSameOrder(order, (await rest(maker, `/v1/orders/${makerOrder.id}`)).order);
    const byClient = await maker.ex.fetchOrder("", CCXT_SYMBOL, { clientOrderId: `mk-${RUN}-1` });
    expect(byClient.id).toBe(makerOrder.id);
  });

  it("fetchMyTrades: both sides' fills with their fees, equal to GET /v1/fills", async () => {
    const [mine] = await taker.ex.fetchMyTrades(CCXT_SYMBOL);
    const theirs = await eventually(async () => {
      const t = await maker.ex.fetchMyTrades(CCXT_SYMBOL);
      expect(t).toHaveLength(1);
      return t[0] as Trade;
    });
    for (const [trader, t] of [
      [taker, mine as Trade],
      [maker, theirs],
    ] as const) {
      checkTrade(trader.ex, t, CCXT_SYMBOL);
      const { fills } = await rest(trader, `/v1/fills?instrument=${SYMBOL}`);
      expect(fills).toHaveLength(1);
      expectSameFill(t, fills[0]);
    }
    expect(mine?.takerOrMaker).toBe("taker");
    expect(theirs.takerOrMaker).toBe("maker");
    expect([mine?.fee?.cost, theirs.fee?.cost]).toEqual([0.4, 0.2]);
    expect(mine?.id).toBe(theirs.id); // one trade, two fills
    const byOrder = await maker.ex.fetchOrderTrades(idOf(makerOrder), CCXT_SYMBOL);
    expect(byOrder.map((t) => t.id)).toEqual([theirs.id]);
  });

  it("fetchTrades: the public print, equal to REST", async () => {
    const trades = await maker.ex.fetchTrades(CCXT_SYMBOL);
    const page = await rest(undefined, `/v1/instruments/${SYMBOL}/trades`);
    expect(trades).toHaveLength(page.trades.length);
    for (const t of trades) checkTrade(maker.ex, t, CCXT_SYMBOL);
    const [t] = trades as [Trade];
    expect(t).toMatchObject({ price: 100, amount: 2, side: "buy", id: String(page.trades[0].trade_id) });
    expect(t.timestamp).toBe(page.trades[0].time);
    expect(await maker.ex.fetchTrades(CCXT_SYMBOL, (t.timestamp as number) + 1)).toEqual([]);
  });

  it("fetchOrderBook: REST's level 2 at its seq", async () => {
    const book = await maker.ex.fetchOrderBook(CCXT_SYMBOL, 10);
    checkOrderBook(book, CCXT_SYMBOL);
    const l2 = await rest(undefined, `/v1/instruments/${SYMBOL}/book?level=2&depth=10`);
    expect(book.nonce).toBe(l2.seq);
    expect(book.asks).toEqual(l2.asks.map(([p, s]: [string, string]) => [Number(p), Number(s)]));
    expect(book.bids).toEqual(l2.bids.map(([p, s]: [string, string]) => [Number(p), Number(s)]));
    expect(book.asks[0]).toEqual([100, 8]);
  });

  it("fetchTicker and fetchTickers", async () => {
    const ticker = await maker.ex.fetchTicker(CCXT_SYMBOL);
    checkTicker(ticker, CCXT_SYMBOL);
    const r = await rest(undefined, `/v1/instruments/${SYMBOL}/ticker`);
    expect(ticker).toMatchObject({
      ask: num(r.best_ask),
      askVolume: num(r.best_ask_size),
      bid: num(r.best_bid),
      last: num(r.last),
      open: num(r.open_24h),
      high: num(r.high_24h),
      low: num(r.low_24h),
      baseVolume: num(r.volume_24h),
    });
    expect([ticker.ask, ticker.last, ticker.baseVolume]).toEqual([100, 100, 2]);
    const tickers = await maker.ex.fetchTickers();
    expect(Object.keys(tickers).sort()).toEqual([...maker.ex.symbols].sort());
    for (const [symbol, t] of Object.entries(tickers)) checkTicker(t, symbol);
    const some = await maker.ex.fetchTickers([CCXT_SYMBOL, "BTC/USD"]);
    expect(Object.keys(some).sort()).toEqual([CCXT_SYMBOL, "BTC/USD"]);
  });

  it("fetchOHLCV: the minute candle of the trade, equal to REST", async () => {
    const candles = await maker.ex.fetchOHLCV(CCXT_SYMBOL, "1m");
    const r = await rest(undefined, `/v1/instruments/${SYMBOL}/candles?interval=1m`);
    expect(candles).toHaveLength(r.candles.length);
    expect(candles.length).toBeGreaterThan(0);
    for (const c of candles) checkOHLCV(c);
    const last = r.candles.at(-1);
    expect(candles.at(-1)).toEqual([last.start, 100, 100, 100, 100, 2].map((v, i) => (i === 0 ? v : Number(v))));
    expect(candles.at(-1)).toEqual([
      last.start,
      Number(last.open),
      Number(last.high),
      Number(last.low),
      Number(last.close),
      Number(last.volume),
    ]);
    const since = await maker.ex.fetchOHLCV(CCXT_SYMBOL, "1h", Date.now() - 3_600_000, 2);
    expect(since.length).toBeGreaterThan(0);
    expect(since.length).toBeLessThanOrEqual(2);
    expect(since.at(-1)?.[5]).toBe(2);
  });

  it("fetchBalance: free, used and total per asset, equal to REST", async () => {
    for (const trader of [maker, taker]) {
      const balance = await trader.ex.fetchBalance();
      checkBalance(balance);
      const { balances } = await rest(trader, "/v1/accounts/me/balances");
      for (const b of balances) {
        expect(balance[b.asset]).toEqual({ free: Number(b.available), used: Number(b.hold), total: Number(b.total) });
      }
    }
    const m = await maker.ex.fetchBalance();
    // The maker's 8 BENCH still on the book are held; it sold 2 for 200 USD less 0.2 fee.
    expect(m.BENCH).toEqual({ free: 9990, used: 8, total: 9998 });
    expect(m.USD?.total).toBe(1_000_199.8);
    const t = await taker.ex.fetchBalance();
    expect(t.BENCH?.total).toBe(10_002);
    expect(t.USD?.total).toBe(999_799.6);
  });

  it("createOrder market by size and by cost (createMarketBuyOrderWithCost)", async () => {
    const bySize = await taker.ex.createOrder(CCXT_SYMBOL, "market", "buy", 1);
    checkOrder(taker.ex, bySize, CCXT_SYMBOL);
    expect(bySize).toMatchObject({ type: "market", status: "closed", filled: 1, cost: 100, timeInForce: "IOC" });
    expectSameOrder(bySize, (await rest(taker, `/v1/orders/${bySize.id}`)).order);
    const byCost = await taker.ex.createMarketBuyOrderWithCost(CCXT_SYMBOL, 250);
    checkOrder(taker.ex, byCost, CCXT_SYMBOL);
    const { order } = await rest(taker, `/v1/orders/${byCost.id}`);
    expect(order.funds).toBe("250");
    expect(order.size).toBeNull();
    // 250 USD buys two lots at 100 with their fee (200.4); a third would need 300.6.
    expect(byCost).toMatchObject({ type: "market", status: "closed", filled: 2, cost: 200 });
    expectSameOrder(byCost, order);
  });

  it("createOrder stop-limit (triggerPrice) and stop market (stopPrice) rest untriggered", async () => {
    const stopLimit = await taker.ex.createOrder(CCXT_SYMBOL, "limit", "buy", 1, 105, { triggerPrice: 104 });
    const stopMarket = await maker.ex.createOrder(CCXT_SYMBOL, "market", "sell", 1, undefined, { stopPrice: 95 });
    for (const [trader, o, type, restType] of [
      [taker, stopLimit, "limit", "stop_limit"],
      [maker, stopMarket, "market", "stop"],
    ] as const) {
      checkOrder(trader.ex, o, CCXT_SYMBOL);
      expect(o).toMatchObject({ type, status: "open", filled: 0 });
      const { order } = await rest(trader, `/v1/orders/${o.id}`);
      expect(order.type).toBe(restType);
      expect(order.stop_triggered).toBe(false);
      expectSameOrder(o, order);
    }
    expect([stopLimit.triggerPrice, stopLimit.price, stopMarket.triggerPrice]).toEqual([104, 105, 95]);
  });

  it("timeInForce IOC: nothing at the price, the remainder is cancelled", async () => {
    const ioc = await taker.ex.createOrder(CCXT_SYMBOL, "limit", "buy", 1, 99, { timeInForce: "IOC" });
    checkOrder(taker.ex, ioc, CCXT_SYMBOL);
    expect(ioc).toMatchObject({ status: "canceled", timeInForce: "IOC", filled: 0 });
    const { order } = await rest(taker, `/v1/orders/${ioc.id}`);
    expect([order.time_in_force, order.done_reason]).toEqual(["ioc", "ioc_remainder"]);
    expectSameOrder(ioc, order);
  });

  it("generates a client order id when asked to (options.generateClientOrderId)", async () => {
    const ex = exchange(maker.keyId, maker.secret, maker.ip, { generateClientOrderId: true });
    const o = await ex.createOrder(CCXT_SYMBOL, "limit", "sell", 1, 110);
    expect(o.clientOrderId).toMatch(/^ccxt-[0-9a-f-]{36}$/);
    expect((await rest(maker, `/v1/orders/${o.id}`)).order.client_order_id).toBe(o.clientOrderId);
    await ex.cancelOrder(idOf(o), CCXT_SYMBOL);
  });

  let resting: Order;

  it("editOrder: new size and price, as REST shows", async () => {
    resting = await maker.ex.createOrder(CCXT_SYMBOL, "limit", "sell", 3, 102, { clientOrderId: `mk-${RUN}-2` });
    const edited = await maker.ex.editOrder(idOf(resting), CCXT_SYMBOL, "limit", "sell", 2, 103);
    checkOrder(maker.ex, edited, CCXT_SYMBOL);
    expect(edited).toMatchObject({ id: resting.id, amount: 2, price: 103, status: "open" });
    expectSameOrder(edited, (await rest(maker, `/v1/orders/${resting.id}`)).order);
    // By client order id too.
    const again = await maker.ex.editOrder("", CCXT_SYMBOL, "limit", "sell", 1, undefined, {
      clientOrderId: `mk-${RUN}-2`,
    });
    expect([again.id, again.amount, again.price]).toEqual([resting.id, 1, 103]);
  });

  it("fetchOpenOrders, fetchClosedOrders and fetchOrders equal REST's lists", async () => {
    const open = await maker.ex.fetchOpenOrders(CCXT_SYMBOL);
    const closed = await taker.ex.fetchClosedOrders(CCXT_SYMBOL);
    const all = await taker.ex.fetchOrders(CCXT_SYMBOL);
    for (const o of [...open, ...closed, ...all]) checkOrder(maker.ex, o, CCXT_SYMBOL);
    const ids = (orders: { order_id: string }[]) => orders.map((o) => o.order_id).sort();
    const restOpen = (await rest(maker, `/v1/orders?status=open&instrument=${SYMBOL}`)).orders;
    const restDone = (await rest(taker, `/v1/orders?status=done&instrument=${SYMBOL}`)).orders;
    const restAll = (await rest(taker, `/v1/orders?instrument=${SYMBOL}`)).orders;
    expect(open.map((o) => o.id).sort()).toEqual(ids(restOpen));
    expect(closed.map((o) => o.id).sort()).toEqual(ids(restDone));
    expect(all.map((o) => o.id).sort()).toEqual(ids(restAll));
    expect(open.map((o) => o.id)).toEqual(expect.arrayContaining([makerOrder.id, resting.id]));
    expect(open.every((o) => o.status === "open")).toBe(true);
    expect(closed.map((o) => o.id)).toEqual(expect.arrayContaining([takerOrder.id]));
    expect(closed.every((o) => o.status !== "open")).toBe(true);
    // ccxt's order: oldest first; `limit` keeps the newest.
    const times = all.map((o) => o.timestamp as number);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect((await taker.ex.fetchOrders(CCXT_SYMBOL, undefined, 2)).length).toBe(2);
  });

  it("cancelOrder: canceled, and cancelling again is OrderNotFound", async () => {
    const cancelled = await maker.ex.cancelOrder(idOf(resting), CCXT_SYMBOL);
    checkOrder(maker.ex, cancelled, CCXT_SYMBOL);
    expect(cancelled.status).toBe("canceled");
    const { order } = await rest(maker, `/v1/orders/${resting.id}`);
    expect([order.status, order.done_reason]).toEqual(["cancelled", "user"]);
    expectSameOrder(cancelled, order);
    expect(await refusal(() => maker.ex.cancelOrder(idOf(resting), CCXT_SYMBOL))).toBeInstanceOf(OrderNotFound);
  });

  it("cancelAllOrders(symbol): every open order, then none are open", async () => {
    const before = (await rest(maker, `/v1/orders?status=open&instrument=${SYMBOL}`)).orders;
    expect(before.length).toBeGreaterThanOrEqual(2); // the partly filled maker and the stop
    const cancelled = await maker.ex.cancelAllOrders(CCXT_SYMBOL);
    expect(cancelled.map((o) => o.id).sort()).toEqual(before.map((o: { order_id: string }) => o.order_id).sort());
    for (const o of cancelled) {
      checkOrder(maker.ex, o, CCXT_SYMBOL);
      expect(o.status).toBe("canceled");
    }
    expect(await maker.ex.fetchOpenOrders(CCXT_SYMBOL)).toEqual([]);
    expect((await rest(maker, "/v1/orders?status=open")).orders).toEqual([]);
    // The taker's stop is still there; cancel all without a symbol takes it.
    expect((await taker.ex.cancelAllOrders()).map((o) => o.status)).toEqual(["canceled"]);
  });

  describe("refusals map to ccxt's errors", () => {
    const openCount = async (trader: Trader) => (await rest(trader, "/v1/orders?status=open")).orders.length;

    it("an off-tick price is InvalidOrder, and nothing is placed", async () => {
      const err = await refusal(() => maker.ex.createOrder(CCXT_SYMBOL, "limit", "sell", 1, 100.001));
      expect(err).toBeInstanceOf(InvalidOrder);
      expect(err.message).toContain("price_off_tick");
      expect(await openCount(maker)).toBe(0);
      // Float noise next to the grid is snapped onto it, not refused.
      const o = await maker.ex.createOrder(CCXT_SYMBOL, "limit", "sell", 1, 0.1 + 0.2 + 109.7);
      expect(o.price).toBe(110);
      await maker.ex.cancelOrder(idOf(o), CCXT_SYMBOL);
    });

    it("insufficient funds is InsufficientFunds", async () => {
      const err = await refusal(() => taker.ex.createOrder(CCXT_SYMBOL, "limit", "buy", 100_000, 100));
      expect(err).toBeInstanceOf(InsufficientFunds);
      expect(err.message).toContain("insufficient_available");
      expect(await openCount(taker)).toBe(0);
    });

    it("an unknown order is OrderNotFound", async () => {
      expect(await refusal(() => maker.ex.fetchOrder("no-such-order", CCXT_SYMBOL))).toBeInstanceOf(OrderNotFound);
      expect(await refusal(() => maker.ex.cancelOrder("no-such-order"))).toBeInstanceOf(OrderNotFound);
      // Another account's order is not found either.
      expect(await refusal(() => taker.ex.fetchOrder(idOf(makerOrder)))).toBeInstanceOf(OrderNotFound);
    });

    it("a bad secret is AuthenticationError; a timestamp outside the window is InvalidNonce", async () => {
      const bad = exchange(maker.keyId, `${maker.secret}x`, maker.ip);
      const err = await refusal(() => bad.fetchBalance());
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err.message).toContain("invalid_signature");
      const unknownKey = exchange(`${maker.keyId}0`, maker.secret, maker.ip);
      expect(await refusal(() => unknownKey.fetchBalance())).toBeInstanceOf(AuthenticationError);
      const skewed = exchange(maker.keyId, maker.secret, maker.ip, { timeDifference: -60_000 });
      expect(await refusal(() => skewed.fetchBalance())).toBeInstanceOf(InvalidNonce);
      expect(await refusal(() => new platform3({ urls: { api: { rest: base } } }).fetchBalance())).toBeInstanceOf(
        AuthenticationError,
      );
    });

    it("a read-only key placing is PermissionDenied; an unknown instrument BadSymbol", async () => {
      // A signed POST with a body: the maker creates a read-only key for itself.
      const created = await maker.ex.call("private", "POST", "accounts/me/api-keys", {
        name: "ccxt-read",
        scopes: ["read"],
      });
      expect(created.scopes).toEqual(["read"]);
      const reader = exchange(created.id, created.secret, maker.ip);
      expect((await reader.fetchBalance()).BENCH?.total).toBe((await maker.ex.fetchBalance()).BENCH?.total);
      const err = await refusal(() => reader.createOrder(CCXT_SYMBOL, "limit", "sell", 1, 100));
      expect(err).toBeInstanceOf(PermissionDenied);
      const unknown = await refusal(() =>
        maker.ex.call("public", "GET", "instruments/{symbol}/ticker", { symbol: "NOPE-USD" }),
      );
      expect(unknown).toBeInstanceOf(BadSymbol);
      expect(await refusal(() => maker.ex.fetchTicker("NOPE/USD"))).toBeInstanceOf(BadSymbol);
    });
  });
});
