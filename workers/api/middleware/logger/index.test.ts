import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../env.ts";
import { type RequestLog, requestLogger } from "./index.ts";

function app(lines: string[]) {
  let t = 1000;
  const a = new Hono<AppEnv>();
  a.use("*", async (c, next) => {
    c.set("requestId", "req-00000001");
    c.set("trace", { traceId: "a".repeat(32), spanId: "b".repeat(16), flags: "01" });
    await next();
  });
  a.use("*", requestLogger({ write: (l) => lines.push(l), now: () => (t += 12.5) }));
  a.get("/instruments/:symbol", (c) => {
    c.set("route", {
      method: "GET",
      path: "/instruments/{symbol}",
      operationId: "getInstrument",
      scope: "read",
      routeClass: "market_data",
      query: [],
      body: false,
    });
    c.set("auth", { account: "acct-1", scopes: ["read"], via: "access_token" });
    return c.json({ ok: true });
  });
  a.get("/boom", () => {
    throw new Error("boom");
  });
  a.onError((_e, c) => c.text("failed", 500));
  return a;
}

describe("requestLogger", () => {
  it("writes one JSON line per request with the route template, never the raw path", async () => {
    const lines: string[] = [];
    await app(lines).request("/instruments/BTC-USD");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toEqual({
      level: "info",
      msg: "request",
      method: "GET",
      route: "/instruments/{symbol}",
      status: 200,
      duration_ms: 12.5,
      account: "acct-1",
      request_id: "req-00000001",
      trace_id: "a".repeat(32),
    } satisfies RequestLog);
  });

  it("logs 4xx as warn and 5xx as error, with a null route when nothing was declared", async () => {
    const lines: string[] = [];
    const a = app(lines);
    await a.request("/nope");
    await a.request("/boom");
    const [missing, failed] = lines.map((l) => JSON.parse(l) as RequestLog);
    expect(missing).toMatchObject({ level: "warn", status: 404, route: null, account: null });
    expect(failed).toMatchObject({ level: "error", status: 500 });
  });
});
