import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { API_CSP, secure } from "./index.ts";

describe("secure", () => {
  it("sets security headers and a strict CSP on API responses", async () => {
    const app = new Hono();
    app.use("*", secure());
    app.get("/", (c) => c.json({ ok: true }));
    const res = await app.request("/");
    expect(res.headers.get("content-security-policy")).toBe(API_CSP);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
    expect(res.headers.get("x-powered-by")).toBeNull();
  });

  it("keeps a route's own CSP (the HTML docs)", async () => {
    const app = new Hono();
    app.use("*", secure());
    app.get("/docs", (c) => {
      c.header("content-security-policy", "default-src 'self'");
      return c.html("<p>docs</p>");
    });
    expect((await app.request("/docs")).headers.get("content-security-policy")).toBe("default-src 'self'");
  });

  it("validates its options when created", () => {
    expect(() => secure({ hsts: "forever" })).toThrow(/max-age/);
  });
});
