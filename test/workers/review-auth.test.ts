/**
 * Findings 2, 3 and 4 of the hostile review (issue 16): development credentials
 * off loopback, the revocation cache and family ownership, token lifetimes, and
 * whose word the client address is. Each test failed before its fix.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { importJWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { clearRevocationCache } from "../../shared/auth/revocation.ts";
import type { AppEnv } from "../../workers/api/env.ts";
import { rateLimit } from "../../workers/api/middleware/rate-limit/index.ts";
import { bearer, call, createAccount, expectProblem, postJson, tokenFor } from "./auth-helpers.ts";

/** wrangler.toml's top-level operator token: published, so loopback only. */
const DEV_OPERATOR = "Bearer dev-operator-token";
const INTERNET = { "cf-connecting-ip": "198.51.100.7" };
const LOOPBACK = { "cf-connecting-ip": "127.0.0.1" };

/** A fresh Ed25519 key with a development kid, as the published one has. */
async function devSigningKeys(): Promise<string> {
  const { generateKeyPair, exportJWK } = await import("jose");
  const { privateKey } = await generateKeyPair("Ed25519", { extractable: true });
  return JSON.stringify([{ ...(await exportJWK(privateKey)), kid: "dev-2026-01", alg: "EdDSA" }]);
}

/** Signs access-token claims with this run's signing key, as the gateway would (or would not). */
async function forgeAccessToken(claims: {
  sub: string;
  kid: string;
  fam: string;
  iat: number;
  exp: number;
  scope?: string;
}): Promise<string> {
  const [jwk] = JSON.parse(env.JWT_SIGNING_KEYS as string) as [Record<string, string>];
  const key = await importJWK(jwk, "EdDSA");
  const { sub, kid, fam, iat, exp, scope = "read trade" } = claims;
  return new SignJWT({ scope, kid, fam })
    .setProtectedHeader({ alg: "EdDSA", kid: jwk.kid as string, typ: "at+jwt" })
    .setIssuer("urn:platform3:edge")
    .setAudience("urn:platform3:api")
    .setSubject(sub)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(crypto.randomUUID())
    .sign(key);
}

const whoami = (token: string, headers: Record<string, string> = {}, vars = {}) =>
  call("/v1/probe/whoami", { headers: { ...bearer(token), ...headers } }, vars);

function claimsOf(token: string): { sub: string; kid: string; fam: string; iat: number; exp: number } {
  const part = token.split(".")[1] as string;
  return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
}

describe("finding 2: development credentials work from loopback only, whatever ENVIRONMENT says", () => {
  const listAccounts = (headers: Record<string, string>, vars: Record<string, string>) =>
    postJson("/v1/admin/accounts", { account_id: `op-${crypto.randomUUID().slice(0, 8)}` }, headers, vars);

  it("refuses the published operator token from an internet address, in development and in production", async () => {
    for (const ENVIRONMENT of ["development", "production"]) {
      const vars = { OPERATOR_TOKEN: "dev-operator-token", ENVIRONMENT };
      const res = await listAccounts({ authorization: DEV_OPERATOR, ...INTERNET }, vars);
      const body = await expectProblem(res, 401, "unauthorized", "development_credential");
      expect(body.detail).toMatch(/loopback/);
    }
  });

  it("accepts it from loopback, and a real operator token from anywhere", async () => {
    const dev = { OPERATOR_TOKEN: "dev-operator-token" };
    expect((await listAccounts({ authorization: DEV_OPERATOR, ...LOOPBACK }, dev)).status).toBe(201);
    expect((await listAccounts({ authorization: DEV_OPERATOR }, dev)).status).toBe(201);
    const real = { OPERATOR_TOKEN: "a-real-secret-token-0123456789" };
    const res = await listAccounts({ authorization: "Bearer a-real-secret-token-0123456789", ...INTERNET }, real);
    expect(res.status).toBe(201);
  });

  it("neither signs nor verifies with a development signing key for an internet address", async () => {
    const a = await createAccount();
    const vars = { JWT_SIGNING_KEYS: await devSigningKeys(), ENVIRONMENT: "development" };
    const body = { api_key: a.keyId, api_secret: a.secret };
    const refused = await expectProblem(
      await postJson("/v1/auth/token", body, INTERNET, vars),
      503,
      "auth_not_configured",
    );
    expect(refused.detail).toMatch(/loopback/);
    // Minted on this machine, the token still does not work from the internet.
    const local = await tokenFor(a.keyId, a.secret, LOOPBACK, vars);
    expect((await whoami(local.access_token, LOOPBACK, vars)).status).toBe(200);
    await expectProblem(await whoami(local.access_token, INTERNET, vars), 503, "auth_not_configured");
  });
});

