/**
 * Order entry over HTTP end to end (the real app, `exports.default.fetch`):
 * place and replay, crossing orders settling both sides, batches with mixed
 * results, reads by order id and client order id, listing and fills with
 * cursors, amend, cancel, cancel all, the dead-man timer, Idempotency-Key
 * replays and their lookup, ownership between accounts, scopes, and bad input
 * refused as problems without any change.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { bearer, createAccount, expectProblem, OPERATOR, tokenFor } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";

const BASE = "http://platform3.test/v1";
const JSON_TYPE = { "content-type": "application/json" };
const operator = { authorization: OPERATOR, "cf-connecting-ip": "198.19.1.1" };

let ipCounter = 0;
/** A fresh client address per caller, so per-IP budgets never interfere between tests. */
const freshIp = () => `198.18.${100 + ((++ipCounter >> 8) & 127)}.${ipCounter & 255}`;

interface Trader {
  account: string;
  headers: Record<string, string>;
}

type Scope = "read" | "trade" | "admin";

async function trader(deposits: Record<string, string> = {}, scopes: Scope[] = ["read", "trade"]): Promise<Trader> {
  const created = await createAccount(scopes);
  const { access_token } = await tokenFor(created.keyId, created.secret);
  for (const [asset, amount] of Object.entries(deposits)) {
    const res = await api(`/admin/accounts/${created.account}/deposits`, {
      method: "POST",
      headers: { ...operator, ...JSON_TYPE },
      body: JSON.stringify({ asset, amount, reference: `seed-${asset}` }),
    });
    if (res.status !== 201) throw new Error(`deposit: ${res.status} ${await res.text()}`);
  }
  return { account: created.account, headers: { ...bearer(access_token), "cf-connecting-ip": freshIp() } };
}

