import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import type { TokenResponse } from "../../workers/api/routes/auth.ts";
import {
  bearer,
  call,
  createAccount,
  expectProblem,
  OPERATOR,
  postJson,
  tokenFor,
  uniqueAccount,
} from "./auth-helpers.ts";

const whoami = (token: string, headers: Record<string, string> = {}, vars = {}) =>
  call("/v1/probe/whoami", { headers: { ...bearer(token), ...headers } }, vars);

/** A fresh private signing JWK with `kid`. */
async function signingJwk(kid: string, alg: "EdDSA" | "ES256" = "EdDSA") {
  const { privateKey } = await generateKeyPair(alg === "EdDSA" ? "Ed25519" : "ES256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("POST /v1/auth/token with a key and secret", () => {
  it("issues a short-lived EdDSA access token with the claims, and an opaque refresh token", async () => {
    const a = await createAccount(["read", "trade"]);
    const res = await postJson("/v1/auth/token", { api_key: a.keyId, api_secret: a.secret });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json<TokenResponse>();
    expect(body).toMatchObject({
      token_type: "Bearer",
      scope: "read trade",
      account_id: a.account,
      api_key_id: a.keyId,
    });
    expect(body.expires_in).toBeGreaterThanOrEqual(300);
    expect(body.expires_in).toBeLessThanOrEqual(900);
    expect(body.refresh_token).toMatch(new RegExp(`^r_${a.account}_[0-9a-f]{64}$`));
    const header = decodeProtectedHeader(body.access_token);
    expect(header).toMatchObject({ alg: "EdDSA", kid: "test-run", typ: "at+jwt" });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ sub: a.account, scope: "read trade", kid: a.keyId, iss: "urn:platform3:edge" });
    expect(claims.fam).toMatch(/^f_[0-9a-f]{32}$/);
    expect(typeof claims.jti).toBe("string");
    expect((claims.exp as number) - (claims.iat as number)).toBe(600);

    const me = await whoami(body.access_token);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({
      account: a.account,
      scopes: ["read", "trade"],
      via: "access_token",
      keyId: a.keyId,
      family: claims.fam,
      // The token's expiry: streams opened with it end then (operations/streams.ts).
      expiresAt: (claims.exp as number) * 1000,
    });
  });

  it("refuses a wrong secret and an unknown key alike (401, WWW-Authenticate)", async () => {
    const a = await createAccount();
    const wrong = await postJson("/v1/auth/token", { api_key: a.keyId, api_secret: `${a.secret}x` });
    await expectProblem(wrong, 401, "unauthorized", "invalid_credentials");
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Bearer realm="platform3", error="invalid_token"/);
    const unknown = await postJson("/v1/auth/token", {
      api_key: `k_${a.account}_000000000000000000000000`,
      api_secret: a.secret,
    });
    await expectProblem(unknown, 401, "unauthorized", "invalid_credentials");
    const notAKey = await postJson("/v1/auth/token", { api_key: "nope", api_secret: "x" });
    await expectProblem(notAKey, 401, "unauthorized", "invalid_credentials");
  });

  it("validates the body (400 naming the field)", async () => {
    const res = await postJson("/v1/auth/token", { api_key: "k", grant_type: "password" });
    const body = await expectProblem(res, 400, "invalid_request");
    expect(body.detail).toMatch(/grant_type|api_secret/);
  });

  it("accepts a JWT assertion signed with the key's Ed25519 private key, once per jti", async () => {
    const { publicKey, privateKey } = await generateKeyPair("Ed25519", { extractable: true });
    const a = await createAccount(["read"], { public_key: await exportJWK(publicKey) });
    const assertion = async (jti: string, aud = "http://platform3.test/v1/auth/token") =>
      new SignJWT({})
        .setProtectedHeader({ alg: "EdDSA" })
        .setIssuer(a.keyId)
        .setSubject(a.keyId)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime("2m")
        .setJti(jti)
        .sign(privateKey);
    const grant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    const first = await assertion("jti-1");
    const res = await postJson("/v1/auth/token", { grant_type: grant, assertion: first });
    expect(res.status).toBe(200);
    const body = await res.json<TokenResponse>();
    expect(body).toMatchObject({ scope: "read", api_key_id: a.keyId });
    expect((await whoami(body.access_token)).status).toBe(200);
    // The same assertion again is a replay.
    await expectProblem(
      await postJson("/v1/auth/token", { grant_type: grant, assertion: first }),
      401,
      "unauthorized",
      "replayed_nonce",
    );
    // Wrong audience, and a key that signs with the wrong private key.
    await expectProblem(
      await postJson("/v1/auth/token", { grant_type: grant, assertion: await assertion("jti-2", "https://elsewhere") }),
      401,
      "unauthorized",
      "invalid_assertion",
    );
    const other = await generateKeyPair("Ed25519");
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: "EdDSA" })
      .setIssuer(a.keyId)
      .setSubject(a.keyId)
      .setAudience("http://platform3.test/v1/auth/token")
      .setIssuedAt()
      .setExpirationTime("2m")
      .setJti("jti-3")
      .sign(other.privateKey);
    await expectProblem(
      await postJson("/v1/auth/token", { grant_type: grant, assertion: forged }),
      401,
      "unauthorized",
      "invalid_assertion",
    );
    // An Ed25519 key has no secret to present.
    await expectProblem(
      await postJson("/v1/auth/token", { api_key: a.keyId, api_secret: "s_anything" }),
      401,
      "unauthorized",
      "invalid_credentials",
    );
  });
});

