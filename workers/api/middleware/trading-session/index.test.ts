import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { TRADING_SESSION_HEADER, tradingSession } from "./index.ts";

function app(now: () => number) {
  const a = new Hono();
  a.use("*", tradingSession({ now }));
  a.get("/", (c) => c.text("ok"));
  return a;
}

describe("tradingSession", () => {
  it("names the FX sessions open now on every response, or none", async () => {
    let at = Date.parse("2026-03-11T12:30:00Z"); // London and New York (EDT), before Europe changes clocks
    const a = app(() => at);
    expect((await a.request("/")).headers.get(TRADING_SESSION_HEADER)).toBe("london,new_york");
    at = Date.parse("2026-03-11T17:00:00Z");
    expect((await a.request("/")).headers.get(TRADING_SESSION_HEADER)).toBe("new_york");
    at = Date.parse("2026-03-14T12:00:00Z"); // Saturday
    expect((await a.request("/nope")).headers.get(TRADING_SESSION_HEADER)).toBe("none");
  });

  it("recomputes on the minute a session opens", async () => {
    let at = Date.parse("2026-03-11T11:59:59.999Z");
    const a = app(() => at);
    expect((await a.request("/")).headers.get(TRADING_SESSION_HEADER)).toBe("london");
    at += 1;
    expect((await a.request("/")).headers.get(TRADING_SESSION_HEADER)).toBe("london,new_york");
  });
});
