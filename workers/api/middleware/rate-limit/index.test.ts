import { env } from "cloudflare:workers";
import { Hono, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AppEnv, Env } from "../../env.ts";
import { problemException } from "../../problem.ts";
import { type RateLimitOptions, rateLimit } from "./index.ts";

/** Small budgets so limits are reachable; windows long enough that nothing refills during a test. */
const LIMITS: RateLimitOptions["limits"] = {
  ip: { limit: 20, window: "1m" },
  key: { limit: 12, window: "1m" },
  classes: { order_entry: { limit: 3, window: "30s" }, cancel: { limit: 5, window: "1m" } },
  authAttempts: { limit: 3, window: "1m" },
};

let ipCounter = 0;
/** A fresh client address per test: the RateLimiter objects outlive tests. */
function freshIp(): string {
  ipCounter += 1;
  return `198.51.${Math.floor(Math.random() * 200)}.${ipCounter % 250}`;
}

/** Stands in for the auth middleware: `x-test-key` authenticates with that key; `x-test-key: bad` is refused. */
const fakeAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const keyId = c.req.header("x-test-key");
  if (keyId === "bad") throw problemException("unauthorized", "Bad credentials.");
  if (keyId) c.set("auth", { account: `acct-${keyId}`, scopes: ["read", "trade"], via: "access_token", keyId });
  await next();
};

function buildApp(options: RateLimitOptions = {}, mount: "after" | "both" = "after"): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const limiter = rateLimit({ limits: LIMITS, ...options });
  if (mount === "both") app.use("*", limiter);
  app.use("*", fakeAuth);
  app.use("*", limiter);
  app.get("/v1/instruments/:symbol/book", (c) => c.json({ symbol: c.req.param("symbol") }));
  app.post("/v1/orders", (c) => c.json({ ok: true }, 201));
  app.delete("/v1/orders/:id", (c) => c.json({ ok: true }));
  app.post("/v1/auth/token", (c) => c.json({ token: "t" }));
  app.get("/v1/auth/jwks", (c) => c.json({ keys: [] }));
  app.get("/v1/broken", () => {
    throw problemException("invalid_request", "Nope.");
  });
  app.get("/v1/redirect", () => Response.redirect("https://example.com/elsewhere", 302));
  app.notFound((c) => c.json({ code: "not_found" }, 404));
  app.onError((err) => (err instanceof HTTPException ? err.getResponse() : new Response("internal", { status: 500 })));
  return app;
}

function call(app: Hono<AppEnv>, method: string, path: string, ip: string, key?: string, e: Env = env) {
  const headers: Record<string, string> = { "cf-connecting-ip": ip };
  if (key) headers["x-test-key"] = key;
  return app.request(path, { method, headers }, e);
}