describe("refresh rotation", () => {
  it("rotates the refresh token; the new pair works, in the same family", async () => {
    const a = await createAccount();
    const first = await tokenFor(a.keyId, a.secret);
    const res = await postJson("/v1/auth/refresh", { refresh_token: first.refresh_token });
    expect(res.status).toBe(200);
    const second = await res.json<TokenResponse>();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(second.access_token).fam).toBe(decodeJwt(first.access_token).fam);
    expect((await whoami(second.access_token)).status).toBe(200);
    // grant_type=refresh_token at the token endpoint does the same.
    const third = await postJson("/v1/auth/token", {
      grant_type: "refresh_token",
      refresh_token: second.refresh_token,
    });
    expect(third.status).toBe(200);
  });

  it("reuse of a rotated refresh token revokes the whole family, access tokens included", async () => {
    const a = await createAccount();
    const first = await tokenFor(a.keyId, a.secret);
    const second = await (
      await postJson("/v1/auth/refresh", { refresh_token: first.refresh_token })
    ).json<TokenResponse>();
    expect((await whoami(second.access_token)).status).toBe(200);

    // An attacker (or a confused client) presents the rotated token again.
    const reuse = await postJson("/v1/auth/refresh", { refresh_token: first.refresh_token });
    await expectProblem(reuse, 400, "invalid_grant", "refresh_token_reused");

    // The legitimate holder's newest refresh token and every access token of the family are now dead.
    await expectProblem(
      await postJson("/v1/auth/refresh", { refresh_token: second.refresh_token }),
      400,
      "invalid_grant",
      "family_revoked",
    );
    await expectProblem(await whoami(second.access_token), 401, "unauthorized", "token_revoked");
    await expectProblem(await whoami(first.access_token), 401, "unauthorized", "token_revoked");

    // Other families of the same key are untouched.
    const fresh = await tokenFor(a.keyId, a.secret);
    expect((await whoami(fresh.access_token)).status).toBe(200);
  });

  it("another isolate learns of a revocation from the Account object (cache off)", async () => {
    const a = await createAccount();
    const t = await tokenFor(a.keyId, a.secret);
    const family = decodeJwt(t.access_token).fam as string;
    const noCache = { AUTH_REVOCATION_CACHE_MS: "0" };
    expect((await whoami(t.access_token, {}, noCache)).status).toBe(200);
    // Revoked directly in the object, as another isolate would.
    await accountStub(env.ACCOUNT, a.account).revokeFamily(a.account, family);
    await expectProblem(await whoami(t.access_token, {}, noCache), 401, "unauthorized", "token_revoked");
  });

  it("refuses unknown and malformed refresh tokens", async () => {
    const a = await createAccount();
    await expectProblem(
      await postJson("/v1/auth/refresh", { refresh_token: `r_${a.account}_${"0".repeat(64)}` }),
      400,
      "invalid_grant",
      "refresh_token_unknown",
    );
    await expectProblem(
      await postJson("/v1/auth/refresh", { refresh_token: "garbage" }),
      400,
      "invalid_grant",
      "refresh_token_unknown",
    );
    await expectProblem(
      await postJson("/v1/auth/refresh", { refresh_token: `r_${uniqueAccount()}_${"0".repeat(64)}` }),
      400,
      "invalid_grant",
      "refresh_token_unknown",
    );
  });
});

