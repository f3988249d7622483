import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import {
  call,
  createAccount,
  expectProblem,
  JSON_HEADERS,
  newNonce,
  sha256Hex,
  signedHeaders,
} from "./auth-helpers.ts";

const URL_ = "/v1/probe/trade?symbol=BTC-USD&side=buy";
const BODY = JSON.stringify({ price: "65000.00", size: "0.5" });

async function signedPost(
  a: { keyId: string; secret: string },
  options: Parameters<typeof signedHeaders>[3] = {},
  url = URL_,
  body = BODY,
  vars = {},
) {
  const headers = await signedHeaders(a.keyId, a.secret, url, { method: "POST", body, ...options });
  return call(url, { method: "POST", headers: { ...JSON_HEADERS, ...headers }, body }, vars);
}

describe("signed requests (HMAC-SHA256 with SHA-256(secret))", () => {
  it("authenticates a signed request; the handler still reads the body", async () => {
    const a = await createAccount(["read", "trade"]);
    const res = await signedPost(a);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      auth: { account: a.account, scopes: ["read", "trade"], via: "signature", keyId: a.keyId },
      body: BODY,
      query: { symbol: "BTC-USD", side: "buy" },
    });
  });

  it("works on validated routes: the contract still reads the signed JSON body", async () => {
    const a = await createAccount(["read", "trade"]);
    const body = JSON.stringify({ name: "signed", scopes: ["read"] });
    const headers = await signedHeaders(a.keyId, a.secret, "/v1/accounts/me/api-keys", { method: "POST", body });
    const res = await call("/v1/accounts/me/api-keys", {
      method: "POST",
      headers: { ...JSON_HEADERS, ...headers },
      body,
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: "signed", scopes: ["read"] });
  });

  it("accepts a GET without body (hash of the empty string) and base64url signatures too", async () => {
    const a = await createAccount(["read"]);
    const headers = await signedHeaders(a.keyId, a.secret, "/v1/probe/whoami");
    expect((await call("/v1/probe/whoami", { headers })).status).toBe(200);
    expect(await sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const hex = headers["x-p3-signature"] as string;
    const bytes = new Uint8Array(hex.match(/../g)?.map((h) => Number.parseInt(h, 16)) ?? []);
    const b64 = btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    const again = await signedHeaders(a.keyId, a.secret, "/v1/probe/whoami");
    const againBytes = new Uint8Array(again["x-p3-signature"]?.match(/../g)?.map((h) => Number.parseInt(h, 16)) ?? []);
    const againB64 = btoa(String.fromCharCode(...againBytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expect(b64).toHaveLength(43);
    expect((await call("/v1/probe/whoami", { headers: { ...again, "x-p3-signature": againB64 } })).status).toBe(200);
  });

  it("refuses a stale or future timestamp (±5 s by default; SIGNATURE_WINDOW_MS widens it)", async () => {
    const a = await createAccount();
    const stale = await signedPost(a, { timestamp: Date.now() - 6_000 });
    const body = await expectProblem(stale, 401, "unauthorized", "stale_timestamp");
    expect(body.detail).toMatch(/window is ±5000 ms/);
    const challenge = stale.headers.get("www-authenticate") ?? "";
    expect(challenge).toMatch(
      /^P3-Signature realm="platform3", error="invalid_token", error_description="[^"]*window is \+\/-5000 ms/,
    );
    expect(challenge).toMatch(/, Bearer realm="platform3"$/);
    await expectProblem(await signedPost(a, { timestamp: Date.now() + 6_000 }), 401, "unauthorized", "stale_timestamp");
    const wide = { SIGNATURE_WINDOW_MS: "30000" };
    expect((await signedPost(a, { timestamp: Date.now() - 6_000 }, URL_, BODY, wide)).status).toBe(200);
    // Never more than 60 s, whatever the setting.
    await expectProblem(
      await signedPost(a, { timestamp: Date.now() - 61_000 }, URL_, BODY, { SIGNATURE_WINDOW_MS: "600000" }),
      401,
      "unauthorized",
      "stale_timestamp",
    );
  });

  it("accepts each nonce once", async () => {
    const a = await createAccount();
    const nonce = newNonce();
    const timestamp = Date.now();
    expect((await signedPost(a, { nonce, timestamp })).status).toBe(200);
    await expectProblem(await signedPost(a, { nonce, timestamp }), 401, "unauthorized", "replayed_nonce");
    // Even re-signed with a new timestamp.
    await expectProblem(await signedPost(a, { nonce }), 401, "unauthorized", "replayed_nonce");
    // Another key may use the same nonce.
    const b = await createAccount();
    expect((await signedPost(b, { nonce })).status).toBe(200);
  });

  it("refuses a tampered body, path, query or method", async () => {
    const a = await createAccount();
    const sig = (override: Record<string, string>) =>
      signedHeaders(a.keyId, a.secret, URL_, { method: "POST", body: BODY, override });
    const send = async (headers: Record<string, string>, url = URL_, body = BODY, method = "POST") =>
      call(url, { method, headers: { ...JSON_HEADERS, ...headers }, body });

    // Signed one body, sent another.
    const headers = await signedHeaders(a.keyId, a.secret, URL_, { method: "POST", body: BODY });
    await expectProblem(await send(headers, URL_, BODY.replace("0.5", "50")), 401, "unauthorized", "invalid_signature");
    // Signed another path / query / method than the one sent.
    await expectProblem(await send(await sig({ path: "/v1/probe/whoami" })), 401, "unauthorized", "invalid_signature");
    await expectProblem(
      await send(await sig({ query: "symbol=BTC-USD&side=sell" })),
      401,
      "unauthorized",
      "invalid_signature",
    );
    const signedForPost = await signedHeaders(a.keyId, a.secret, URL_, { method: "POST", body: BODY });
    await expectProblem(await send(signedForPost, URL_, BODY, "PUT"), 401, "unauthorized", "invalid_signature");
    // Query moved to another request.
    const h2 = await signedHeaders(a.keyId, a.secret, URL_, { method: "POST", body: BODY });
    await expectProblem(
      await send(h2, "/v1/probe/trade?symbol=ETH-USD&side=buy"),
      401,
      "unauthorized",
      "invalid_signature",
    );
    // Wrong secret.
    const forged = await signedHeaders(a.keyId, `${a.secret}x`, URL_, { method: "POST", body: BODY });
    await expectProblem(await send(forged), 401, "unauthorized", "invalid_signature");
    // A failed attempt does not spend the nonce.
    const nonce = newNonce();
    const bad = await signedHeaders(a.keyId, a.secret, URL_, { method: "POST", body: BODY, nonce });
    await expectProblem(await send(bad, URL_, "{}"), 401, "unauthorized", "invalid_signature");
    expect((await send(bad)).status).toBe(200);
  });

  it("refuses a body over the limit before hashing it (413)", async () => {
    const a = await createAccount();
    const big = JSON.stringify({ pad: "x".repeat(300) });
    await expectProblem(await signedPost(a, {}, URL_, big, { MAX_BODY_BYTES: "256" }), 413, "payload_too_large");
  });

  it("refuses incomplete or malformed signature headers and unknown keys", async () => {
    const a = await createAccount();
    const headers = await signedHeaders(a.keyId, a.secret, "/v1/probe/whoami");
    const { "x-p3-nonce": _n, ...noNonce } = headers;
    await expectProblem(
      await call("/v1/probe/whoami", { headers: noNonce }),
      401,
      "unauthorized",
      "malformed_signature",
    );
    await expectProblem(
      await call("/v1/probe/whoami", { headers: { ...headers, "x-p3-nonce": "short" } }),
      401,
      "unauthorized",
      "malformed_signature",
    );
    await expectProblem(
      await call("/v1/probe/whoami", { headers: { ...headers, "x-p3-key": "nope" } }),
      401,
      "unauthorized",
      "invalid_credentials",
    );
    await expectProblem(
      await call("/v1/probe/whoami", { headers: { ...headers, "x-p3-key": `k_${a.account}_${"1".repeat(24)}` } }),
      401,
      "unauthorized",
      "invalid_signature",
    );
  });

  it("checks scopes, the IP allowlist, expiry and revocation of the signing key", async () => {
    const reader = await createAccount(["read"]);
    const res = await signedPost(reader);
    const body = await expectProblem(res, 403, "missing_scope");
    expect(body.scope).toBe("trade");

    const fenced = await createAccount(["read", "trade"], { ip_allowlist: ["192.0.2.10"] });
    const headers = await signedHeaders(fenced.keyId, fenced.secret, URL_, { method: "POST", body: BODY });
    const send = (h: Record<string, string>, ip: string) =>
      call(URL_, { method: "POST", headers: { ...JSON_HEADERS, ...h, "cf-connecting-ip": ip }, body: BODY });
    await expectProblem(await send(headers, "192.0.2.11"), 401, "unauthorized", "ip_not_allowed");
    expect((await send(headers, "192.0.2.10")).status).toBe(200);

    const a = await createAccount(["read", "trade"]);
    const t = await (
      await call("/v1/auth/token", {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify({ api_key: a.keyId, api_secret: a.secret }),
      })
    ).json<{ access_token: string }>();
    const del = await call(`/v1/accounts/me/api-keys/${a.keyId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${t.access_token}` },
    });
    expect(del.status).toBe(204);
    await expectProblem(await signedPost(a), 401, "unauthorized", "api_key_revoked");
  });
});