describe("finding 3: revocation by account and family, families of the token's key, bounded lifetimes", () => {
  it("refuses a token whose family belongs to another key of the same account", async () => {
    const a = await createAccount(["read", "trade"]);
    const first = await tokenFor(a.keyId, a.secret);
    const created = await postJson("/v1/accounts/me/api-keys", { scopes: ["read"] }, bearer(first.access_token));
    expect(created.status).toBe(201);
    const other = (await created.json()) as { id: string };
    const { sub, fam } = claimsOf(first.access_token);
    const now = Math.floor(Date.now() / 1000);
    const crossed = await forgeAccessToken({ sub, kid: other.id, fam, iat: now, exp: now + 300 });
    clearRevocationCache();
    await expectProblem(await whoami(crossed), 401, "unauthorized", "token_revoked");
    // The genuine token of that family still works.
    expect((await whoami(first.access_token)).status).toBe(200);
  });

  it("does not let one account's live family vouch for another account's token", async () => {
    const a = await createAccount();
    const b = await createAccount();
    const tokenA = await tokenFor(a.keyId, a.secret);
    // A's family is now cached as live in this isolate.
    expect((await whoami(tokenA.access_token)).status).toBe(200);
    const { fam } = claimsOf(tokenA.access_token);
    const now = Math.floor(Date.now() / 1000);
    const borrowed = await forgeAccessToken({ sub: b.account, kid: b.keyId, fam, iat: now, exp: now + 300 });
    await expectProblem(await whoami(borrowed), 401, "unauthorized", "token_revoked");
  });

  it("refuses tokens issued in the future beyond the clock skew, or living longer than any token we issue", async () => {
    const a = await createAccount();
    const genuine = claimsOf((await tokenFor(a.keyId, a.secret)).access_token);
    const now = Math.floor(Date.now() / 1000);
    const ahead = await forgeAccessToken({ ...genuine, iat: now + 120, exp: now + 600 });
    await expectProblem(await whoami(ahead), 401, "unauthorized", "issued_in_future");
    const forever = await forgeAccessToken({ ...genuine, iat: now, exp: now + 30 * 86_400 });
    await expectProblem(await whoami(forever), 401, "unauthorized", "lifetime_too_long");
    // Within the skew and the maximum lifetime: accepted.
    const fine = await forgeAccessToken({ ...genuine, iat: now + 2, exp: now + 900 });
    expect((await whoami(fine)).status).toBe(200);
  });
});

describe("finding 4: a client-chosen CF-Connecting-IP decides nothing off Cloudflare", () => {
  const local = { CLIENT_IP_SOURCE: "local" };

  it("does not match an IP allowlist with a header the client chose (local)", async () => {
    const a = await createAccount(["read"], { ip_allowlist: ["203.0.113.0/24"] });
    const spoofed = { "cf-connecting-ip": "203.0.113.7" };
    const body = { api_key: a.keyId, api_secret: a.secret };
    await expectProblem(await postJson("/v1/auth/token", body, spoofed, local), 401, "unauthorized", "ip_not_allowed");
    // Behind Cloudflare's edge the same header is the edge's word.
    expect((await postJson("/v1/auth/token", body, spoofed, { CLIENT_IP_SOURCE: "cloudflare" })).status).toBe(200);
  });

  it("counts every client-chosen address in one per-IP bucket (local)", async () => {
    // 10 units a minute per IP, one per market-data request: a new header per request must not buy a new budget.
    const app = new Hono<AppEnv>();
    app.use("*", rateLimit({ limits: { ip: { limit: 10, window: "1m" } } }));
    app.get("/v1/instruments", (c) => c.json({ ok: true }));
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      const headers = { "cf-connecting-ip": `192.0.2.${i + 1}` };
      statuses.push((await app.request("/v1/instruments", { headers }, { ...env, ...local })).status);
    }
    expect(statuses).toContain(429);
  });
});
