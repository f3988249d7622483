/**
 * The real `@upstash/redis` client and the real `@upstash/ratelimit` against a
 * real `redis-server`, through the Upstash REST bridge (scripts/). Each run
 * starts its own redis-server on a free loopback port and stops it at the end.
 */
import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { findRedisServer, type RedisServer, startRedisServer } from "../../scripts/redis-server.ts";
import { type Bridge, startBridge } from "../../scripts/upstash-redis-bridge.ts";
import {
  type Breaker,
  type LimitRule,
  memoryBackend,
  withFallback,
} from "../../workers/api/middleware/rate-limit/backend.ts";
import { redisClientConfig, upstashBackend } from "../../workers/api/middleware/rate-limit/upstash.ts";

const TOKEN = "test-bridge-token";
const redisBin = findRedisServer();
if (!redisBin && process.env.CI) {
  throw new Error(
    "redis-server is required in CI for test/node/upstash-ratelimit.test.ts: apt-get install -y redis-server (or set REDIS_SERVER).",
  );
}
if (!redisBin) {
  console.warn(
    "SKIPPED test/node/upstash-ratelimit.test.ts: redis-server is not installed (apt-get install -y redis-server, or set REDIS_SERVER).",
  );
}

let server: RedisServer;
let bridge: Bridge;

function client(options: { token?: string; responseEncoding?: false } = {}): Redis {
  return new Redis({
    ...redisClientConfig(bridge.url, options.token ?? TOKEN, 2000),
    enableAutoPipelining: false,
    ...(options.responseEncoding === false ? { responseEncoding: false } : {}),
  });
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${bridge.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    body: JSON.stringify(body),
  });
}

/** Waits until `window` ms windows have at least `margin` ms left, so fixed-window counts are exact. */
async function alignToWindow(windowMs: number, margin: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < margin) await new Promise((r) => setTimeout(r, left + 20));
}

const rule = (over: Partial<LimitRule>): LimitRule => ({
  subject: `ip:198.51.100.${Math.floor(Math.random() * 250)}-${Math.random().toString(36).slice(2)}`,
  name: "ip:all",
  limit: 10,
  windowMs: 60_000,
  cost: 1,
  ...over,
});