function limits(res: Response) {
  return {
    limit: res.headers.get("ratelimit-limit"),
    remaining: res.headers.get("ratelimit-remaining"),
    reset: res.headers.get("ratelimit-reset"),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("rateLimit: headers", () => {
  it("puts RateLimit-* of the most restrictive limit on every response: 2xx, 4xx, 404, redirects", async () => {
    const app = buildApp();
    const ip = freshIp();
    const ok = await call(app, "GET", "/v1/instruments/BTC-USD/book", ip);
    expect(ok.status).toBe(200);
    // ip:all, 20 per minute, market data weighs 1: one unit back every 3 s.
    expect(limits(ok)).toEqual({ limit: "20", remaining: "19", reset: "3" });

    const broken = await call(app, "GET", "/v1/broken", ip);
    expect(broken.status).toBe(400);
    expect(limits(broken)).toEqual({ limit: "20", remaining: "18", reset: "6" });

    const missing = await call(app, "GET", "/v1/nowhere", ip);
    expect(missing.status).toBe(404);
    expect(limits(missing).remaining).toBe("17");

    const redirect = await call(app, "GET", "/v1/redirect", ip);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("https://example.com/elsewhere");
    expect(limits(redirect).remaining).toBe("16");
  });

  it("weighs route classes: order entry takes 2 units of the key's budget, a cancel 1", async () => {
    const app = buildApp();
    const ip = freshIp();
    const key = `k-${ip}`;
    const order = await call(app, "POST", "/v1/orders", ip, key);
    expect(order.status).toBe(201);
    // key:all 12/min → 10 left; key:order_entry 3/30 s → 2 left: the most restrictive is the class limit.
    expect(limits(order)).toEqual({ limit: "3", remaining: "2", reset: "10" });
    const cancel = await call(app, "DELETE", "/v1/orders/o1", ip, key);
    // key:all now 12 − 2 − 1 = 9 (weights), key:cancel 4 of 5: the class limit is still tighter.
    expect(limits(cancel)).toEqual({ limit: "5", remaining: "4", reset: "12" });
    await call(app, "DELETE", "/v1/orders/o2", ip, key);
    await call(app, "DELETE", "/v1/orders/o3", ip, key);
    await call(app, "DELETE", "/v1/orders/o4", ip, key);
    const book = await call(app, "GET", "/v1/instruments/BTC-USD/book", ip, key);
    // key:all: 12 − 2 − 4 − 1 = 5 left, with no class limit on market data.
    expect(limits(book)).toEqual({ limit: "12", remaining: "5", reset: "35" });
  });
});

describe("rateLimit: 429", () => {
  it("limits authentication attempts per IP and names the limit (ip:auth)", async () => {
    // Auth requests weigh 5 by default; 1 here keeps the weighted ip:all budget out of the way.
    const app = buildApp({ weights: { auth: 1 } });
    const ip = freshIp();
    for (let i = 0; i < 3; i++) expect((await call(app, "POST", "/v1/auth/token", ip)).status).toBe(200);
    const refused = await call(app, "POST", "/v1/auth/token", ip);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    // 3 per minute: the next attempt fits in 20 s.
    expect(refused.headers.get("retry-after")).toBe("20");
    expect(limits(refused)).toEqual({ limit: "3", remaining: "0", reset: "60" });
    expect(await refused.json()).toEqual({
      type: "urn:platform3:problem:rate_limited",
      title: "Too Many Requests",
      status: 429,
      code: "rate_limited",
      detail: "Rate limit ip:auth exceeded (3 per minute); retry in 20 s.",
      instance: "/v1/auth/token",
      limit: "ip:auth",
      retry_after: 20,
    });
    // Reads under /v1/auth are not attempts; another address has its own budget.
    expect((await call(app, "GET", "/v1/auth/jwks", ip)).status).toBe(200);
    expect((await call(app, "POST", "/v1/auth/token", freshIp())).status).toBe(200);
  });

  it("limits each API key on its own, across addresses, and names the class limit", async () => {
    const app = buildApp();
    const [ipA, ipB] = [freshIp(), freshIp()];
    const key = `k-${ipA}`;
    expect((await call(app, "POST", "/v1/orders", ipA, key)).status).toBe(201);
    expect((await call(app, "POST", "/v1/orders", ipB, key)).status).toBe(201);
    expect((await call(app, "POST", "/v1/orders", ipA, key)).status).toBe(201);
    const refused = await call(app, "POST", "/v1/orders", ipB, key);
    expect(refused.status).toBe(429);
    // 3 per 30 s: one order every 10 s.
    expect(refused.headers.get("retry-after")).toBe("10");
    expect(await refused.json()).toMatchObject({ code: "rate_limited", limit: "key:order_entry" });
    // Another key from the same address is not affected; neither are the key's cancels.
    expect((await call(app, "POST", "/v1/orders", ipA, `${key}-other`)).status).toBe(201);
    expect((await call(app, "DELETE", "/v1/orders/o1", ipB, key)).status).toBe(200);
  });

  it("limits weighted requests per key (key:all) and per IP (ip:all)", async () => {
    const app = buildApp({ weights: { market_data: 4 } });
    const ip = freshIp();
    const key = `k-${ip}`;
    for (let i = 0; i < 3; i++) expect((await call(app, "GET", "/v1/instruments/X/book", ip, key)).status).toBe(200);
    const byKey = await call(app, "GET", "/v1/instruments/X/book", ip, key);
    expect(byKey.status).toBe(429);
    expect(await byKey.json()).toMatchObject({ limit: "key:all" });
    // Weight 4 of 12 per minute: 4 units take 20 s.
    expect(byKey.headers.get("retry-after")).toBe("20");

    // Anonymous requests only meet the IP budget: 20 − 16 (the key's four requests, the refused one
    // included) = 4 → one more of weight 4.
    expect((await call(app, "GET", "/v1/instruments/X/book", ip)).status).toBe(200);
    const byIp = await call(app, "GET", "/v1/instruments/X/book", ip);
    expect(byIp.status).toBe(429);
    expect(await byIp.json()).toMatchObject({ limit: "ip:all" });
    expect(byIp.headers.get("retry-after")).toBe("12");
  });

  it("counts a refused request against the limits that let it through, not the one that refused it", async () => {
    const app = buildApp();
    const ip = freshIp();
    const key = `k-${ip}`;
    for (let i = 0; i < 3; i++) await call(app, "POST", "/v1/orders", ip, key);
    expect((await call(app, "POST", "/v1/orders", ip, key)).headers.get("retry-after")).toBe("10");
    // key:order_entry spent nothing on the refusal: the wait did not grow.
    expect((await call(app, "POST", "/v1/orders", ip, key)).headers.get("retry-after")).toBe("10");
    // key:all took 2 units for each of the 5 orders, accepted or not: 12 − 10 − 1 = 1 left.
    const book = await call(app, "GET", "/v1/instruments/X/book", ip, key);
    expect(limits(book)).toEqual({ limit: "12", remaining: "1", reset: "55" });
  });
});

describe("rateLimit: mounting", () => {
  it("before and after authentication: failed credentials count per IP and get headers; each limit once", async () => {
    const app = buildApp({ limits: { ...LIMITS, ip: { limit: 6, window: "1m" } } }, "both");
    const ip = freshIp();
    const bad = await call(app, "GET", "/v1/instruments/X/book", ip, "bad");
    expect(bad.status).toBe(401);
    expect(limits(bad)).toEqual({ limit: "6", remaining: "5", reset: "10" });
    const ok = await call(app, "POST", "/v1/orders", ip, `k-${ip}`);
    expect(ok.status).toBe(201);
    // key:order_entry (3 per 30 s) is now the tightest: 2 left.
    expect(limits(ok)).toEqual({ limit: "3", remaining: "2", reset: "10" });
    // ip:all 6 − 1 − 2 − 1 = 2: checked once per request, not once per mount.
    expect(limits(await call(app, "GET", "/v1/instruments/X/book", ip, "bad"))).toEqual({
      limit: "6",
      remaining: "2",
      reset: "40",
    });
    await call(app, "GET", "/v1/instruments/X/book", ip, "bad");
    await call(app, "GET", "/v1/instruments/X/book", ip, "bad");
    const refused = await call(app, "GET", "/v1/instruments/X/book", ip, "bad");
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ limit: "ip:all" });
  });

  it("validates options eagerly", () => {
    expect(() => rateLimit({ limits: { ip: { limit: 0, window: "1m" } } })).toThrow(/limits\.ip\.limit/);
    expect(() => rateLimit({ weights: { auth: 100 }, limits: { key: { limit: 10, window: "1m" } } })).toThrow(
      /weights\.auth \(100\) exceeds limits\.key\.limit \(10\)/,
    );
    expect(() => rateLimit({ classify: "auth" as never })).toThrow(/classify must be a function/);
  });

  it("uses the given classifier", async () => {
    const app = buildApp({ classify: () => "auth" });
    const ip = freshIp();
    for (let i = 0; i < 3; i++) await call(app, "POST", "/v1/orders", ip);
    expect(await (await call(app, "POST", "/v1/orders", ip)).json()).toMatchObject({ limit: "ip:auth" });
  });
});

