import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../env.ts";
import { corsAllowlist, parseOrigins } from "./index.ts";

const ENV = { CORS_ORIGINS: "https://app.example.com, https://admin.example.com:8443" };

function app() {
  const a = new Hono<AppEnv>();
  a.use("*", corsAllowlist());
  a.get("/v1/time", (c) => c.json({ ok: true }));
  a.post("/v1/orders", (c) => c.json({ ok: true }, 201));
  return a;
}

describe("corsAllowlist", () => {
  it("allows listed origins and exposes the gateway's headers", async () => {
    const res = await app().request("/v1/time", { headers: { origin: "https://app.example.com" } }, ENV);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("vary")).toMatch(/origin/i);
    expect(res.headers.get("access-control-expose-headers")).toMatch(/X-Request-Id/);
    expect(res.headers.get("access-control-expose-headers")).toMatch(/RateLimit-Remaining/);
  });

  it("answers preflights from listed origins", async () => {
    const res = await app().request(
      "/v1/orders",
      {
        method: "OPTIONS",
        headers: {
          origin: "https://admin.example.com:8443",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      },
      ENV,
    );
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://admin.example.com:8443");
    expect(res.headers.get("access-control-allow-methods")).toMatch(/POST/);
    expect(res.headers.get("access-control-allow-headers")).toMatch(/^authorization, ?content-type$/);
    expect(res.headers.get("access-control-max-age")).toBe("600");
  });

  it("adds no CORS headers for other origins, or when CORS_ORIGINS is empty", async () => {
    const other = await app().request("/v1/time", { headers: { origin: "https://evil.example" } }, ENV);
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    for (const env of [{}, { CORS_ORIGINS: "" }]) {
      const res = await app().request("/v1/time", { headers: { origin: "https://app.example.com" } }, env);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
      expect(res.headers.get("access-control-expose-headers")).toBeNull();
    }
  });

  it("parses the allowlist strictly, naming a bad entry", () => {
    expect([...parseOrigins(" https://a.example , http://localhost:5173,")]).toEqual([
      "https://a.example",
      "http://localhost:5173",
    ]);
    expect(() => parseOrigins("https://a.example/")).toThrow(/"https:\/\/a.example\/" is not an origin/);
    expect(() => parseOrigins("*")).toThrow(/CORS_ORIGINS/);
    expect(() => corsAllowlist({ origins: ["app.example.com"] })).toThrow(/not an origin/);
  });
});