describe("signed requests (Ed25519)", () => {
  it("verifies with the stored public key only; HMAC signatures do not work for such a key", async () => {
    const { publicKey, privateKey } = await generateKeyPair("Ed25519", { extractable: true });
    const a = await createAccount(["read", "trade"], { public_key: await exportJWK(publicKey) });
    expect(a.secret).toBeUndefined();
    const get = await call("/v1/probe/whoami", {
      headers: await signedHeaders(a.keyId, "", "/v1/probe/whoami", { privateKey }),
    });
    expect(get.status).toBe(200);
    expect((await signedPost(a, { privateKey })).status).toBe(200);
    // Tampered body.
    const h = await signedHeaders(a.keyId, "", URL_, { method: "POST", body: BODY, privateKey });
    await expectProblem(
      await call(URL_, { method: "POST", headers: { ...JSON_HEADERS, ...h }, body: "{}" }),
      401,
      "unauthorized",
      "invalid_signature",
    );
    // An HMAC made with some guessed secret is refused.
    await expectProblem(
      await signedPost({ keyId: a.keyId, secret: "s_guess" }),
      401,
      "unauthorized",
      "invalid_signature",
    );
  });

  it("accepts the public key as raw base64url and as SPKI PEM; refuses anything else", async () => {
    const { publicKey } = await generateKeyPair("Ed25519", { extractable: true });
    const raw = new Uint8Array((await crypto.subtle.exportKey("raw", publicKey as CryptoKey)) as ArrayBuffer);
    const spki = new Uint8Array((await crypto.subtle.exportKey("spki", publicKey as CryptoKey)) as ArrayBuffer);
    const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
    const rawB64url = b64(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const pem = `-----BEGIN PUBLIC KEY-----\n${b64(spki)}\n-----END PUBLIC KEY-----\n`;
    const jwk = await exportJWK(publicKey);
    for (const form of [rawB64url, pem]) {
      const a = await createAccount(["read"], { public_key: form });
      expect(a.keyId).toMatch(/^k_/);
    }
    await expect(createAccount(["read"], { public_key: "not-a-key" })).rejects.toThrow(/400.*Ed25519/);
    await expect(createAccount(["read"], { public_key: { ...jwk, crv: "X25519" } })).rejects.toThrow(/400/);
  });
});