describe("rateLimit: backends", () => {
  /** Env with Redis configured; `fetch` stands in for the network between the Worker and Upstash. */
  function withRedis(url: string): Env {
    return {
      ...env,
      UPSTASH_REDIS_REST_URL: url,
      UPSTASH_REDIS_REST_TOKEN: "token",
      RATE_LIMIT_REDIS_TIMEOUT_MS: "300",
    } as Env;
  }

  it.each([
    ["unreachable", () => Promise.reject(new TypeError("Network connection lost."))],
    [
      "failing",
      () => Promise.resolve(Response.json({ error: "ERR max daily request limit exceeded" }, { status: 503 })),
    ],
    [
      "hanging",
      (_input: RequestInfo | URL, init?: RequestInit) =>
        new Promise<Response>((_, reject) =>
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
        ),
    ],
  ] as const)("falls back to the Durable Objects when Redis is %s, with one warning", async (kind, network) => {
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(network);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const app = buildApp();
    const ip = freshIp();
    const redisEnv = withRedis(`https://redis-${kind}.example.com`);
    for (let i = 0; i < 3; i++) {
      const res = await call(app, "POST", "/v1/auth/token", ip, undefined, redisEnv);
      expect(res.status).toBe(200);
      expect(limits(res)).toEqual({ limit: "3", remaining: String(2 - i), reset: String(20 * (i + 1)) });
    }
    expect((await call(app, "POST", "/v1/auth/token", ip, undefined, redisEnv)).status).toBe(429);
    // Redis was tried once; then skipped for the cool-off, with a single warning.
    expect(fetchSpy.mock.calls.map(([input]) => String(input))).toEqual([`https://redis-${kind}.example.com/pipeline`]);
    const warnings = warn.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(warnings).toEqual([
      expect.objectContaining({
        level: "warn",
        msg: "redis unavailable",
        backend: "upstash",
        fallback: "durable_object",
      }),
    ]);
    // The fallback counted in the same objects the Durable Object backend uses.
    expect((await call(app, "POST", "/v1/auth/token", ip)).status).toBe(429);
  });

  it("lets requests through without headers when no limiter answers", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const app = buildApp({
      backend: () => ({
        name: "durable_object",
        check: () => Promise.reject(new Error("down")),
      }),
    });
    const res = await call(app, "GET", "/v1/instruments/X/book", freshIp());
    expect(res.status).toBe(200);
    expect(res.headers.get("ratelimit-limit")).toBeNull();
    expect(JSON.parse(String(error.mock.calls[0]?.[0]))).toMatchObject({
      level: "error",
      msg: "rate limiter unavailable",
    });
  });
});
