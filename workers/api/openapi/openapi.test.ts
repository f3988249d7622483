import { env, exports } from "cloudflare:workers";
import { z } from "@hono/zod-openapi";
import { describe, expect, it, vi } from "vitest";
import { bearer, createAccount, tokenFor } from "../../../test/workers/auth-helpers.ts";
import { createApp } from "../app.ts";
import { declaredScope } from "../routing.ts";
import { defineRoute } from "./define.ts";
import { contractDocument } from "./document.ts";
import { json } from "./schemas.ts";

const BASE = "http://platform3.test";

describe("GET /v1/openapi.json", () => {
  it("serves the document of the route contracts, for this origin and release", async () => {
    const res = await exports.default.fetch(`${BASE}/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const served = await res.json<ReturnType<typeof contractDocument>>();
    // The Node test validates contractDocument(); this ties it to what the Worker serves.
    expect(served).toEqual(
      contractDocument({
        version: env.API_VERSION,
        environment: env.ENVIRONMENT,
        serverUrl: BASE,
        oidcIssuer: env.OIDC_ISSUER,
      }),
    );
    expect(served.servers).toEqual([{ url: BASE, description: "development" }]);
  });
});

describe("GET /docs", () => {
  it("renders the reference from the document, under a CSP that admits only its nonce-tagged scripts", async () => {
    const res = await exports.default.fetch(`${BASE}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("/v1/openapi.json");
    const csp = res.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([0-9a-f]+)'/.exec(csp)?.[1];
    expect(nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(html).toContain(`nonce="${nonce}"`);
    expect(csp).toContain("frame-ancestors 'none'");
  });
});

describe("declared routes", () => {
  const probe = defineRoute({
    method: "post",
    path: "/v1/probe/{id}",
    operationId: "probe",
    scope: "trade",
    routeClass: "order_entry",
    request: { params: z.object({ id: z.string() }) },
    responses: {
      200: json(z.object({ route: z.unknown(), scope: z.string().nullable() }), "What the route declared."),
    },
  });

  it("adds security, x-scope and x-route-class to the operation", () => {
    expect(probe).toMatchObject({ "x-scope": "trade", "x-route-class": "order_entry" });
    expect(probe.security).toHaveLength(3);
    expect(probe.security[0]).toEqual({ bearer: ["trade"] });
  });

  it("are readable from any middleware as c.get('route') and declaredScope(c)", async () => {
    const app = createApp();
    const seen: unknown[] = [];
    // Registered after every router: runs only for the probe, like auth would for every route.
    app.use("/v1/probe/*", async (c, next) => {
      seen.push(declaredScope(c));
      await next();
    });
    app.openapi(probe, (c) => c.json({ route: { ...c.get("route") }, scope: declaredScope(c) ?? null }, 200));
    // The app enforces the declared scope: without credentials the probe is a 401 and never runs.
    const anonymous = await app.request("/v1/probe/42", { method: "POST" }, env);
    expect(anonymous.status).toBe(401);
    expect(seen).toEqual([]);
    const { keyId, secret } = await createAccount(["trade"]);
    const { access_token } = await tokenFor(keyId, secret);
    const res = await app.request("/v1/probe/42", { method: "POST", headers: bearer(access_token) }, env);
    expect(await res.json()).toEqual({
      route: {
        method: "POST",
        path: "/v1/probe/{id}",
        operationId: "probe",
        scope: "trade",
        routeClass: "order_entry",
        query: [],
        body: false,
      },
      scope: "trade",
    });
    expect(seen).toEqual(["trade"]);
  });

  it("makes public routes scope-free, and names their template in logs", async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(line));
    const app = createApp();
    await app.request("/v1/instruments/BTC-USD", { headers: { "cache-control": "no-cache" } }, env);
    log.mockRestore();
    expect(JSON.parse(lines.at(-1) ?? "{}")).toMatchObject({ route: "/v1/instruments/{symbol}", status: 200 });
    const publicRoute = { path: "/v1/instruments/{symbol}/book", scope: "public" };
    expect(declaredScope({ get: () => publicRoute } as never)).toBeUndefined();
    expect(declaredScope({ get: () => undefined } as never)).toBeUndefined();
  });

  it("refuses to build a route without an operationId", () => {
    expect(() =>
      defineRoute({
        method: "get",
        path: "/x",
        scope: "public",
        routeClass: "system",
        responses: { 200: { description: "x" } },
      }),
    ).toThrow(/operationId/);
  });
});
