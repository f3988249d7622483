import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../workers/api/env.ts";
import { bearer, call, expectProblem, postJson } from "./auth-helpers.ts";

const ISSUER = "https://idp.example.test/";
const AUDIENCE = "platform3-api";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let rsa: KeyPair;
let ec: KeyPair;
let vars: Partial<Env>;

beforeAll(async () => {
  rsa = await generateKeyPair("RS256", { extractable: true });
  ec = await generateKeyPair("ES256", { extractable: true });
  // The issuer publishes both keys; only RS256 is pinned.
  const keys = [
    { ...(await exportJWK(rsa.publicKey)), kid: "idp-rsa", alg: "RS256", use: "sig" },
    { ...(await exportJWK(ec.publicKey)), kid: "idp-ec", alg: "ES256", use: "sig" },
  ];
  vars = {
    OIDC_ISSUER: ISSUER,
    OIDC_AUDIENCE: AUDIENCE,
    OIDC_ALGORITHMS: "RS256",
    OIDC_JWKS: JSON.stringify({ keys }),
  };
});

function idpToken(claims: JWTPayload, options: { key?: "rsa" | "ec"; iss?: string; aud?: string; exp?: string } = {}) {
  const useEc = options.key === "ec";
  return new SignJWT(claims)
    .setProtectedHeader({ alg: useEc ? "ES256" : "RS256", kid: useEc ? "idp-ec" : "idp-rsa" })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setSubject("oidc-alice")
    .setIssuedAt()
    .setExpirationTime(options.exp ?? "5m")
    .sign(useEc ? ec.privateKey : rsa.privateKey);
}

const whoami = (token: string, v: Partial<Env> = vars) => call("/v1/probe/whoami", { headers: bearer(token) }, v);

describe("external OIDC access tokens", () => {
  it("accepts a token of the configured issuer and maps sub and scope", async () => {
    const res = await whoami(await idpToken({ scope: "openid read trade profile" }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      account: "oidc-alice",
      scopes: ["read", "trade"],
      via: "oidc",
      expiresAt: expect.any(Number),
    });
  });

  it("reads scopes from scp (array) and honours OIDC_SCOPE_PREFIX and OIDC_ACCOUNT_CLAIM", async () => {
    const scp = await whoami(await idpToken({ scp: ["read", "transfer"] }));
    expect(await scp.json()).toMatchObject({ scopes: ["read", "transfer"] });
    const prefixed = { ...vars, OIDC_SCOPE_PREFIX: "platform3:", OIDC_ACCOUNT_CLAIM: "p3_account" };
    const res = await whoami(await idpToken({ scope: "platform3:trade trade", p3_account: "acct-42" }), prefixed);
    expect(await res.json()).toEqual({
      account: "acct-42",
      scopes: ["trade"],
      via: "oidc",
      expiresAt: expect.any(Number),
    });
    await expectProblem(
      await whoami(await idpToken({ scope: "platform3:read", p3_account: "bad_id" }), prefixed),
      401,
      "unauthorized",
      "invalid_claims",
    );
  });

  it("refuses a token of another issuer", async () => {
    const res = await whoami(await idpToken({ scope: "read" }, { iss: "https://evil.example.test/" }));
    await expectProblem(res, 401, "unauthorized", "untrusted_issuer");
    expect(res.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
  });

  it("refuses a token for another audience", async () => {
    const body = await expectProblem(
      await whoami(await idpToken({ scope: "read" }, { aud: "someone-else" })),
      401,
      "unauthorized",
      "invalid_claims",
    );
    expect(body.detail).toMatch(/aud/);
  });

  it("refuses an algorithm that is not pinned, even with a key the issuer publishes", async () => {
    await expectProblem(
      await whoami(await idpToken({ scope: "read" }, { key: "ec" })),
      401,
      "unauthorized",
      "algorithm_not_allowed",
    );
    // Pinning ES256 as well accepts it.
    const res = await whoami(await idpToken({ scope: "read" }, { key: "ec" }), {
      ...vars,
      OIDC_ALGORITHMS: "RS256, ES256",
    });
    expect(res.status).toBe(200);
  });

  it("refuses expired and forged tokens", async () => {
    await expectProblem(
      await whoami(await idpToken({ scope: "read" }, { exp: "-2m" })),
      401,
      "unauthorized",
      "token_expired",
    );
    const stranger = await generateKeyPair("RS256");
    const forged = await new SignJWT({ scope: "read admin" })
      .setProtectedHeader({ alg: "RS256", kid: "idp-rsa" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject("oidc-alice")
      .setExpirationTime("5m")
      .sign(stranger.privateKey);
    await expectProblem(await whoami(forged), 401, "unauthorized", "invalid_signature");
  });

  it("is off without OIDC_ISSUER, and a half-configured issuer is a 503 naming the missing setting", async () => {
    const token = await idpToken({ scope: "read" });
    await expectProblem(await whoami(token, {}), 401, "unauthorized", "untrusted_issuer");
    const body = await expectProblem(
      await whoami(token, { OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: AUDIENCE }),
      503,
      "auth_not_configured",
    );
    expect(body.detail).toMatch(/OIDC_JWKS_URL/);
  });

  it("lets an OIDC principal create its own API keys within its scopes", async () => {
    const token = await idpToken({ scope: "read trade" });
    const created = await postJson("/v1/accounts/me/api-keys", { scopes: ["read"] }, bearer(token), vars);
    expect(created.status).toBe(201);
    const key = await created.json<{ id: string; secret: string }>();
    expect(key.id).toMatch(/^k_oidc-alice_/);
    const beyond = await postJson("/v1/accounts/me/api-keys", { scopes: ["admin"] }, bearer(token), vars);
    expect((await expectProblem(beyond, 403, "missing_scope")).scope).toBe("admin");
  });
});
