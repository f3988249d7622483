/**
 * Redis at the edge with a real `redis-server` (test/global-setup-redis.ts)
 * reached by the real `@upstash/redis` client through the Upstash REST bridge:
 * the whole API (`createApp()`) runs with `UPSTASH_REDIS_REST_URL` pointing at
 * the bridge's switch. Ticker and top of book read through Redis; revoked
 * families are refused from Redis in any isolate; Idempotency-Key outcomes are
 * answered from Redis. Then Redis goes away (connections dropped, requests
 * left hanging, redis-server stopped): every use falls back to its object with
 * the same answers, health says degraded and the log says so once per window;
 * and when Redis is back, the uses return to it.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { clearRevocationCache } from "../../shared/auth/revocation.ts";
import { createApp } from "../../workers/api/app.ts";
import type { Env } from "../../workers/api/env.ts";
import { edgeCacheKey } from "../../workers/api/middleware/edge-cache/index.ts";
import {
  bboKey,
  idempotencyKey,
  type RedisHealth,
  redisCounters,
  resetRedisClients,
  resetRedisCounters,
  revokedKey,
  tickerKey,
} from "../../workers/api/redis/index.ts";
import { bearer, createAccount, expectProblem, OPERATOR, tokenFor } from "./auth-helpers.ts";
import { listInstrument, place, testInstrument } from "./book-helpers.ts";

declare module "vitest" {
  interface ProvidedContext {
    redisUrl: string;
    redisToken: string;
    redisVersion: string;
  }
}

const REDIS_URL = inject("redisUrl");
const REDIS_TOKEN = inject("redisToken");
if (!REDIS_URL) {
  console.warn(
    "SKIPPED test/workers/redis-uses.test.ts: redis-server is not installed (apt-get install -y redis-server, or set REDIS_SERVER).",
  );
}

const BASE = "http://platform3.test/v1";
const TIMEOUT_MS = 300;
const COOLOFF_MS = 1_000;
/** The Worker's environment with Redis configured (short deadline and cool-off, so the outage is quick). */
const redisEnv: Env = {
  ...env,
  UPSTASH_REDIS_REST_URL: REDIS_URL,
  UPSTASH_REDIS_REST_TOKEN: REDIS_TOKEN,
  REDIS_TIMEOUT_MS: String(TIMEOUT_MS),
  REDIS_COOLOFF_MS: String(COOLOFF_MS),
  RATE_LIMIT_REDIS_TIMEOUT_MS: String(TIMEOUT_MS),
  MARKET_DATA_CACHE_MS: "10000",
};
const app = createApp();

let ip = 0;
const freshIp = () => `198.18.7.${(++ip % 250) + 1}`;

/** One request through the API with Redis configured; background writes finish before it resolves. */
async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", freshIp());
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`${BASE}${path}`, { ...init, headers }), redisEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** The same request answered without Redis (the objects alone), for comparison. */
function plain(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("cache-control", "no-cache");
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", freshIp());
  return exports.default.fetch(`${BASE}${path}`, { ...init, headers });
}

/** A command straight to Redis through the bridge. */
async function redis(...command: (string | number)[]): Promise<unknown> {
  const res = await fetch(REDIS_URL, {
    method: "POST",
    headers: { authorization: `Bearer ${REDIS_TOKEN}` },
    body: JSON.stringify(command),
  });
  const body = await res.json<{ result?: unknown; error?: string }>();
  if (body.error) throw new Error(body.error);
  return body.result;
}

/** Flips the switch in front of the bridge (test/global-setup-redis.ts). */
async function switchTo(mode: "up" | "reset" | "hang" | "redis-down"): Promise<void> {
  const res = await fetch(`${REDIS_URL}/__switch/${mode}`, {
    method: "POST",
    headers: { authorization: `Bearer ${REDIS_TOKEN}` },
  });
  expect(await res.json()).toEqual({ mode });
}