describe("POST /v1/auth/revoke", () => {
  it("revokes a refresh token's family (200 either way)", async () => {
    const a = await createAccount();
    const t = await tokenFor(a.keyId, a.secret);
    const res = await postJson("/v1/auth/revoke", { token: t.refresh_token });
    expect(res.status).toBe(200);
    await expectProblem(await whoami(t.access_token), 401, "unauthorized", "token_revoked");
    await expectProblem(
      await postJson("/v1/auth/refresh", { refresh_token: t.refresh_token }),
      400,
      "invalid_grant",
      "family_revoked",
    );
    expect((await postJson("/v1/auth/revoke", { token: "not-a-token" })).status).toBe(200);
  });

  it("revokes an access token's family", async () => {
    const a = await createAccount();
    const t = await tokenFor(a.keyId, a.secret);
    expect((await postJson("/v1/auth/revoke", { token: t.access_token })).status).toBe(200);
    await expectProblem(await whoami(t.access_token), 401, "unauthorized", "token_revoked");
    await expectProblem(
      await postJson("/v1/auth/refresh", { refresh_token: t.refresh_token }),
      400,
      "invalid_grant",
      "family_revoked",
    );
  });
});

describe("key state", () => {
  it("a revoked key gets no tokens, its refresh tokens die, its access tokens are refused", async () => {
    const a = await createAccount();
    const t = await tokenFor(a.keyId, a.secret);
    const del = await call(`/v1/accounts/me/api-keys/${a.keyId}`, {
      method: "DELETE",
      headers: bearer(t.access_token),
    });
    expect(del.status).toBe(204);
    await expectProblem(
      await postJson("/v1/auth/token", { api_key: a.keyId, api_secret: a.secret }),
      401,
      "unauthorized",
      "api_key_revoked",
    );
    await expectProblem(
      await postJson("/v1/auth/refresh", { refresh_token: t.refresh_token }),
      400,
      "invalid_grant",
      "family_revoked",
    );
    // Refused at once by the isolate that revoked the key.
    await expectProblem(await whoami(t.access_token), 401, "unauthorized", "token_revoked");
  });

  it("an expired key gets no tokens and cannot refresh; access tokens never outlive the key", async () => {
    const expiresAt = Date.now() + 120_000;
    const a = await createAccount(["read"], { expires_at: new Date(expiresAt).toISOString() });
    const t = await tokenFor(a.keyId, a.secret);
    // Capped at the key's expiry (2 minutes), not the usual 10.
    expect(t.expires_in).toBeLessThanOrEqual(120);
    expect(decodeJwt(t.access_token).exp).toBeLessThanOrEqual(Math.floor(expiresAt / 1000));
    // Let the key expire.
    await runInDurableObject(accountStub(env.ACCOUNT, a.account), async (_obj, state) => {
      state.storage.sql.exec("UPDATE api_keys SET expires_at = ? WHERE key_id = ?", Date.now() - 1, a.keyId);
    });
    await expectProblem(
      await postJson("/v1/auth/token", { api_key: a.keyId, api_secret: a.secret }),
      401,
      "unauthorized",
      "api_key_expired",
    );
    await expectProblem(
      await postJson("/v1/auth/refresh", { refresh_token: t.refresh_token }),
      400,
      "invalid_grant",
      "api_key_expired",
    );
    // The refusal to refresh ended the session; the key is listed as expired.
    await expectProblem(await whoami(t.access_token), 401, "unauthorized", "token_revoked");
    const [listed] = await accountStub(env.ACCOUNT, a.account).listKeys(a.account);
    expect(listed).toMatchObject({ id: a.keyId, status: "expired" });
  });

  it("an IP allowlist is enforced at the token endpoint, on refresh and on every access-token request", async () => {
    const a = await createAccount(["read"], { ip_allowlist: ["203.0.113.0/24", "2001:db8::/32"] });
    const inside = { "cf-connecting-ip": "203.0.113.7" };
    const inside6 = { "cf-connecting-ip": "2001:db8::1" };
    const outside = { "cf-connecting-ip": "198.51.100.1" };
    await expectProblem(
      await postJson("/v1/auth/token", { api_key: a.keyId, api_secret: a.secret }, outside),
      401,
      "unauthorized",
      "ip_not_allowed",
    );
    await expectProblem(
      await postJson("/v1/auth/token", { api_key: a.keyId, api_secret: a.secret }),
      401,
      "unauthorized",
      "ip_not_allowed",
    );
    const t = await tokenFor(a.keyId, a.secret, inside);
    expect(decodeJwt(t.access_token).ipr).toEqual(["203.0.113.0/24", "2001:db8::/32"]);
    expect((await whoami(t.access_token, inside)).status).toBe(200);
    expect((await whoami(t.access_token, inside6)).status).toBe(200);
    await expectProblem(await whoami(t.access_token, outside), 401, "unauthorized", "ip_not_allowed");
    await expectProblem(
      await postJson("/v1/auth/refresh", { refresh_token: t.refresh_token }, outside),
      400,
      "invalid_grant",
      "ip_not_allowed",
    );
  });
});

