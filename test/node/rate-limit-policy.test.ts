import { describe, expect, it } from "vitest";
import { GcraTable, type LimitRule } from "../../shared/rate-limit/gcra.ts";
import {
  DEFAULT_LIMITS,
  ipRules,
  ipSubject,
  keyRules,
  limitsFromJson,
  mostRestrictive,
  parseWindow,
  resolvePolicy,
} from "../../workers/api/middleware/rate-limit/policy.ts";

const rule = (over: Partial<LimitRule> = {}): LimitRule => ({
  subject: "ip:192.0.2.1",
  name: "ip:all",
  limit: 10,
  windowMs: 60_000,
  cost: 1,
  ...over,
});

describe("GCRA", () => {
  it("lets exactly `limit` units through at once, then refills one unit per window / limit", () => {
    const table = new GcraTable();
    const t0 = 1_000_000;
    for (let i = 1; i <= 10; i++) {
      const [o] = table.check([rule()], t0);
      expect(o).toMatchObject({ allowed: true, remaining: 10 - i, resetMs: i * 6000 });
    }
    const [denied] = table.check([rule()], t0);
    expect(denied).toMatchObject({ allowed: false, remaining: 0, resetMs: 60_000, retryAfterMs: 6000 });
    expect(table.check([rule()], t0 + 5999)[0]?.allowed).toBe(false);
    expect(table.check([rule()], t0 + 6000)[0]).toMatchObject({ allowed: true, remaining: 0 });
    // After a full window of silence the bucket is full again.
    expect(table.check([rule()], t0 + 6000 + 60_000)[0]).toMatchObject({ allowed: true, remaining: 9 });
  });

  it("weighs requests: a cost that does not fit is refused with the wait for that cost", () => {
    const table = new GcraTable();
    const t0 = 5_000;
    expect(table.check([rule({ cost: 4 })], t0)[0]).toMatchObject({ allowed: true, remaining: 6 });
    expect(table.check([rule({ cost: 4 })], t0)[0]).toMatchObject({ allowed: true, remaining: 2 });
    expect(table.check([rule({ cost: 4 })], t0)[0]).toMatchObject({
      allowed: false,
      remaining: 2,
      retryAfterMs: 12_000,
    });
    expect(table.check([rule({ cost: 2 })], t0)[0]).toMatchObject({ allowed: true, remaining: 0 });
    // Cost 0 reports without taking anything.
    expect(table.check([rule({ cost: 0 })], t0)[0]).toMatchObject({ allowed: true, remaining: 0, resetMs: 60_000 });
  });

  it("decides per rule: a refusing rule spends nothing, the others count the request", () => {
    const table = new GcraTable();
    const wide = rule({ name: "key:all", subject: "key:k1", limit: 100 });
    const narrow = rule({ name: "key:order_entry", subject: "key:k1", limit: 2 });
    table.check([wide, narrow], 0);
    table.check([wide, narrow], 0);
    const outcomes = table.check([wide, narrow], 0);
    expect(outcomes.map((o) => [o.allowed, o.remaining])).toEqual([
      [true, 97],
      [false, 0],
    ]);
    expect(table.check([narrow], 0)[0]?.retryAfterMs).toBe(30_000);
  });

  it("forgets rules whose bucket is full again", () => {
    const table = new GcraTable(2);
    table.check([rule({ subject: "ip:a" })], 0);
    table.check([rule({ subject: "ip:b" })], 0);
    expect(table.size).toBe(2);
    table.check([rule({ subject: "ip:c" })], 10_000);
    expect(table.size).toBe(1);
  });
});

