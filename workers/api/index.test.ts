import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "./app.ts";
import { problemException } from "./problem.ts";
import type { HealthResponse, TimeResponse } from "./routes/system.ts";

const BASE = "http://platform3.test";

function get(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, init);
}

describe("GET /v1/time", () => {
  it("returns an RFC 3339 timestamp and epoch milliseconds that agree", async () => {
    const before = Date.now();
    const res = await get("/v1/time");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await res.json<TimeResponse>();
    expect(Object.keys(body).sort()).toEqual(["epoch_ms", "iso"]);
    expect(body.iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Number.isSafeInteger(body.epoch_ms)).toBe(true);
    expect(Date.parse(body.iso)).toBe(body.epoch_ms);
    expect(body.epoch_ms).toBeGreaterThanOrEqual(before - 1);
  });
});

describe("GET /v1/health", () => {
  it("reports status, version and environment from vars", async () => {
    const res = await get("/v1/health");
    expect(res.status).toBe(200);
    expect(await res.json<HealthResponse>()).toEqual({
      status: "ok",
      version: env.API_VERSION,
      environment: "development",
      redis: expect.objectContaining({ status: "not_configured" }),
    });
  });

  it("answers HEAD like GET without a body", async () => {
    const res = await get("/v1/health", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });
});

describe("problem+json errors", () => {
  it("404 for an unknown route", async () => {
    const res = await get("/v1/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toEqual({
      type: "urn:platform3:problem:not_found",
      title: "Not Found",
      status: 404,
      detail: "No route for GET /v1/nope.",
      code: "not_found",
      instance: "/v1/nope",
    });
  });

  it("405 with Allow for a wrong method on a known route", async () => {
    for (const path of ["/v1/time", "/v1/health"]) {
      const res = await get(path, { method: "POST", body: "{}" });
      expect(res.status).toBe(405);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.headers.get("allow")).toBe("GET, HEAD");
      const body = await res.json<{ code: string; status: number; type: string; title: string }>();
      expect(body).toMatchObject({
        code: "method_not_allowed",
        status: 405,
        title: "Method Not Allowed",
        type: "urn:platform3:problem:method_not_allowed",
      });
    }
  });

  it("500 without internals for an unexpected error", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const app = createApp();
    app.get("/v1/boom", () => {
      throw new Error("secret internal detail");
    });
    const res = await app.request("/v1/boom", {}, env);
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const text = await res.text();
    expect(text).not.toContain("secret");
    expect(JSON.parse(text)).toMatchObject({ code: "internal_error", status: 500, title: "Internal Server Error" });
    expect(logged).toHaveBeenCalledOnce();
    logged.mockRestore();
  });

  it("returns a thrown problemException unchanged", async () => {
    const app = createApp();
    app.get("/v1/bad", () => {
      throw problemException("bad_request", "qty must be a positive integer.");
    });
    const res = await app.request("/v1/bad", {}, env);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "bad_request", detail: "qty must be a positive integer." });
  });
});