describe.skipIf(!redisBin)("Upstash REST bridge + @upstash/redis + @upstash/ratelimit (real redis-server)", () => {
  beforeAll(async () => {
    server = await startRedisServer();
    bridge = await startBridge({ redisPort: server.port, token: TOKEN });
  }, 20_000);

  afterAll(async () => {
    await bridge?.close();
    await server?.stop();
  });

  describe("the bridge", () => {
    it("rejects a missing or wrong bearer token with 401", async () => {
      const none = await fetch(`${bridge.url}/`, { method: "POST", body: '["PING"]' });
      expect(none.status).toBe(401);
      expect(await none.json()).toEqual({ error: expect.stringMatching(/Unauthorized/) });
      const wrong = await post("/", ["PING"], { authorization: "Bearer nope" });
      expect(wrong.status).toBe(401);
      await expect(client({ token: "nope" }).get("x")).rejects.toThrow(/Unauthorized/);
    });

    it("answers {result} and {error} like Upstash, base64 when asked", async () => {
      expect(await (await post("/", ["SET", "b64", "héllo 👋"])).json()).toEqual({ result: "OK" });
      const plain = await post("/", ["GET", "b64"]);
      expect(await plain.json()).toEqual({ result: "héllo 👋" });
      const encoded = await post("/", ["GET", "b64"], { "upstash-encoding": "base64" });
      expect(await encoded.json()).toEqual({ result: Buffer.from("héllo 👋").toString("base64") });
      const ping = await post("/", ["PING"], { "upstash-encoding": "base64" });
      expect(await ping.json()).toEqual({ result: Buffer.from("PONG").toString("base64") });
      const err = await post("/", ["INCR", "b64"]);
      expect(err.status).toBe(400);
      expect(await err.json()).toEqual({ error: "ERR value is not an integer or out of range" });
      const refused = await post("/", ["SELECT", "1"]);
      expect(await refused.json()).toEqual({ error: "ERR Command is not allowed: SELECT" });
    });

    it("answers when redis-server is gone with 503 {error}", async () => {
      const other = await startBridge({ redisPort: 1, token: TOKEN });
      try {
        const res = await fetch(`${other.url}/`, {
          method: "POST",
          headers: { authorization: `Bearer ${TOKEN}` },
          body: '["PING"]',
        });
        expect(res.status).toBe(503);
        expect(await res.json()).toEqual({ error: expect.stringMatching(/^redis unavailable/) });
      } finally {
        await other.close();
      }
    });
  });

  describe("@upstash/redis through the bridge", () => {
    it("round-trips strings, unicode, numbers, JSON and hashes (base64 by default)", async () => {
      const redis = client();
      expect(await redis.set("greeting", "héllo wörld 👋 ✓")).toBe("OK");
      expect(await redis.get("greeting")).toBe("héllo wörld 👋 ✓");
      await redis.set("order", { id: "o1", price: "65000.00", size: 2 });
      expect(await redis.get("order")).toEqual({ id: "o1", price: "65000.00", size: 2 });
      expect(await redis.incrby("counter", 5)).toBe(5);
      expect(await redis.get("counter")).toBe(5);
      await redis.hset("h", { a: "1", b: "ß" });
      expect(await redis.hgetall("h")).toEqual({ a: 1, b: "ß" });
      expect(await redis.get("missing")).toBeNull();
      expect(await redis.mget("greeting", "missing")).toEqual(["héllo wörld 👋 ✓", null]);
      expect(await redis.ping()).toBe("PONG");
      // And without base64, as a client configured with responseEncoding: false asks.
      expect(await client({ responseEncoding: false }).get("greeting")).toBe("héllo wörld 👋 ✓");
    });

    it("runs pipelines over /pipeline, keeping per-command errors", async () => {
      const redis = client();
      const before = bridge.stats["/pipeline"] ?? 0;
      const results = await redis.pipeline().set("p", 1).incr("p").get("p").lrange("none", 0, -1).exec();
      expect(results).toEqual(["OK", 2, 2, []]);
      await expect(redis.pipeline().set("p2", "x").incr("p2").exec()).rejects.toThrow(
        /Command 2 \[ incr \] failed: ERR value is not an integer/,
      );
      const kept = await redis.pipeline().set("p3", "x").incr("p3").exec({ keepErrors: true });
      expect(kept[0]).toEqual({ result: "OK", error: undefined });
      expect(kept[1]?.error).toMatch(/not an integer/);
      expect(bridge.stats["/pipeline"]).toBe(before + 3);
    });

    it("runs transactions over /multi-exec", async () => {
      const redis = client();
      const before = bridge.stats["/multi-exec"] ?? 0;
      expect(await redis.multi().set("tx", 10).incrby("tx", 5).get("tx").exec()).toEqual(["OK", 15, 15]);
      // A command Redis refuses while queueing aborts the whole transaction.
      const aborted = await post("/multi-exec", [["SET", "tx", "99"], ["INCR"]]);
      expect(aborted.status).toBe(400);
      expect(await aborted.json()).toEqual({ error: expect.stringMatching(/^EXECABORT/) });
      expect(await redis.get("tx")).toBe(15);
      expect(bridge.stats["/multi-exec"]).toBe(before + 2);
    });

    it("runs EVAL and EVALSHA of scripts with Upstash-only shebang flags", async () => {
      const redis = client();
      const script = `#!lua flags=allow-key-locking\nreturn {redis.call("INCRBY", KEYS[1], ARGV[1]), "ok"}`;
      const sha = createHash("sha1").update(script).digest("hex");
      await expect(redis.evalsha(sha, ["lua"], [2])).rejects.toThrow(/NOSCRIPT/);
      expect(await redis.eval(script, ["lua"], [2])).toEqual([2, "ok"]);
      expect(await redis.evalsha(sha, ["lua"], [3])).toEqual([5, "ok"]);
      expect(await redis.scriptLoad(script)).toBe(sha);
      expect(await redis.scriptExists(sha)).toEqual([1]);
    });
  });

  describe("@upstash/ratelimit through the bridge", () => {
    it("fixed window: exact count, then reset at the window's end", async () => {
      const redis = client();
      const limiter = new Ratelimit({ redis, limiter: Ratelimit.fixedWindow(3, "2 s"), prefix: "t:fixed" });
      await alignToWindow(2000, 1000);
      const id = `fixed-${Date.now()}`;
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await limiter.limit(id));
      expect(results.map((r) => [r.success, r.remaining])).toEqual([
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
      ]);
      const reset = results[3]?.reset as number;
      expect(reset % 2000).toBe(0);
      expect(reset).toBeGreaterThan(Date.now());
      await new Promise((r) => setTimeout(r, reset - Date.now() + 20));
      expect(await limiter.limit(id)).toMatchObject({ success: true, remaining: 2 });
    });

    it("sliding window and token bucket: exact counts and weighted rates", async () => {
      const redis = client();
      const sliding = new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(5, "60 s"), prefix: "t:sliding" });
      await alignToWindow(60_000, 5000);
      const id = `sliding-${Date.now()}`;
      const outcomes = [];
      for (let i = 0; i < 6; i++) outcomes.push((await sliding.limit(id)).success);
      expect(outcomes).toEqual([true, true, true, true, true, false]);

      const bucket = new Ratelimit({
        redis,
        limiter: Ratelimit.tokenBucket(1, "6000 ms", 10),
        prefix: "t:bucket",
        ephemeralCache: false,
      });
      const b = `bucket-${Date.now()}`;
      expect(await bucket.limit(b, { rate: 4 })).toMatchObject({ success: true, remaining: 6 });
      expect(await bucket.limit(b, { rate: 4 })).toMatchObject({ success: true, remaining: 2 });
      expect(await bucket.limit(b, { rate: 4 })).toMatchObject({ success: false });
      expect(await bucket.limit(b, { rate: 2 })).toMatchObject({ success: true, remaining: 0 });
    });
  });

  describe("the rate-limit backend", () => {
    it("counts exactly, weighs, reports reset and Retry-After, in one /pipeline per check", async () => {
      const redis = new Redis(redisClientConfig(bridge.url, TOKEN, 2000));
      const backend = upstashBackend(redis);
      const ip = rule({ limit: 10, windowMs: 60_000, cost: 3 });
      const auth = rule({ subject: ip.subject, name: "ip:auth", limit: 2, windowMs: 60_000, cost: 1 });
      const before = { pipeline: bridge.stats["/pipeline"] ?? 0, single: bridge.stats["/"] ?? 0 };

      const first = await backend.check([ip, auth]);
      expect(first.backend).toBe("upstash");
      expect(first.outcomes.map((o) => [o.name, o.allowed, o.remaining])).toEqual([
        ["ip:all", true, 7],
        ["ip:auth", true, 1],
      ]);
      // Full again after 3 units × 6 s and 1 unit × 30 s (to within the test's own latency).
      expect(first.outcomes[0]?.resetMs).toBeGreaterThan(17_000);
      expect(first.outcomes[0]?.resetMs).toBeLessThanOrEqual(18_000);
      expect(first.outcomes[1]?.resetMs).toBeGreaterThan(29_000);
      expect(first.outcomes[1]?.resetMs).toBeLessThanOrEqual(30_000);
      // The first check loaded the scripts (EVALSHA → NOSCRIPT → EVAL); the second is one round trip.
      const pipelinesAfterFirst = bridge.stats["/pipeline"] ?? 0;
      const second = await backend.check([ip, auth]);
      expect(second.outcomes.map((o) => [o.allowed, o.remaining])).toEqual([
        [true, 4],
        [true, 0],
      ]);
      expect((bridge.stats["/pipeline"] ?? 0) - pipelinesAfterFirst).toBe(1);
      expect(pipelinesAfterFirst).toBeGreaterThan(before.pipeline);
      expect(bridge.stats["/"] ?? 0).toBe(before.single);

      const third = await backend.check([auth]);
      expect(third.outcomes[0]).toMatchObject({ name: "ip:auth", allowed: false, remaining: 0 });
      expect(third.outcomes[0]?.retryAfterMs).toBeGreaterThan(28_000);
      expect(third.outcomes[0]?.retryAfterMs).toBeLessThanOrEqual(30_000);

      expect((await backend.check([ip])).outcomes[0]).toMatchObject({ allowed: true, remaining: 1 });
      const refused = (await backend.check([ip])).outcomes[0];
      expect(refused).toMatchObject({ allowed: false, remaining: 0 });
      // Empty-bucket bound: next unit (≤ 6 s) plus two more units of 6 s.
      expect(refused?.retryAfterMs).toBeGreaterThan(12_000);
      expect(refused?.retryAfterMs).toBeLessThanOrEqual(18_000);
    });

    it("falls back to another limiter when redis-server stops, without throwing, and returns when it is back", async () => {
      const warn = vi.fn();
      let now = Date.now();
      const breaker: Breaker = { openUntil: 0 };
      const redis = new Redis(redisClientConfig(bridge.url, TOKEN, 1000));
      const limiter = withFallback(upstashBackend(redis, { timeoutMs: 1500 }), memoryBackend(), breaker, {
        coolOffMs: 5000,
        clock: () => now,
        warn,
      });
      const r = rule({ limit: 5 });

      expect((await limiter.check([r])).backend).toBe("upstash");

      await server.stop();
      const down = await limiter.check([r]);
      expect(down.backend).toBe("memory");
      expect(down.outcomes[0]).toMatchObject({ name: "ip:all", allowed: true, remaining: 4 });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]?.[0]).toMatchObject({
        level: "warn",
        msg: "redis unavailable",
        backend: "upstash",
        fallback: "memory",
        error: expect.stringMatching(/redis unavailable/),
      });

      // During the cool-off Redis is not even tried.
      const requests = { ...bridge.stats };
      expect((await limiter.check([r])).backend).toBe("memory");
      expect(bridge.stats).toEqual(requests);
      expect(warn).toHaveBeenCalledTimes(1);

      // Redis back on the same port (empty, scripts unloaded): used again after the cool-off.
      server = await startRedisServer({ port: server.port });
      now += 5001;
      const back = await limiter.check([r]);
      expect(back.backend).toBe("upstash");
      // The new server is empty: its bucket starts full (one unit taken by this check).
      expect(back.outcomes[0]).toMatchObject({ allowed: true, remaining: 4 });
    }, 20_000);

    it("falls back when the REST endpoint itself is unreachable or hangs", async () => {
      const warn = vi.fn();
      const sockets: Socket[] = [];
      const hanging: Server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", () => resolve()));
      const address = hanging.address();
      const hangingUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
      try {
        const refused = withFallback(
          upstashBackend(new Redis(redisClientConfig("http://127.0.0.1:1", TOKEN, 500))),
          memoryBackend(),
          { openUntil: 0 },
          { warn },
        );
        expect((await refused.check([rule({})])).backend).toBe("memory");

        const started = Date.now();
        const slow = withFallback(
          upstashBackend(new Redis(redisClientConfig(hangingUrl, TOKEN, 300)), { timeoutMs: 600 }),
          memoryBackend(),
          { openUntil: 0 },
          { warn },
        );
        expect((await slow.check([rule({})])).backend).toBe("memory");
        expect(Date.now() - started).toBeLessThan(1500);
        expect(warn).toHaveBeenCalledTimes(2);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => hanging.close(resolve));
      }
    });
  });
});