async function health(): Promise<RedisHealth> {
  const res = await api("/health");
  expect(res.status).toBe(200);
  return (await res.json<{ redis: RedisHealth }>()).redis;
}

/** Drops this isolate's Cache API copy of a market-data URL, so the next read reaches the route (and Redis). */
async function forgetEdgeCopy(path: string): Promise<void> {
  // Served in the first region listed (FEED_REGIONS): these requests name none.
  await caches.default.delete(edgeCacheKey(`${BASE}${path}`, "enam"));
}

const SYMBOL = `RDS${Math.random().toString(36).slice(2, 6).toUpperCase()}-USD`;
const TICKER = `/instruments/${SYMBOL}/ticker`;
const L1 = (depth: number) => `/instruments/${SYMBOL}/book?level=1&depth=${depth}`;

interface Trader {
  account: string;
  headers: Record<string, string>;
  family: string;
  refresh: string;
}

async function trader(): Promise<Trader> {
  const created = await createAccount(["read", "trade"]);
  const tokens = await tokenFor(created.keyId, created.secret);
  const dep = await plain(`/admin/accounts/${created.account}/deposits`, {
    method: "POST",
    headers: { authorization: OPERATOR, "content-type": "application/json" },
    body: JSON.stringify({ asset: "USD", amount: "100000", reference: "seed-usd" }),
  });
  if (dep.status !== 201) throw new Error(`deposit: ${dep.status} ${await dep.text()}`);
  return {
    account: created.account,
    headers: bearer(tokens.access_token),
    family: decodeJwt(tokens.access_token).fam as string,
    refresh: tokens.refresh_token,
  };
}

const order = (clientId: string) => ({
  client_order_id: clientId,
  instrument: SYMBOL,
  side: "buy",
  type: "limit",
  price: "90.00",
  size: "1",
});

function warnings(spy: { mock: { calls: unknown[][] } }): Array<Record<string, unknown>> {
  return spy.mock.calls
    .map((args) => {
      try {
        return JSON.parse(String(args[0])) as Record<string, unknown>;
      } catch {
        return {};
      }
    })
    .filter((line) => line.msg === "redis unavailable, falling back");
}

