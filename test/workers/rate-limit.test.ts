/** The RateLimiter Durable Object and the backend over it, in workerd. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { LimitRule } from "../../durable-objects/rate-limiter/index.ts";
import { durableObjectBackend } from "../../workers/api/middleware/rate-limit/durable-object.ts";

let n = 0;
function subject(kind: "ip" | "key"): string {
  n += 1;
  return kind === "ip" ? `ip:203.0.113.${n}` : `key:k_do_${n}_${Math.random().toString(36).slice(2)}`;
}

const rule = (over: Partial<LimitRule> & { subject: string }): LimitRule => ({
  name: "ip:all",
  limit: 10,
  windowMs: 60_000,
  cost: 1,
  ...over,
});

describe("RateLimiter object", () => {
  it("counts exactly: limit units at once, then refuses with the wait for one unit", async () => {
    const s = subject("ip");
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(s));
    const remaining: number[] = [];
    for (let i = 0; i < 10; i++) {
      const [o] = await stub.check([rule({ subject: s })]);
      expect(o?.allowed).toBe(true);
      remaining.push(o?.remaining ?? -1);
    }
    expect(remaining).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const [refused] = await stub.check([rule({ subject: s })]);
    expect(refused).toMatchObject({ name: "ip:all", allowed: false, remaining: 0 });
    expect(refused?.retryAfterMs).toBeGreaterThan(5_000);
    expect(refused?.retryAfterMs).toBeLessThanOrEqual(6_000);
  });

  it("serializes concurrent checks: exactly `limit` of a burst get through", async () => {
    const s = subject("key");
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(s));
    const burst = await Promise.all(
      Array.from({ length: 25 }, () => stub.check([rule({ subject: s, name: "key:all", limit: 10 })])),
    );
    expect(burst.filter(([o]) => o?.allowed).length).toBe(10);
  });
});

describe("durableObjectBackend", () => {
  it("checks each subject in its own object, in parallel, and keeps the rules' order", async () => {
    const backend = durableObjectBackend(env.RATE_LIMITER);
    const ip = subject("ip");
    const key = subject("key");
    const rules = [
      rule({ subject: ip, name: "ip:all", limit: 100, cost: 5 }),
      rule({ subject: key, name: "key:all", limit: 50, cost: 5 }),
      rule({ subject: ip, name: "ip:auth", limit: 3 }),
      rule({ subject: key, name: "key:order_entry", limit: 2 }),
    ];
    const first = await backend.check(rules);
    expect(first.backend).toBe("durable_object");
    expect(first.outcomes.map((o) => [o.name, o.remaining])).toEqual([
      ["ip:all", 95],
      ["key:all", 45],
      ["ip:auth", 2],
      ["key:order_entry", 1],
    ]);
    await backend.check(rules);
    const third = await backend.check(rules);
    expect(third.outcomes.map((o) => [o.name, o.allowed])).toEqual([
      ["ip:all", true],
      ["key:all", true],
      ["ip:auth", true],
      ["key:order_entry", false],
    ]);
    // The IP's object knows nothing of the key's rules, and the other way round.
    const [ipOnly] = await env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(ip)).check([
      rule({ subject: ip, name: "key:order_entry", limit: 2 }),
    ]);
    expect(ipOnly).toMatchObject({ allowed: true, remaining: 1 });
  });
});
