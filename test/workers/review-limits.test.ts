/**
 * Finding 9 of the hostile review (issue #16): order-rate limits hold per account. Every
 * order command of an account, over HTTP (single, batch, amend) or the feed socket
 * (`order.*`), with any of its keys, draws from one budget kept by its Account object
 * (`account:orders`, default 200 per 10 s; a batch weighs its orders); cancels draw from
 * their own budget (`account:cancels`), so they still pass when the order budget is spent;
 * a refused command changes nothing; and an account has at most MAX_API_KEYS_PER_ACCOUNT
 * (default 20) live keys, so minting keys does not multiply its budget.
 */
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { deposit } from "./account-helpers.ts";
import { bearer, createAccount, tokenFor } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import { closeAll, FeedClient, type Reply, resultOf } from "./feed-client.ts";

afterEach(closeAll);

const BASE = "http://platform3.test/v1";
const SYMBOL = "RLA-USD";
/** The default account order budget: 200 orders per 10 s, one unit back every 50 ms. */
const BUDGET = 200;
const REFILL_MS = 10_000 / BUDGET;

beforeAll(async () => {
  await listInstrument(testInstrument(SYMBOL));
});

let ip = 0;
let seq = 0;

interface Trader {
  account: string;
  keyId: string;
  token: string;
  /** Headers of HTTP requests with this trader's token (each from its own client IP). */
  headers: () => Record<string, string>;
}

function asTrader(account: string, keyId: string, token: string): Trader {
  const address = `198.18.90.${(++ip % 250) + 1}`;
  return { account, keyId, token, headers: () => ({ ...bearer(token), "cf-connecting-ip": address }) };
}

/** A funded account with one read+trade key and its token. */
async function trader(): Promise<Trader> {
  const created = await createAccount(["read", "trade"]);
  await deposit(created.account, { USD: "1000000" });
  const { access_token } = await tokenFor(created.keyId, created.secret);
  return asTrader(created.account, created.keyId, access_token);
}