describe.skipIf(!REDIS_URL)(`Redis uses at the edge (${inject("redisVersion")} through the Upstash bridge)`, () => {
  beforeAll(async () => {
    await listInstrument(testInstrument(SYMBOL));
    const res = await plain(`/admin/books/${SYMBOL}/commands`, {
      method: "POST",
      headers: { authorization: OPERATOR, "content-type": "application/json" },
      body: JSON.stringify({
        commands: [place("s1", "mm", "sell", "101.00", "2"), place("b1", "mm", "buy", "99.00", "3")],
      }),
    });
    expect(res.status).toBe(200);
    await switchTo("up");
    resetRedisClients();
    resetRedisCounters();
  });

  afterEach(async () => {
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    if (REDIS_URL) await switchTo("up");
  });

  it("health says not_configured without Redis and ok with it", async () => {
    const without = await (await plain("/health")).json<{ redis: RedisHealth }>();
    expect(without.redis).toMatchObject({ status: "not_configured", retry_at_ms: null, last_error: null });
    expect(await health()).toMatchObject({
      status: "ok",
      timeout_ms: TIMEOUT_MS,
      cooloff_ms: COOLOFF_MS,
      retry_at_ms: null,
      last_error: null,
      uses: { market_data: { failures: 0 }, revocation: { failures: 0 }, idempotency: { failures: 0 } },
    });
  });

  it("reads the ticker and top of book through Redis: the second read comes from Redis, not the book", async () => {
    const first = await api(TICKER);
    expect(first.status).toBe(200);
    const ticker = await first.json<Record<string, unknown>>();
    expect(ticker).toMatchObject({ instrument: SYMBOL, best_bid: "99.00", best_ask: "101.00" });
    const stored = JSON.parse((await redis("GET", tickerKey(SYMBOL))) as string) as { at: number; body: unknown };
    expect(stored.body).toEqual(ticker);
    const ttl = (await redis("PTTL", tickerKey(SYMBOL))) as number;
    expect(ttl).toBeGreaterThan(8_000);
    expect(ttl).toBeLessThanOrEqual(10_000);

    // The edge cache of this location forgets it; Redis still has it.
    const hits = redisCounters().market_data.hits;
    await forgetEdgeCopy(TICKER);
    expect(await (await api(TICKER)).json()).toEqual(ticker);
    expect(redisCounters().market_data.hits).toBe(hits + 1);

    // Proof it is Redis answering: a value only Redis has is served.
    await redis("SET", tickerKey(SYMBOL), JSON.stringify({ at: Date.now(), body: { ...ticker, last: "4242.42" } }));
    await forgetEdgeCopy(TICKER);
    expect(await (await api(TICKER)).json()).toMatchObject({ last: "4242.42" });
    // A value older than MARKET_DATA_CACHE_MS is not: the book answers and Redis is refreshed.
    await redis("SET", tickerKey(SYMBOL), JSON.stringify({ at: Date.now() - 60_000, body: { ...ticker, last: "1" } }));
    await forgetEdgeCopy(TICKER);
    expect(await (await api(TICKER)).json()).toMatchObject({ last: ticker.last, best_bid: "99.00" });
    expect(JSON.parse((await redis("GET", tickerKey(SYMBOL))) as string).body.last).toBe(ticker.last);
    // no-cache reads the book (skipping both caches) and refreshes Redis.
    await redis("SET", tickerKey(SYMBOL), JSON.stringify({ at: Date.now(), body: { ...ticker, last: "7" } }));
    const fresh = await api(TICKER, { headers: { "cache-control": "no-cache" } });
    expect(await fresh.json()).toMatchObject({ last: ticker.last });
    expect(JSON.parse((await redis("GET", tickerKey(SYMBOL))) as string).body.last).toBe(ticker.last);

    // Level 1: one Redis entry whatever the depth (different URLs for the Cache API).
    const bbo = await (await api(L1(5))).json<Record<string, unknown>>();
    expect(bbo).toMatchObject({
      level: 1,
      bids: [["99.00", expect.any(String)]],
      asks: [["101.00", expect.any(String)]],
    });
    expect(JSON.parse((await redis("GET", bboKey(SYMBOL))) as string).body).toEqual(bbo);
    const before = redisCounters().market_data.hits;
    expect(await (await api(L1(7))).json()).toEqual(bbo);
    expect(redisCounters().market_data.hits).toBe(before + 1);
    // Levels 2 and 3 do not go through Redis.
    await api(`/instruments/${SYMBOL}/book?level=2`);
    expect(redisCounters().market_data.hits).toBe(before + 1);
  });

  it("publishes a revoked family to Redis, and refuses its tokens from Redis in any isolate", async () => {
    const t = await trader();
    expect((await api("/accounts/me", { headers: t.headers })).status).toBe(200);
    const revoke = await api("/auth/revoke", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: t.refresh }),
    });
    expect(revoke.status).toBe(200);
    expect(await redis("GET", revokedKey(t))).toBe("1");
    const ttl = (await redis("PTTL", revokedKey(t))) as number;
    expect(ttl).toBeGreaterThan(600_000); // the access-token lifetime (600 s) plus clock skew
    expect(ttl).toBeLessThanOrEqual(660_000);

    // Another isolate (an empty revocation cache) learns it from Redis alone.
    clearRevocationCache();
    const hits = redisCounters().revocation.hits;
    await expectProblem(await api("/accounts/me", { headers: t.headers }), 401, "unauthorized", "token_revoked");
    expect(redisCounters().revocation.hits).toBe(hits + 1);

    // Redis is consulted on every request: a family it holds is refused even where the object says live.
    const live = await trader();
    expect((await api("/accounts/me", { headers: live.headers })).status).toBe(200);
    await redis("SET", revokedKey(live), "1", "PX", 5_000);
    await expectProblem(await api("/accounts/me", { headers: live.headers }), 401, "unauthorized", "token_revoked");
    await redis("DEL", revokedKey(live));
    clearRevocationCache();
    expect((await api("/accounts/me", { headers: live.headers })).status).toBe(200);

    // Revoked where Redis was not told (in the object directly): the first isolate to learn it tells Redis.
    const quiet = await trader();
    await accountStub(env.ACCOUNT, quiet.account).revokeFamily(quiet.account, quiet.family);
    clearRevocationCache();
    expect(await redis("GET", revokedKey(quiet))).toBeNull();
    await expectProblem(await api("/accounts/me", { headers: quiet.headers }), 401, "unauthorized", "token_revoked");
    expect(await redis("GET", revokedKey(quiet))).toBe("1");
  });

  it("answers GET /v1/requests/{key} from Redis after a keyed mutation, as the Account would", async () => {
    const t = await trader();
    const key = `redis-place-${Date.now().toString(36)}`;
    const placed = await api("/orders", {
      method: "POST",
      headers: { ...t.headers, "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify(order(`rc-${key}`)),
    });
    expect(placed.status).toBe(201);
    const placedBody = await placed.json();
    const stored = JSON.parse((await redis("GET", idempotencyKey(t.account, key))) as string);
    expect(stored).toMatchObject({ operation: "place", outcome: { ok: true } });
    const ttl = (await redis("PTTL", idempotencyKey(t.account, key))) as number;
    expect(ttl).toBeGreaterThan(24 * 3_600_000 - 60_000);

    const hits = redisCounters().idempotency.hits;
    const fromRedis = await api(`/requests/${key}`, { headers: t.headers });
    expect(fromRedis.status).toBe(200);
    const body = await fromRedis.json<Record<string, unknown>>();
    expect(redisCounters().idempotency.hits).toBe(hits + 1);
    const fromObject = await (await plain(`/requests/${key}`, { headers: t.headers })).json<Record<string, unknown>>();
    const { created_at: _a, created_at_ms: atRedis, ...rest } = body;
    const { created_at: _b, created_at_ms: atObject, ...restObject } = fromObject;
    expect(rest).toEqual(restObject);
    expect(rest).toMatchObject({ key, operation: "place", status: 201, response: placedBody });
    expect(Math.abs((atRedis as number) - (atObject as number))).toBeLessThan(2_000);

    // Another account never sees it (the key is per account).
    const other = await trader();
    await expectProblem(await api(`/requests/${key}`, { headers: other.headers }), 404, "request_not_found");

    // A refusal is not written by the mutation; the first lookup asks the object and writes its exact record.
    const missKey = `redis-miss-${Date.now().toString(36)}`;
    const miss = await api("/orders/client/nope", {
      method: "DELETE",
      headers: { ...t.headers, "idempotency-key": missKey },
    });
    expect(miss.status).toBe(404);
    expect(await redis("GET", idempotencyKey(t.account, missKey))).toBeNull();
    const looked = await (await api(`/requests/${missKey}`, { headers: t.headers })).json();
    expect(looked).toMatchObject({ operation: "cancel", status: 404, response: { code: "order_not_found" } });
    expect(await redis("GET", idempotencyKey(t.account, missKey))).not.toBeNull();
    const again = redisCounters().idempotency.hits;
    expect(await (await api(`/requests/${missKey}`, { headers: t.headers })).json()).toEqual(looked);
    expect(redisCounters().idempotency.hits).toBe(again + 1);
  });

  it("falls back on every use while Redis is unreachable, with the same answers, and returns when it is back", async () => {
    const t = await trader();
    const revoked = await trader();
    await api("/auth/revoke", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: revoked.refresh }),
    });
    const keyed = `redis-outage-${Date.now().toString(36)}`;
    await api("/orders", {
      method: "POST",
      headers: { ...t.headers, "content-type": "application/json", "idempotency-key": keyed },
      body: JSON.stringify(order(`ro-${keyed}`)),
    });
    const expectedTicker = await (await plain(TICKER)).json<Record<string, unknown>>();
    const expectedRequest = await (await plain(`/requests/${keyed}`, { headers: t.headers })).json();

    for (const mode of ["reset", "hang", "redis-down"] as const) {
      await new Promise((r) => setTimeout(r, COOLOFF_MS + 50)); // any earlier breaker has closed
      await switchTo(mode);
      resetRedisCounters();
      clearRevocationCache();
      const warn = vi.spyOn(console, "warn");
      const started = Date.now();

      await forgetEdgeCopy(TICKER);
      const ticker = await api(TICKER);
      expect(ticker.status).toBe(200);
      const { time: _t1, ...tickerBody } = await ticker.json<Record<string, unknown>>();
      const { time: _t2, ...expectedBody } = expectedTicker;
      expect(tickerBody).toEqual(expectedBody);
      // At most one deadline per window: later reads skip Redis at once.
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 2 + 1_000);
      await forgetEdgeCopy(TICKER);
      expect((await api(TICKER)).status).toBe(200);

      // Never accepts a revoked token: the Account object answers.
      await expectProblem(
        await api("/accounts/me", { headers: revoked.headers }),
        401,
        "unauthorized",
        "token_revoked",
      );
      expect((await api("/accounts/me", { headers: t.headers })).status).toBe(200);
      expect(await (await api(`/requests/${keyed}`, { headers: t.headers })).json()).toEqual(expectedRequest);
      const placed = await api("/orders", {
        method: "POST",
        headers: { ...t.headers, "content-type": "application/json", "idempotency-key": `${keyed}-${mode}` },
        body: JSON.stringify(order(`ro-${keyed}-${mode}`)),
      });
      expect(placed.status).toBe(201);

      const h = await health();
      expect(h.status).toBe("degraded");
      expect(h.retry_at_ms).toBeGreaterThan(Date.now());
      expect(h.last_error).toEqual(expect.any(String));
      const counters = redisCounters();
      expect(counters.market_data).toMatchObject({ failures: 1, fallbacks: 2, skipped: 1, hits: 0 });
      expect(counters.revocation.fallbacks).toBeGreaterThanOrEqual(2);
      expect(counters.revocation.hits).toBe(0);
      expect(counters.idempotency).toMatchObject({ fallbacks: 1, hits: 0 });
      expect(counters.idempotency.skipped).toBeGreaterThanOrEqual(2); // the lookup, and the skipped write
      expect(h.uses).toEqual(counters);

      // One warning per use per window, naming the use.
      const lines = warnings(warn);
      expect(lines.map((l) => l.use).sort()).toEqual(["idempotency", "market_data", "revocation"]);
      expect(lines.find((l) => l.use === "market_data")).toMatchObject({ level: "warn", reason: "failed" });

      // Back: after the cool-off, the next command reaches Redis again.
      await switchTo("up");
      await new Promise((r) => setTimeout(r, COOLOFF_MS + 50));
      const info = vi.spyOn(console, "log");
      await forgetEdgeCopy(TICKER);
      expect((await api(TICKER)).status).toBe(200);
      expect(redisCounters().market_data.successes).toBeGreaterThanOrEqual(1);
      expect(info.mock.calls.some((args) => String(args[0]).includes('"redis available again"'))).toBe(true);
      expect((await health()).status).toBe("ok");
      expect(JSON.parse((await redis("GET", tickerKey(SYMBOL))) as string).body.instrument).toBe(SYMBOL);
      vi.restoreAllMocks();
    }
  }, 60_000);
});