let symbolCounter = 0;
/** Lists a fresh instrument (tick 0.01, lot 0.001, maker 10 bps, taker 20 bps) and answers its symbol. */
async function instrument(): Promise<{ symbol: string; base: string }> {
  const base = `OA${++symbolCounter}${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
  const symbol = `${base}-USD`;
  await listInstrument(testInstrument(symbol));
  return { symbol, base };
}

function api(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, init);
}

function send(t: Trader, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...t.headers, ...headers } };
  if (body !== undefined) {
    init.headers = { ...t.headers, ...JSON_TYPE, ...headers };
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  return api(path, init);
}

interface OrderView {
  order_id: string;
  client_order_id: string;
  instrument: string;
  side: string;
  status: string;
  size: string | null;
  price: string | null;
  filled_size: string;
  remaining_size: string | null;
  done_reason: string | null;
  reject_code: string | null;
  created_at_ms: number;
}

interface FillView {
  fill_id: string;
  order_id: string;
  price: string;
  size: string;
  fee: string;
  liquidity: string;
}

interface OrderReply {
  order: OrderView;
  fills: FillView[];
  replayed: boolean;
}

async function ok<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

const limit = (client_order_id: string, symbol: string, side: "buy" | "sell", price: string, size: string) => ({
  client_order_id,
  instrument: symbol,
  side,
  type: "limit",
  price,
  size,
});

async function place(t: Trader, order: unknown, status = 201, headers: Record<string, string> = {}) {
  return ok<OrderReply>(await send(t, "POST", "/orders", order, headers), status);
}

async function balances(t: Trader): Promise<Record<string, { total: string; hold: string; available: string }>> {
  const body = await ok<{ balances: { asset: string; total: string; hold: string; available: string }[] }>(
    await send(t, "GET", "/accounts/me/balances"),
  );
  return Object.fromEntries(body.balances.map((b) => [b.asset, b]));
}

async function listAll(t: Trader, query = ""): Promise<OrderView[]> {
  return (await ok<{ orders: OrderView[] }>(await send(t, "GET", `/orders${query}`))).orders;
}

/** Waits until the book's outbox has delivered everything (makers settle asynchronously). */
async function quiesce(symbol: string): Promise<void> {
  const book = env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(symbol));
  for (let i = 0; i < 100; i++) {
    if ((await book.outboxSize()) === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("outbox did not drain");
}

describe("POST /v1/orders", () => {
  it("places (201), holds the funds, and answers a repeat of the client_order_id with the first order (200)", async () => {
    const { symbol } = await instrument();
    const t = await trader({ USD: "100" });
    const res = await send(t, "POST", "/orders", limit("bid-1", symbol, "buy", "10.00", "1"));
    const first = await ok<OrderReply>(res, 201);
    expect(res.headers.get("location")).toBe(`/v1/orders/${first.order.order_id}`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(first.order).toMatchObject({
      client_order_id: "bid-1",
      instrument: symbol,
      side: "buy",
      status: "new",
      price: "10.00",
      size: "1.000",
      remaining_size: "1.000",
    });
    expect(first.replayed).toBe(false);
    expect(first.fills).toEqual([]);
    expect((await balances(t)).USD).toMatchObject({ total: "100.00000000", hold: "10.02000000" });

    const again = await place(t, limit("bid-1", symbol, "buy", "10.00", "1"), 200);
    expect(again.order.order_id).toBe(first.order.order_id);
    expect(again.replayed).toBe(true);
    expect((await balances(t)).USD).toMatchObject({ hold: "10.02000000" });

    const conflict = await expectProblem(
      await send(t, "POST", "/orders", limit("bid-1", symbol, "buy", "11.00", "1")),
      409,
      "client_order_id_conflict",
    );
    expect(conflict.order).toMatchObject({ order_id: first.order.order_id, price: "10.00" });
    expect(conflict.instance).toBe("/v1/orders");
    expect(await listAll(t)).toHaveLength(1);
  });

  it("fills crossing orders: the taker settles on the reply, the maker from the outbox", async () => {
    const { symbol, base } = await instrument();
    const seller = await trader({ [base]: "10" });
    const buyer = await trader({ USD: "1000" });
    const ask = await place(seller, limit("ask-1", symbol, "sell", "100.00", "2"));
    expect((await balances(seller))[base]).toMatchObject({ hold: "2.00000000" });

    const bid = await place(buyer, limit("bid-1", symbol, "buy", "101.00", "1.5"));
    expect(bid.order).toMatchObject({ status: "filled", filled_size: "1.500", remaining_size: "0.000" });
    expect(bid.fills).toHaveLength(1);
    expect(bid.fills[0]).toMatchObject({ price: "100.00", size: "1.500", liquidity: "taker", fee: "0.30000000" });
    const buyerBalances = await balances(buyer);
    expect(buyerBalances.USD).toMatchObject({ total: "849.70000000", hold: "0.00000000" });
    expect(buyerBalances[base]).toMatchObject({ total: "1.50000000" });

    await quiesce(symbol);
    const sellerBalances = await balances(seller);
    expect(sellerBalances.USD).toMatchObject({ total: "149.85000000" });
    expect(sellerBalances[base]).toMatchObject({ total: "8.50000000", hold: "0.50000000" });
    const askNow = await ok<{ order: OrderView }>(await send(seller, "GET", `/orders/${ask.order.order_id}`));
    expect(askNow.order).toMatchObject({ status: "partially_filled", filled_size: "1.500", remaining_size: "0.500" });
    const makerFills = await ok<{ fills: FillView[] }>(await send(seller, "GET", "/fills"));
    expect(makerFills.fills).toEqual([
      expect.objectContaining({ order_id: ask.order.order_id, liquidity: "maker", fee: "0.15000000" }),
    ]);
  });

  it("rejects an order risk refuses with 422, the reason and the amounts, holding nothing", async () => {
    const { symbol } = await instrument();
    const t = await trader({ USD: "5" });
    const body = await expectProblem(
      await send(t, "POST", "/orders", limit("big", symbol, "buy", "10.00", "1")),
      422,
      "order_rejected",
      "insufficient_available",
    );
    expect(body).toMatchObject({ asset: "USD", available: "5.00000000", required: "10.02000000" });
    expect(body.order).toMatchObject({ status: "rejected", reject_code: "insufficient_available" });
    expect((await balances(t)).USD).toMatchObject({ total: "5.00000000", hold: "0.00000000" });
  });

  it("refuses new orders of a disabled account (kill switch) with 422 account_disabled", async () => {
    const { symbol } = await instrument();
    const t = await trader({ USD: "100" });
    const res = await api(`/admin/accounts/${t.account}`, {
      method: "PATCH",
      headers: { ...operator, ...JSON_TYPE },
      body: JSON.stringify({ trading_enabled: false }),
    });
    expect(res.status).toBe(200);
    await expectProblem(
      await send(t, "POST", "/orders", limit("k", symbol, "buy", "1.00", "1")),
      422,
      "order_rejected",
      "account_disabled",
    );
  });
});

describe("POST /v1/orders/batch", () => {
  it("places each order on its own: good ones succeed, bad ones get their own problem", async () => {
    const { symbol } = await instrument();
    const t = await trader({ USD: "100" });
    const res = await send(t, "POST", "/orders/batch", {
      orders: [
        limit("b-1", symbol, "buy", "10.00", "1"),
        // A client_order_id is optional, but one that is given must follow the grammar.
        { ...limit("b-2", symbol, "buy", "10.00", "1"), client_order_id: "has space" },
        limit("b-3", symbol, "buy", "10.005", "1"),
        limit("b-4", "NOPE-USD", "buy", "10.00", "1"),
        limit("b-5", symbol, "buy", "50.00", "10"),
        limit("b-6", symbol, "buy", "9.00", "1"),
      ],
    });
    const { results } = await ok<{
      results: { ok: boolean; order?: OrderView; error?: Record<string, unknown> }[];
    }>(res);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, false, false, true]);
    expect(results[0]?.order).toMatchObject({ client_order_id: "b-1", status: "new" });
    expect(results[1]?.error).toMatchObject({ status: 400, code: "invalid_order" });
    expect(results[1]?.error?.errors).toEqual([expect.objectContaining({ field: "client_order_id" })]);
    expect(results[2]?.error).toMatchObject({ status: 400, code: "invalid_order", reason: "price_off_tick" });
    expect(results[3]?.error).toMatchObject({ status: 404, code: "instrument_not_found" });
    expect(results[4]?.error).toMatchObject({ status: 422, code: "order_rejected", reason: "insufficient_available" });
    expect(results[5]?.order).toMatchObject({ client_order_id: "b-6", status: "new" });
    // Refused at the edge: never recorded. Refused by risk: recorded as rejected.
    const listed = await listAll(t);
    expect(listed.map((o) => o.client_order_id).sort()).toEqual(["b-1", "b-5", "b-6"]);
    expect((await balances(t)).USD).toMatchObject({ hold: "19.03800000" });
  });

  it("refuses an empty or oversized batch as a whole", async () => {
    const { symbol } = await instrument();
    const t = await trader({ USD: "1000" });
    await expectProblem(await send(t, "POST", "/orders/batch", { orders: [] }), 400, "invalid_request");
    const orders = Array.from({ length: 21 }, (_, i) => limit(`o${i}`, symbol, "buy", "1.00", "1"));
    await expectProblem(await send(t, "POST", "/orders/batch", { orders }), 400, "invalid_request");
    await expectProblem(await send(t, "POST", "/orders/batch", orders), 400, "invalid_request");
    expect(await listAll(t)).toEqual([]);
    expect((await balances(t)).USD).toMatchObject({ hold: "0.00000000" });
  });
});

describe("GET /v1/orders", () => {
  it("finds an order by order id and by client order id", async () => {
    const { symbol } = await instrument();
    const t = await trader({ USD: "100" });
    const placed = await place(t, limit("mine", symbol, "buy", "5.00", "1"));
    const byId = await ok<{ order: OrderView }>(await send(t, "GET", `/orders/${placed.order.order_id}`));
    expect(byId.order).toEqual(placed.order);
    const byClient = await ok<{ order: OrderView }>(await send(t, "GET", "/orders/client/mine"));
    expect(byClient.order).toEqual(placed.order);
    await expectProblem(await send(t, "GET", "/orders/client/other"), 404, "order_not_found");
    await expectProblem(await send(t, "GET", `/orders/${crypto.randomUUID()}`), 404, "order_not_found");
    await expectProblem(await send(t, "GET", "/orders/bad%20id"), 400, "invalid_request");
  });

  it("lists open and done orders newest first, page by page", async () => {
    const { symbol } = await instrument();
    const other = await instrument();
    const t = await trader({ USD: "1000" });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await place(t, limit(`o${i}`, symbol, "buy", `${i + 1}.00`, "1"))).order.order_id);
    }
    await place(t, limit("elsewhere", other.symbol, "buy", "1.00", "1"));
    await ok(await send(t, "DELETE", `/orders/${ids[1]}`));
    await ok(await send(t, "DELETE", `/orders/${ids[3]}`));

    const open = await listAll(t, `?status=open&instrument=${symbol}`);
    expect(open.map((o) => o.client_order_id)).toEqual(["o4", "o2", "o0"]);
    const done = await listAll(t, "?status=done");
    expect(done.map((o) => o.client_order_id)).toEqual(["o3", "o1"]);
    expect(done.every((o) => o.status === "cancelled")).toBe(true);

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const q = new URLSearchParams({ limit: "2" });
      if (cursor) q.set("cursor", cursor);
      const page = await ok<{ orders: OrderView[]; next_cursor: string | null }>(await send(t, "GET", `/orders?${q}`));
      seen.push(...page.orders.map((o) => o.client_order_id));
      cursor = page.next_cursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual(["elsewhere", "o4", "o3", "o2", "o1", "o0"]);

    const created = open.map((o) => o.created_at_ms);
    const newest = Math.max(...created);
    const before = await listAll(t, `?instrument=${symbol}&end=${newest}`);
    expect(before.map((o) => o.client_order_id)).not.toContain("o4");

    for (const bad of ["?status=closed", "?limit=0", "?limit=1001", "?cursor=!!", "?cursor=abc", "?start=5&end=5"]) {
      await expectProblem(await send(t, "GET", `/orders${bad}`), 400, "invalid_request");
    }
  });
});

describe("PATCH /v1/orders/{order_id}", () => {
  it("amends the size down keeping the order, and refuses an amendment beyond available", async () => {
    const { symbol } = await instrument();
    const t = await trader({ USD: "30" });
    const placed = await place(t, limit("amend-me", symbol, "buy", "10.00", "2"));
    expect((await balances(t)).USD).toMatchObject({ hold: "20.04000000" });

    const down = await ok<OrderReply>(await send(t, "PATCH", `/orders/${placed.order.order_id}`, { size: "1" }));
    expect(down.order).toMatchObject({
      order_id: placed.order.order_id,
      status: "new",
      size: "1.000",
      remaining_size: "1.000",
    });
    expect((await balances(t)).USD).toMatchObject({ hold: "10.02000000" });

    const up = await expectProblem(
      await send(t, "PATCH", "/orders/client/amend-me", { size: "5" }),
      422,
      "amend_rejected",
      "insufficient_available",
    );
    expect(up.order).toMatchObject({ size: "1.000", status: "new" });
    const now = await ok<{ order: OrderView }>(await send(t, "GET", "/orders/client/amend-me"));
    expect(now.order).toMatchObject({ size: "1.000", status: "new" });
    expect((await balances(t)).USD).toMatchObject({ hold: "10.02000000" });

    await expectProblem(await send(t, "PATCH", "/orders/client/amend-me", {}), 400, "invalid_request");
    await expectProblem(await send(t, "PATCH", "/orders/client/amend-me", { size: -1 }), 400, "invalid_request");
    await expectProblem(await send(t, "PATCH", "/orders/client/nope", { size: "1" }), 404, "order_not_found");
  });
});

describe("DELETE /v1/orders", () => {
  it("cancels once, releasing the hold; a second cancel is 409 order_not_open", async () => {
    const { symbol } = await instrument();
    const t = await trader({ USD: "100" });
    const placed = await place(t, limit("c-1", symbol, "buy", "10.00", "1"));
    const cancelled = await ok<OrderReply>(await send(t, "DELETE", `/orders/${placed.order.order_id}`));
    expect(cancelled.order).toMatchObject({ status: "cancelled", done_reason: "user" });
    expect((await balances(t)).USD).toMatchObject({ hold: "0.00000000", available: "100.00000000" });
    const again = await expectProblem(
      await send(t, "DELETE", `/orders/${placed.order.order_id}`),
      409,
      "order_not_open",
    );
    expect(again.order).toMatchObject({ status: "cancelled" });
    await expectProblem(await send(t, "DELETE", "/orders/client/c-1"), 409, "order_not_open");

    await place(t, limit("c-2", symbol, "buy", "10.00", "1"));
    const byClient = await ok<OrderReply>(await send(t, "DELETE", "/orders/client/c-2"));
    expect(byClient.order).toMatchObject({ client_order_id: "c-2", status: "cancelled" });
    await expectProblem(await send(t, "DELETE", "/orders/client/c-3"), 404, "order_not_found");
  });

  it("cancels all open orders, of one instrument and side when asked", async () => {
    const a = await instrument();
    const b = await instrument();
    const t = await trader({ USD: "1000", [a.base]: "10" });
    await place(t, limit("a-buy-1", a.symbol, "buy", "10.00", "1"));
    await place(t, limit("a-buy-2", a.symbol, "buy", "11.00", "1"));
    await place(t, limit("a-sell", a.symbol, "sell", "20.00", "1"));
    await place(t, limit("b-buy", b.symbol, "buy", "10.00", "1"));

    const first = await ok<{ cancelled: OrderView[] }>(
      await send(t, "DELETE", `/orders?instrument=${a.symbol}&side=buy`),
    );
    expect(first.cancelled.map((o) => o.client_order_id).sort()).toEqual(["a-buy-1", "a-buy-2"]);
    expect((await listAll(t, "?status=open")).map((o) => o.client_order_id).sort()).toEqual(["a-sell", "b-buy"]);

    const rest = await ok<{ cancelled: OrderView[] }>(await send(t, "DELETE", "/orders"));
    expect(rest.cancelled.map((o) => o.client_order_id).sort()).toEqual(["a-sell", "b-buy"]);
    expect(await listAll(t, "?status=open")).toEqual([]);
    const after = await balances(t);
    expect(after.USD).toMatchObject({ hold: "0.00000000" });
    expect(after[a.base]).toMatchObject({ hold: "0.00000000" });

    await expectProblem(await send(t, "DELETE", "/orders?side=up"), 400, "invalid_request");
    await expectProblem(await send(t, "DELETE", "/orders?instrument=btc"), 400, "invalid_request");
  });
});

describe("POST /v1/orders/cancel-after", () => {
  it("arms, refreshes and disarms the dead-man timer", async () => {
    const t = await trader({ USD: "100" });
    const before = Date.now();
    const armed = await ok<{ cancel_at: string; cancel_at_ms: number }>(
      await send(t, "POST", "/orders/cancel-after", { timeout_ms: 60_000 }),
    );
    expect(armed.cancel_at_ms).toBeGreaterThanOrEqual(before + 60_000);
    expect(armed.cancel_at_ms).toBeLessThan(Date.now() + 60_000 + 1_000);
    expect(new Date(armed.cancel_at).getTime()).toBe(armed.cancel_at_ms);
    const off = await ok(await send(t, "POST", "/orders/cancel-after", { timeout_ms: 0 }));
    expect(off).toEqual({ cancel_at: null, cancel_at_ms: null });
    for (const bad of [
      { timeout_ms: 500 },
      { timeout_ms: -1 },
      { timeout_ms: "1000" },
      { timeout_ms: 86_400_001 },
      {},
    ]) {
      await expectProblem(await send(t, "POST", "/orders/cancel-after", bad), 400, "invalid_request");
    }
  });

  it("cancels every open order when the timer runs out", async () => {
    const { symbol } = await instrument();
    const t = await trader({ USD: "100" });
    await place(t, limit("dm-1", symbol, "buy", "10.00", "1"));
    await place(t, limit("dm-2", symbol, "buy", "11.00", "1"));
    await ok(await send(t, "POST", "/orders/cancel-after", { timeout_ms: 1_000 }));
    await new Promise((r) => setTimeout(r, 1_100));
    await runDurableObjectAlarm(accountStub(env.ACCOUNT, t.account));
    expect(await listAll(t, "?status=open")).toEqual([]);
    const done = await listAll(t, "?status=done");
    expect(done.map((o) => [o.client_order_id, o.status, o.done_reason])).toEqual([
      ["dm-2", "cancelled", "cancel_all"],
      ["dm-1", "cancelled", "cancel_all"],
    ]);
    expect((await balances(t)).USD).toMatchObject({ hold: "0.00000000" });
  });
});

describe("GET /v1/fills", () => {
  it("pages fills newest first and filters by order and instrument", async () => {
    const { symbol, base } = await instrument();
    const maker = await trader({ [base]: "10" });
    const taker = await trader({ USD: "1000" });
    for (let i = 0; i < 3; i++) await place(maker, limit(`ask-${i}`, symbol, "sell", `${10 + i}.00`, "1"));
    const sweep = await place(taker, limit("sweep", symbol, "buy", "12.00", "3"));
    expect(sweep.order).toMatchObject({ status: "filled", filled_size: "3.000" });
    expect(sweep.fills.map((f) => f.price)).toEqual(["10.00", "11.00", "12.00"]);

    const first = await ok<{ fills: FillView[]; next_cursor: string | null }>(
      await send(taker, "GET", "/fills?limit=2"),
    );
    expect(first.fills.map((f) => f.price)).toEqual(["12.00", "11.00"]);
    expect(first.next_cursor).not.toBeNull();
    const second = await ok<{ fills: FillView[]; next_cursor: string | null }>(
      await send(taker, "GET", `/fills?limit=2&cursor=${first.next_cursor}`),
    );
    expect(second.fills.map((f) => f.price)).toEqual(["10.00"]);
    expect(second.next_cursor).toBeNull();

    const byOrder = await ok<{ fills: FillView[] }>(
      await send(taker, "GET", `/fills?order_id=${sweep.order.order_id}`),
    );
    expect(byOrder.fills).toHaveLength(3);
    const none = await ok<{ fills: FillView[] }>(await send(taker, "GET", "/fills?instrument=NONE-USD"));
    expect(none.fills).toEqual([]);
    await quiesce(symbol);
    const makerFills = await ok<{ fills: FillView[] }>(await send(maker, "GET", `/fills?instrument=${symbol}`));
    expect(makerFills.fills).toHaveLength(3);
    for (const bad of ["?limit=x", "?order_id=a%20b", "?cursor=zz", "?end=-1"]) {
      await expectProblem(await send(taker, "GET", `/fills${bad}`), 400, "invalid_request");
    }
  });
});

describe("Idempotency-Key", () => {
  it("answers a repeat with the first response, refuses another body, and reports the outcome", async () => {
    const { symbol } = await instrument();
    const t = await trader({ USD: "100" });
    const key = { "idempotency-key": "place-0001" };
    const body = limit("idem-1", symbol, "buy", "10.00", "1");
    const res1 = await send(t, "POST", "/orders", body, key);
    const text1 = await res1.text();
    expect(res1.status).toBe(201);
    const res2 = await send(t, "POST", "/orders", body, key);
    expect(res2.status).toBe(201);
    expect(await res2.text()).toBe(text1);
    expect(await listAll(t)).toHaveLength(1);
    expect((await balances(t)).USD).toMatchObject({ hold: "10.02000000" });

    await expectProblem(
      await send(t, "POST", "/orders", { ...body, price: "9.00" }, key),
      422,
      "idempotency_key_reused",
    );
    await expectProblem(
      await send(t, "DELETE", "/orders/client/idem-1", undefined, key),
      422,
      "idempotency_key_reused",
    );

    const stored = await ok<Record<string, unknown>>(await send(t, "GET", "/requests/place-0001"));
    expect(stored).toMatchObject({ key: "place-0001", in_progress: false, operation: "place", status: 201 });
    expect(stored.response).toEqual(JSON.parse(text1));
    expect(typeof stored.created_at_ms).toBe("number");

    // A cancel under a key: the repeat answers the first success, not 409.
    const cancelKey = { "idempotency-key": "cancel-0001" };
    const c1 = await ok<OrderReply>(await send(t, "DELETE", "/orders/client/idem-1", undefined, cancelKey));
    const c2 = await ok<OrderReply>(await send(t, "DELETE", "/orders/client/idem-1", undefined, cancelKey));
    expect(c2).toEqual(c1);
    expect(c1.order.status).toBe("cancelled");

    // A refusal is stored too, and reported with its status.
    const missKey = { "idempotency-key": "cancel-0002" };
    await expectProblem(await send(t, "DELETE", "/orders/client/nope", undefined, missKey), 404, "order_not_found");
    const miss = await ok<{ status: number; operation: string; response: { code: string } }>(
      await send(t, "GET", "/requests/cancel-0002"),
    );
    expect(miss).toMatchObject({ operation: "cancel", status: 404, response: { code: "order_not_found" } });

    const batchKey = { "idempotency-key": "batch-0001" };
    const batch = { orders: [limit("idem-b", symbol, "buy", "1.00", "1")] };
    const b1 = await ok<unknown>(await send(t, "POST", "/orders/batch", batch, batchKey));
    expect(await ok<unknown>(await send(t, "POST", "/orders/batch", batch, batchKey))).toEqual(b1);
    expect(await ok(await send(t, "GET", "/requests/batch-0001"))).toMatchObject({ status: 200, response: b1 });

    await expectProblem(await send(t, "GET", "/requests/never-used"), 404, "request_not_found");
    await expectProblem(await send(t, "GET", "/requests/bad%20key"), 400, "invalid_request");
  });

  it("refuses a malformed Idempotency-Key with 400 and changes nothing", async () => {
    const { symbol } = await instrument();
    const t = await trader({ USD: "100" });
    for (const bad of ["has space", "x".repeat(65), "a/b", "key?", "{k}"]) {
      const res = await send(t, "POST", "/orders", limit("k-1", symbol, "buy", "1.00", "1"), {
        "idempotency-key": bad,
      });
      const problem = await expectProblem(res, 400, "invalid_request");
      expect(JSON.stringify(problem.errors)).toContain("idempotency-key");
    }
    await expectProblem(
      await send(t, "POST", "/orders/cancel-after", { timeout_ms: 0 }, { "idempotency-key": "" }),
      400,
      "invalid_request",
    );
    expect(await listAll(t)).toEqual([]);
    expect((await balances(t)).USD).toMatchObject({ hold: "0.00000000" });
  });
});

describe("ownership and scopes", () => {
  it("never reaches another account's order: 404 on GET, PATCH and DELETE", async () => {
    const { symbol } = await instrument();
    const owner = await trader({ USD: "100" });
    const other = await trader({ USD: "100" });
    const placed = await place(owner, limit("private", symbol, "buy", "10.00", "1"), 201, {
      "idempotency-key": "owner-key",
    });
    const id = placed.order.order_id;
    await expectProblem(await send(other, "GET", `/orders/${id}`), 404, "order_not_found");
    await expectProblem(await send(other, "GET", "/orders/client/private"), 404, "order_not_found");
    await expectProblem(await send(other, "PATCH", `/orders/${id}`, { size: "0.5" }), 404, "order_not_found");
    await expectProblem(await send(other, "DELETE", `/orders/${id}`), 404, "order_not_found");
    await expectProblem(await send(other, "GET", "/requests/owner-key"), 404, "request_not_found");
    expect(await ok<unknown>(await send(other, "DELETE", "/orders"))).toEqual({ cancelled: [] });
    expect(await listAll(other)).toEqual([]);
    const still = await ok<{ order: OrderView }>(await send(owner, "GET", `/orders/${id}`));
    expect(still.order).toMatchObject({ status: "new", size: "1.000" });
  });

  it("needs trade to change orders and read to see them", async () => {
    const { symbol } = await instrument();
    const reader = await trader({ USD: "100" }, ["read"]);
    await expectProblem(
      await send(reader, "POST", "/orders", limit("r", symbol, "buy", "1.00", "1")),
      403,
      "missing_scope",
    );
    await expectProblem(await send(reader, "DELETE", "/orders"), 403, "missing_scope");
    await expectProblem(await send(reader, "POST", "/orders/cancel-after", { timeout_ms: 0 }), 403, "missing_scope");
    expect(await listAll(reader)).toEqual([]);
    const writer = await trader({ USD: "100" }, ["trade"]);
    await expectProblem(await send(writer, "GET", "/orders"), 403, "missing_scope");
    await expectProblem(await send(writer, "GET", "/fills"), 403, "missing_scope");
    await place(writer, limit("w", symbol, "buy", "1.00", "1"));
    const anonymous = await api("/orders", { headers: { "cf-connecting-ip": freshIp() } });
    await expectProblem(anonymous, 401, "unauthorized");
  });
});

describe("bad input", () => {
  it("is a 4xx problem with a stable code and changes nothing", async () => {
    const { symbol } = await instrument();
    const t = await trader({ USD: "100" });
    const good = limit("good", symbol, "buy", "10.00", "1");
    const cases: [unknown, number, string, string?][] = [
      [{ ...good, size: 1 }, 400, "invalid_request"],
      [{ ...good, price: 10 }, 400, "invalid_request"],
      [{ ...good, size: "-1" }, 400, "invalid_request"],
      [{ ...good, size: "1e3" }, 400, "invalid_request"],
      [{ ...good, size: "0" }, 400, "invalid_order", "size_below_minimum"],
      [{ ...good, size: "0.0001" }, 400, "invalid_order", "size_off_lot"],
      [{ ...good, price: "10.001" }, 400, "invalid_order", "price_off_tick"],
      [{ ...good, size: "5000" }, 400, "invalid_order", "size_above_maximum"],
      [{ ...good, instrument: "NOPE-USD" }, 404, "instrument_not_found"],
      [{ ...good, instrument: "nope" }, 400, "invalid_request"],
      [{ ...good, client_order_id: "has space" }, 400, "invalid_request"],
      [{ ...good, type: "market" }, 400, "invalid_request"],
      [{ ...good, side: "hold" }, 400, "invalid_request"],
      [{ ...good, extra: true }, 400, "invalid_request"],
      [{ ...good, time_in_force: "gtd" }, 400, "invalid_request"],
      [[good], 400, "invalid_request"],
      ["{not json", 400, "bad_request"],
    ];
    for (const [body, status, code, reason] of cases) {
      const res = await send(t, "POST", "/orders", body);
      const problem = await expectProblem(res, status, code, reason);
      expect(problem.instance).toBe("/v1/orders");
    }
    const text = await send(t, "POST", "/orders", "x", { "content-type": "text/plain" });
    await expectProblem(text, 415, "unsupported_media_type");
    expect(await listAll(t)).toEqual([]);
    expect((await balances(t)).USD).toEqual({
      asset: "USD",
      total: "100.00000000",
      hold: "0.00000000",
      available: "100.00000000",
    });
    expect((await ok<{ fills: unknown[] }>(await send(t, "GET", "/fills"))).fills).toEqual([]);
  });
});