function api(who: Trader, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return exports.default.fetch(`${BASE}${path}`, {
    method,
    headers: { ...who.headers(), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Another key of `who`'s account (through the real app) and a token for it. */
async function secondKey(who: Trader): Promise<Trader> {
  const res = await api(who, "POST", "/accounts/me/api-keys", { name: "second", scopes: ["read", "trade"] });
  expect(res.status).toBe(201);
  const key = await res.json<{ id: string; secret: string }>();
  const { access_token } = await tokenFor(key.id, key.secret);
  return asTrader(who.account, key.id, access_token);
}

/** An immediate-or-cancel buy far below any seller: accepted and done at once, never resting. */
const ioc = (id = `rl-${++seq}`) => ({
  client_order_id: id,
  instrument: SYMBOL,
  side: "buy",
  type: "limit",
  price: "1.00",
  size: "0.01",
  time_in_force: "ioc",
});

/** A resting buy (for cancels and amendments). */
const resting = (id = `rl-${++seq}`) => ({ ...ioc(id), time_in_force: "gtc" });

/** Every order the account has recorded (placed or rejected), open and done. */
async function recorded(account: string): Promise<number> {
  const stub = accountStub(env.ACCOUNT, account);
  const open = await stub.listOrders(account, { status: "open", limit: 1000 });
  const done = await stub.listOrders(account, { status: "done", limit: 1000 });
  return open.items.length + done.items.length;
}

async function session(who: Trader): Promise<FeedClient> {
  const c = await FeedClient.connect();
  expect(resultOf(await c.request("auth", { token: who.token }))).toMatchObject({ account: who.account });
  return c;
}

/** Sends `n` `order.place` at once; the replies, and how long they took. */
async function burst(c: FeedClient, n: number): Promise<{ replies: Reply[]; elapsedMs: number }> {
  const started = Date.now();
  const replies = await Promise.all(Array.from({ length: n }, () => c.request("order.place", ioc(), 10_000)));
  return { replies, elapsedMs: Date.now() - started };
}

/** Single HTTP orders until the account budget refuses one: its 429 (the budget is then empty). */
async function exhaust(who: Trader): Promise<Response> {
  // Batches first (a batch weighs its 20 orders), then single orders for the last units.
  for (let i = 0; i < 15; i++) {
    const res = await api(who, "POST", "/orders/batch", { orders: Array.from({ length: 20 }, () => ioc()) });
    if (res.status === 429) break;
    expect(res.status).toBe(200);
  }
  for (let i = 0; i < 60; i++) {
    const res = await api(who, "POST", "/orders", ioc());
    if (res.status === 429) return res;
    expect(res.status).toBe(201);
  }
  throw new Error("the account order budget never refused an order");
}

const limitedCount = (replies: Reply[]) => replies.filter((r) => r.error?.code === "rate_limited").length;
const okCount = (replies: Reply[]) => replies.filter((r) => !r.error).length;

describe("finding 9: one order budget per account, across keys and protocols", () => {
  it("stops a WebSocket burst at the account budget; refusals carry retry_after_ms and change nothing", async () => {
    const t = await trader();
    const c = await session(t);
    const { replies, elapsedMs } = await burst(c, 300);
    const ok = okCount(replies);
    const limited = replies.filter((r) => r.error?.code === "rate_limited");
    // Only the budget, plus what refilled while the burst ran, got through.
    expect(ok).toBeLessThanOrEqual(BUDGET + Math.ceil(elapsedMs / REFILL_MS) + 1);
    expect(ok).toBeGreaterThanOrEqual(BUDGET - 1);
    expect(limited.length).toBe(300 - ok);
    for (const r of limited) {
      expect(r.error).toMatchObject({ code: "rate_limited", limit: "account:orders" });
      expect(r.error?.retry_after_ms).toBeGreaterThan(0);
      expect(r.error?.retry_after_ms).toBeLessThanOrEqual(10_000);
    }
    // Refused orders recorded nothing: no order, and their client order ids are unused.
    expect(await recorded(t.account)).toBe(ok);
    const refusedIndex = replies.findIndex((r) => r.error?.code === "rate_limited");
    expect(refusedIndex).toBeGreaterThanOrEqual(0);
    // The account's refusals are not socket limit violations: the socket stays open.
    expect(resultOf(await c.request("ping"))).toMatchObject({ pong: true });
    expect(c.isClosed).toBe(false);
  });

  it("HTTP batches weigh their orders, and every key and protocol of the account draws from one budget", async () => {
    const first = await trader();
    const second = await secondKey(first);
    const socket = await session(second);
    // Two keys, alternating, batches of 20: each key is far under its own 100 requests / 10 s.
    let placed = 0;
    let refused: Response | undefined;
    const started = Date.now();
    for (let i = 0; i < 20 && !refused; i++) {
      const who = i % 2 === 0 ? first : second;
      const res = await api(who, "POST", "/orders/batch", { orders: Array.from({ length: 20 }, () => ioc()) });
      if (res.status === 429) refused = res;
      else {
        expect(res.status).toBe(200);
        placed += 20;
      }
    }
    expect(refused, "the account budget refuses a batch that does not fit").toBeDefined();
    const res = refused as Response;
    const problem = await res.json<Record<string, unknown>>();
    expect(problem).toMatchObject({ code: "rate_limited", status: 429, limit: "account:orders" });
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(res.headers.get("ratelimit-limit")).toBe(String(BUDGET));
    expect(res.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(res.headers.get("ratelimit-reset"))).toBeGreaterThanOrEqual(1);
    expect(placed).toBeLessThanOrEqual(BUDGET + Math.ceil((Date.now() - started) / REFILL_MS));
    // The refused batch placed none of its orders.
    expect(await recorded(first.account)).toBe(placed);

    // Spend the last units with single orders, then the other key's socket finds the budget spent too.
    const last = await exhaust(first);
    expect(last.status).toBe(429);
    const { replies, elapsedMs } = await burst(socket, 20);
    expect(okCount(replies)).toBeLessThanOrEqual(Math.ceil(elapsedMs / REFILL_MS) + 1);
    expect(limitedCount(replies)).toBeGreaterThan(0);
  });

  it("a refused order keeps its Idempotency-Key and client order id unused, and passes once the budget refills", async () => {
    const t = await trader();
    // A unit comes back every 50 ms: on a loaded machine one may return between the budget's
    // refusal and the next order, which then passes (and uses its key). Try again, a few times.
    let refused: Response | undefined;
    let order = ioc("kept-0");
    let keyed = { "idempotency-key": "rl-key-0" };
    for (let attempt = 1; attempt <= 5 && refused?.status !== 429; attempt++) {
      await exhaust(t);
      order = ioc(`kept-${attempt}`);
      keyed = { "idempotency-key": `rl-key-${attempt}` };
      refused = await api(t, "POST", "/orders", order, keyed);
    }
    expect(refused?.status).toBe(429);
    const problem = await (refused as Response).json<{ code: string; retry_after_ms: number; retry_after: number }>();
    expect(problem.code).toBe("rate_limited");
    expect(problem.retry_after).toBeGreaterThanOrEqual(1);
    expect(problem.retry_after_ms).toBeGreaterThan(0);
    const key = keyed["idempotency-key"];
    expect((await api(t, "GET", `/requests/${key}`)).status).toBe(404);
    expect((await api(t, "GET", `/orders/client/${order.client_order_id}`)).status).toBe(404);
    await new Promise((r) => setTimeout(r, problem.retry_after_ms + 20));
    const again = await api(t, "POST", "/orders", order, keyed);
    expect(again.status).toBe(201);
    expect((await api(t, "GET", `/requests/${key}`)).status).toBe(200);
  });

  it("cancels draw from their own budget: they pass while the order budget is spent; amendments do not", async () => {
    const t = await trader();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api(t, "POST", "/orders", resting());
      expect(res.status).toBe(201);
      ids.push((await res.json<{ order: { order_id: string } }>()).order.order_id);
    }
    const c = await session(t);
    await exhaust(t);
    // Amendments draw from the order budget (a few at once: a unit comes back every 50 ms).
    const [amends, wsAmends] = await Promise.all([
      Promise.all([1, 2, 3].map(() => api(t, "PATCH", `/orders/${ids[0]}`, { size: "0.02" }))),
      Promise.all([1, 2, 3].map(() => c.request("order.amend", { order_id: ids[0], size: "0.02" }))),
    ]);
    const refusedAmend = amends.find((r) => r.status === 429) as Response;
    expect(refusedAmend).toBeDefined();
    expect(await refusedAmend.json()).toMatchObject({ code: "rate_limited", limit: "account:orders" });
    expect(wsAmends.map(errorCode)).toContain("rate_limited");
    expect((await api(t, "DELETE", `/orders/${ids[0]}`)).status).toBe(200);
    expect(resultOf(await c.request("order.cancel", { order_id: ids[1] }))).toMatchObject({
      order: { status: "cancelled" },
    });
    const all = await api(t, "DELETE", `/orders?instrument=${SYMBOL}`);
    expect(all.status).toBe(200);
    expect((await all.json<{ cancelled: unknown[] }>()).cancelled).toHaveLength(1);
    expect((await api(t, "POST", "/orders/cancel-after", { timeout_ms: 0 })).status).toBe(200);
  });
});

const errorCode = (reply: Reply) => reply.error?.code;

describe("finding 9: API keys per account are capped", () => {
  it("refuses the 21st live key with 409 api_key_limit; revoked keys do not count", async () => {
    const t = await trader();
    const create = (n: number) => api(t, "POST", "/accounts/me/api-keys", { name: `k${n}`, scopes: ["read"] });
    // The account's first key plus 19 more: 20.
    for (let n = 2; n <= 20; n++) expect((await create(n)).status).toBe(201);
    const refused = await create(21);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: "api_key_limit", limit: 20 });
    const list = await api(t, "GET", "/accounts/me/api-keys");
    const keys = (await list.json<{ api_keys: Array<{ id: string }> }>()).api_keys;
    expect(keys).toHaveLength(20);
    // Revoking one makes room for one.
    const other = keys.find((k) => k.id !== t.keyId) as { id: string };
    expect((await api(t, "DELETE", `/accounts/me/api-keys/${other.id}`)).status).toBe(204);
    expect((await create(22)).status).toBe(201);
    expect((await create(23)).status).toBe(409);
  });

  it("caps keys created through the Account object itself, concurrently", async () => {
    const t = await trader();
    const stub = accountStub(env.ACCOUNT, t.account);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => stub.createKey(t.account, { scopes: ["read"] }).then((r) => r, String)),
    );
    const created = results.filter((r) => typeof r === "object" && r !== null && "id" in r);
    expect(created).toHaveLength(19);
    expect((await stub.listKeys(t.account)).length).toBe(20);
  });
});
