import { env } from "cloudflare:workers";
import { Hono, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import type { AuthContext, Scope } from "../../auth-context.ts";
import type { AppEnv } from "../../env.ts";
import { authenticate, authorizeRoute, requireRouteScope, requireScope } from "./index.ts";

/** An app whose routes sit behind `mw`, with a fake upstream authenticator when `preset` is given. */
function appWith(preset: AuthContext | undefined, ...mw: MiddlewareHandler<AppEnv>[]) {
  const app = new Hono<AppEnv>();
  if (preset) {
    app.use("*", async (c, next) => {
      c.set("auth", preset);
      await next();
    });
  }
  for (const m of mw) app.use("*", m);
  app.get("/x", (c) => c.json({ auth: c.get("auth") ?? null }));
  app.onError((err) => {
    if (err instanceof HTTPException) return err.getResponse();
    throw err;
  });
  return (path = "/x", headers: Record<string, string> = {}) =>
    Promise.resolve(app.request(`http://platform3.test${path}`, { headers }, env));
}

const trader: AuthContext = { account: "acct-1", scopes: ["read", "trade"], via: "access_token", keyId: "k_acct-1_x" };

describe("authenticate()", () => {
  it("answers 401 problem+json with a bare Bearer challenge when there are no credentials", async () => {
    const res = await appWith(undefined, authenticate())();
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="platform3"');
    expect(await res.json()).toMatchObject({
      code: "unauthorized",
      status: 401,
      type: "urn:platform3:problem:unauthorized",
    });
  });

  it("challenges a malformed Authorization header with error=invalid_request", async () => {
    const res = await appWith(undefined, authenticate())("/x", { authorization: "Basic dXNlcjpwYXNz" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="platform3", error="invalid_request"/);
    expect(await res.json()).toMatchObject({ reason: "malformed_authorization" });
  });

  it("optional: passes anonymous requests without auth, still refuses bad credentials", async () => {
    const call = appWith(undefined, authenticate({ optional: true }));
    expect(await (await call()).json()).toEqual({ auth: null });
    expect((await call("/x", { authorization: "Bearer not-a-jwt" })).status).toBe(401);
  });

  it("is idempotent: an already authenticated request passes through", async () => {
    const res = await appWith(trader, authenticate())();
    expect(await res.json()).toEqual({ auth: trader });
  });

  it("accepts the operator token only when asked to", async () => {
    const op = { authorization: "Bearer test-operator-token" };
    expect((await appWith(undefined, authenticate())("/x", op)).status).toBe(401);
    const res = await appWith(undefined, authenticate({ operatorToken: true }))("/x", op);
    expect(await res.json()).toEqual({ auth: { account: "operator", scopes: ["admin"], via: "operator_token" } });
  });

  it("honours methods: signatures refused when only tokens are accepted", async () => {
    const headers = {
      "x-p3-key": "k_a_000000000000000000000000",
      "x-p3-timestamp": "1",
      "x-p3-nonce": "n".repeat(16),
      "x-p3-signature": "00",
    };
    // With signatures off the X-P3 headers are ignored, so there are no credentials at all.
    const res = await appWith(undefined, authenticate({ methods: ["access_token"] }))("/x", headers);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="platform3"');
  });

  it("validates its options eagerly", () => {
    expect(() => authenticate({ methods: ["password" as "oidc"] })).toThrow(/unknown method 'password'/);
    expect(() => authenticate({ methods: [] })).toThrow(/no credential kind/);
  });
});

describe("requireScope()", () => {
  it("passes with the scope, 403 missing_scope naming it otherwise", async () => {
    expect((await appWith(trader, requireScope("trade"))()).status).toBe(200);
    expect((await appWith(trader, requireScope("read", "trade"))()).status).toBe(200);
    const res = await appWith(trader, requireScope("read", "transfer"))();
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toMatch(/error="insufficient_scope", scope="transfer"/);
    expect(await res.json()).toMatchObject({
      code: "missing_scope",
      scope: "transfer",
      detail: expect.stringMatching(/'transfer'/),
    });
  });

  it("is 401 when nothing authenticated the request", async () => {
    expect((await appWith(undefined, requireScope("read"))()).status).toBe(401);
  });

  it("scopes are independent: admin does not imply trade", async () => {
    const admin: AuthContext = { account: "op", scopes: ["admin"], via: "operator_token" };
    expect((await appWith(admin, requireScope("trade"))()).status).toBe(403);
  });

  it("validates its arguments eagerly", () => {
    expect(() => requireScope()).toThrow(/at least one scope/);
    expect(() => requireScope("root" as Scope)).toThrow(/unknown scope 'root'/);
  });
});

describe("requireRouteScope()", () => {
  it("enforces the scope a resolver reads from the matched route", async () => {
    const declared: Record<string, Scope | undefined> = { "/x": "transfer" };
    const mw = requireRouteScope((c) => declared[c.req.path]);
    const res = await appWith(trader, mw)();
    expect(await res.json()).toMatchObject({ code: "missing_scope", scope: "transfer" });
    declared["/x"] = undefined;
    expect((await appWith(undefined, mw)()).status).toBe(200);
    declared["/x"] = "trade";
    expect((await appWith(trader, mw)()).status).toBe(200);
  });
});

describe("authorizeRoute()", () => {
  const declared: Record<string, Scope | undefined> = { "/x": undefined };
  const mw = authorizeRoute({ resolve: (c) => declared[c.req.path], operatorToken: true });
  const op = { authorization: "Bearer test-operator-token" };

  it("public routes: anonymous passes, refused credentials leave the request anonymous", async () => {
    declared["/x"] = undefined;
    expect(await (await appWith(undefined, mw)()).json()).toEqual({ auth: null });
    expect(await (await appWith(undefined, mw)("/x", { authorization: "Bearer junk" })).json()).toEqual({ auth: null });
    // The operator token is no identity on public routes.
    expect(await (await appWith(undefined, mw)("/x", op)).json()).toEqual({ auth: null });
  });

  it("scoped routes: credentials required, scope checked, operator token only where admin is needed", async () => {
    declared["/x"] = "read";
    const anonymous = await appWith(undefined, mw)();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Bearer realm="platform3"');
    expect((await appWith(undefined, mw)("/x", { authorization: "Bearer junk" })).status).toBe(401);
    expect((await appWith(undefined, mw)("/x", op)).status).toBe(401);
    expect((await appWith(trader, mw)()).status).toBe(200);
    declared["/x"] = "admin";
    expect(await (await appWith(undefined, mw)("/x", op)).json()).toMatchObject({ auth: { via: "operator_token" } });
    expect(await (await appWith(trader, mw)()).json()).toMatchObject({ code: "missing_scope", scope: "admin" });
  });
});