describe("policy", () => {
  it("parses windows", () => {
    expect(parseWindow("10s", "w")).toBe(10_000);
    expect(parseWindow("1 m", "w")).toBe(60_000);
    expect(parseWindow("500ms", "w")).toBe(500);
    expect(parseWindow("1h", "w")).toBe(3_600_000);
    expect(parseWindow(250, "w")).toBe(250);
    expect(() => parseWindow("soon", "limits.ip")).toThrow(/limits\.ip\.window "soon"/);
  });

  it("validates eagerly, naming the field", () => {
    expect(() => resolvePolicy({ trading: 1 } as never)).toThrow(/unknown route class "trading"/);
    expect(() => resolvePolicy({ order_entry: -1 })).toThrow(/weights\.order_entry must be a non-negative integer/);
    expect(() => resolvePolicy({}, { ip: { limit: 0, window: "1m" } })).toThrow(/limits\.ip\.limit must be a positive/);
    expect(() => resolvePolicy({}, { key: { limit: 10, window: "fortnight" } })).toThrow(/limits\.key\.window/);
    expect(() => resolvePolicy({ auth: 20 }, { ip: { limit: 10, window: "1m" } })).toThrow(
      /weights\.auth \(20\) exceeds limits\.ip\.limit \(10\)/,
    );
    expect(() => resolvePolicy({}, { classes: { cancel: { limit: 5000, window: "1s" } } })).toThrow(
      /refills faster than one unit per ms/,
    );
  });

  it("merges over the defaults and turns limits off with false", () => {
    const policy = resolvePolicy({ market_data: 3 }, { key: false, classes: { cancel: false } });
    expect(policy.weights.market_data).toBe(3);
    expect(policy.weights.order_entry).toBe(2);
    expect(policy.key).toBeUndefined();
    expect(policy.classes.cancel).toBeUndefined();
    expect(policy.classes.order_entry).toEqual({ limit: DEFAULT_LIMITS.classes.order_entry.limit, windowMs: 10_000 });
    expect(policy.authAttempts).toEqual({ limit: 10, windowMs: 60_000 });
  });

  it("takes budgets from the RATE_LIMITS var, refusing malformed ones", () => {
    expect(limitsFromJson(undefined)).toEqual({});
    expect(limitsFromJson(" ")).toEqual({});
    const limits = limitsFromJson('{"ip":false,"classes":{"order_entry":{"limit":5000,"window":"10s"}}}');
    const policy = resolvePolicy({}, limits);
    expect(policy.ip).toBeUndefined();
    expect(policy.classes.order_entry).toEqual({ limit: 5000, windowMs: 10_000 });
    expect(policy.classes.cancel).toEqual({ limit: 200, windowMs: 10_000 });
    expect(() => limitsFromJson("{ip:")).toThrow(/RATE_LIMITS is not JSON/);
    expect(() => limitsFromJson("[1]")).toThrow(/must be a JSON object/);
    expect(() => resolvePolicy({}, limitsFromJson('{"classes":{"trading":{"limit":1,"window":"1s"}}}'))).toThrow(
      /unknown route class "trading"/,
    );
  });

  it("validates the account budgets at startup, though the Account objects enforce them", () => {
    expect(() => resolvePolicy({}, limitsFromJson('{"accountOrders":{"limit":5,"window":"1s"}}'))).toThrow(
      /limits.accountOrders.limit \(5\) is below 20/,
    );
    expect(() => resolvePolicy({}, { accountCancels: { limit: 100, window: "later" } })).toThrow(/accountCancels/);
    expect(() => resolvePolicy({}, { accountOrders: { limit: 300, window: "10s" } })).not.toThrow();
  });

  it("builds IP rules always and key rules when a key is known", () => {
    const policy = resolvePolicy();
    const login = { routeClass: "auth" as const, method: "POST", ip: "ip:192.0.2.9" };
    expect(ipRules(policy, login).map((r) => [r.name, r.cost])).toEqual([
      ["ip:all", 5],
      ["ip:auth", 1],
    ]);
    expect(ipRules(policy, { ...login, method: "GET" }).map((r) => r.name)).toEqual(["ip:all"]);
    expect(keyRules(policy, login)).toEqual([]);
    const order = { routeClass: "order_entry" as const, method: "POST", ip: "ip:192.0.2.9", keyId: "k1" };
    expect(keyRules(policy, order).map((r) => [r.subject, r.name, r.cost])).toEqual([
      ["key:k1", "key:all", 2],
      ["key:k1", "key:order_entry", 1],
    ]);
  });

  it("reports the most restrictive outcome", () => {
    const o = (name: string, remaining: number, resetMs: number, allowed = true, retryAfterMs?: number) => ({
      name,
      limit: 10,
      windowMs: 60_000,
      remaining,
      resetMs,
      allowed,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
    expect(mostRestrictive([o("a", 5, 1000), o("b", 3, 100), o("c", 3, 900)])?.name).toBe("c");
    expect(mostRestrictive([o("a", 0, 1000), o("b", 3, 100, false, 50), o("c", 3, 900, false, 500)])?.name).toBe("c");
    expect(mostRestrictive([])).toBeUndefined();
  });

  it("keys IPv4 by address and IPv6 by /64", () => {
    expect(ipSubject("203.0.113.7")).toBe("ip:203.0.113.7");
    expect(ipSubject("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("ip:2001:db8:1:2::/64");
    expect(ipSubject("2001:DB8:0001:0002::1")).toBe("ip:2001:db8:1:2::/64");
    expect(ipSubject("2001:db8::1")).toBe("ip:2001:db8:0:0::/64");
    expect(ipSubject("::1")).toBe("ip:0:0:0:0::/64");
    expect(ipSubject("::ffff:192.0.2.1")).toBe("ip:192.0.2.1");
    expect(ipSubject(undefined)).toBe("ip:unknown");
    expect(ipSubject("not:an:ip::x::")).toBe("ip:not:an:ip::x::");
  });
});