describe("signing keys and JWKS", () => {
  it("publishes the public keys only", async () => {
    const res = await call("/.well-known/jwks.json");
    expect(res.status).toBe(200);
    const { keys } = await res.json<{ keys: Array<Record<string, unknown>> }>();
    expect(keys).toEqual([
      { kty: "OKP", crv: "Ed25519", x: expect.any(String), kid: "test-run", alg: "EdDSA", use: "sig" },
    ]);
  });

  it("rotation: tokens of the previous key stay valid until they expire, then not; removing the key ends them", async () => {
    const oldKey = await signingJwk("old-1");
    const newKey = await signingJwk("new-1", "ES256");
    const before = { JWT_SIGNING_KEYS: JSON.stringify([oldKey]) };
    const during = { JWT_SIGNING_KEYS: JSON.stringify([newKey, oldKey]) };
    const after = { JWT_SIGNING_KEYS: JSON.stringify([newKey]) };
    const a = await createAccount();

    const old = await tokenFor(a.keyId, a.secret, {}, before);
    expect(decodeProtectedHeader(old.access_token).kid).toBe("old-1");

    // Rotate: the new key signs, both verify.
    const jwks = await (await call("/.well-known/jwks.json", {}, during)).json<{ keys: Array<{ kid: string }> }>();
    expect(jwks.keys.map((k) => k.kid)).toEqual(["new-1", "old-1"]);
    const fresh = await tokenFor(a.keyId, a.secret, {}, during);
    expect(decodeProtectedHeader(fresh.access_token)).toMatchObject({ kid: "new-1", alg: "ES256" });
    expect((await whoami(old.access_token, {}, during)).status).toBe(200);
    expect((await whoami(fresh.access_token, {}, during)).status).toBe(200);
    // Refreshing an old-key session yields a new-key token.
    const rotated = await (
      await postJson("/v1/auth/refresh", { refresh_token: old.refresh_token }, {}, during)
    ).json<TokenResponse>();
    expect(decodeProtectedHeader(rotated.access_token).kid).toBe("new-1");

    // Past the old token's expiry it is refused, though its key is still trusted.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(((decodeJwt(old.access_token).exp as number) + 10) * 1000);
    await expectProblem(await whoami(old.access_token, {}, during), 401, "unauthorized", "token_expired");
    vi.useRealTimers();

    // Once the old key is dropped, its tokens no longer verify at all.
    await expectProblem(await whoami(old.access_token, {}, after), 401, "unauthorized", "unknown_signing_key");
    expect((await whoami(fresh.access_token, {}, after)).status).toBe(200);
  });

  it("answers 503 auth_not_configured without signing keys, and refuses development keys outside development", async () => {
    const a = await createAccount();
    await expectProblem(
      await postJson("/v1/auth/token", { api_key: a.keyId, api_secret: a.secret }, {}, { JWT_SIGNING_KEYS: "" }),
      503,
      "auth_not_configured",
    );
    await expectProblem(
      await postJson("/v1/auth/token", { api_key: a.keyId, api_secret: a.secret }, {}, { JWT_SIGNING_KEYS: "[{" }),
      503,
      "auth_not_configured",
    );
    await expectProblem(
      await postJson(
        "/v1/auth/token",
        { api_key: a.keyId, api_secret: a.secret },
        {},
        { ENVIRONMENT: "production", JWT_SIGNING_KEYS: JSON.stringify([await signingJwk("dev-2026-01")]) },
      ),
      503,
      "auth_not_configured",
    );
  });

  it("refuses tokens that are not ours: other issuer, tampered, unsigned", async () => {
    const a = await createAccount();
    const t = await tokenFor(a.keyId, a.secret);
    const [h, p, s] = t.access_token.split(".") as [string, string, string];
    const claims = JSON.parse(atob(p.replace(/-/g, "+").replace(/_/g, "/")));
    const forge = (c: unknown) => btoa(JSON.stringify(c)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    await expectProblem(
      await whoami(`${h}.${forge({ ...claims, scope: "read trade admin" })}.${s}`),
      401,
      "unauthorized",
      "invalid_signature",
    );
    await expectProblem(await whoami(`${forge({ alg: "none", typ: "at+jwt" })}.${p}.`), 401, "unauthorized");
    await expectProblem(await whoami("not.a.jwt"), 401, "unauthorized", "malformed_token");
    const stranger = await signingJwk("test-run");
    const foreign = await tokenFor(a.keyId, a.secret, {}, { JWT_SIGNING_KEYS: JSON.stringify([stranger]) });
    await expectProblem(await whoami(foreign.access_token), 401, "unauthorized", "invalid_signature");
  });

  it("the operator token is not a bearer token outside operator routes", async () => {
    const res = await call("/v1/probe/whoami", { headers: { authorization: OPERATOR } });
    await expectProblem(res, 401, "unauthorized", "malformed_token");
  });
});
