/**
 * The SDK's signing primitives against fixed vectors: the signing string, SHA-256 of the body,
 * HMAC-SHA256 keyed with SHA-256 of the secret (vectors computed with openssl as
 * docs/gateway-and-auth.md shows), Ed25519 (RFC 8032's first test vector), and the server's own
 * verification functions (shared/auth/crypto.ts) accepting what the SDK signs.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ed25519Sign,
  hmacKey,
  hmacSign,
  importEd25519PrivateKey,
  newNonce,
  RequestSigner,
  sha256Hex,
  signingInputOf,
  signingString,
} from "../../sdk/src/auth/index.ts";
import { hmacKeyOf, verifyEd25519, verifyHmac } from "../../shared/auth/crypto.ts";
import { fromHex } from "../../shared/encoding.ts";

const SECRET = "s_test-secret-0123456789";
const BODY =
  '{"client_order_id":"v1","instrument":"BTC-USD","side":"buy","type":"limit","price":"65000.00","size":"0.015"}';
const enc = new TextEncoder();
/** node:crypto as an independent SHA-256. */
const createHashHex = (text: string) => createHash("sha256").update(text).digest("hex");

describe("signing string", () => {
  it("is the six lines of the docs, the method upper-cased, the query without '?'", async () => {
    const input = await signingInputOf(
      "post",
      "https://api.example.com/v1/orders?b=2&a=1",
      enc.encode(BODY) as Uint8Array<ArrayBuffer>,
      1773232200000,
      "0123456789abcdef0123456789abcdef",
    );
    expect(input).toEqual({
      timestamp: 1773232200000,
      nonce: "0123456789abcdef0123456789abcdef",
      method: "post",
      path: "/v1/orders",
      query: "b=2&a=1",
      bodySha256: "ec57cf3c321abde473901d1c3b2aedd94db1ddfdb855de262f50fa9bcc420bf0",
    });
    expect(signingString(input)).toBe(
      "1773232200000\n0123456789abcdef0123456789abcdef\nPOST\n/v1/orders\nb=2&a=1\nec57cf3c321abde473901d1c3b2aedd94db1ddfdb855de262f50fa9bcc420bf0",
    );
  });

  it("hashes no body as the empty string and leaves an absent query empty", async () => {
    const input = await signingInputOf(
      "GET",
      new URL("http://127.0.0.1:8787/v1/accounts/me"),
      undefined,
      1,
      "n".repeat(16),
    );
    expect(input.query).toBe("");
    expect(input.bodySha256).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(signingString(input)).toBe(`1\n${"n".repeat(16)}\nGET\n/v1/accounts/me\n\n${input.bodySha256}`);
  });

  it("takes path and query as the URL parser gives them (percent-encoding included)", async () => {
    const input = await signingInputOf(
      "GET",
      "http://h/v1/orders/client/a b?instrument=BTC USD",
      undefined,
      1,
      "x".repeat(16),
    );
    expect(input.path).toBe("/v1/orders/client/a%20b");
    expect(input.query).toBe("instrument=BTC%20USD");
  });

  it("nonces are 32 hex digits and never repeat", () => {
    const nonces = new Set(Array.from({ length: 1000 }, newNonce));
    expect(nonces.size).toBe(1000);
    for (const n of nonces) expect(n).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("HMAC-SHA256", () => {
  it("SHA-256 of the secret is the key, as the server derives it", async () => {
    expect(await sha256Hex(SECRET)).toBe("e07671d130a28e6126749d72a46b865bcd087a02a7f8de1505774696106dd9f8");
    expect(await hmacKeyOf(SECRET)).toBe(await sha256Hex(SECRET));
  });

  it("matches openssl's signatures of fixed requests", async () => {
    const key = await hmacKey(SECRET);
    const post = signingString({
      timestamp: 1773232200000,
      nonce: "0123456789abcdef0123456789abcdef",
      method: "POST",
      path: "/v1/orders",
      query: "",
      bodySha256: await sha256Hex(BODY),
    });
    expect(await hmacSign(key, post)).toBe("7f4b15dad60d9e2fcfd16eef80e04699f6def3401947de07b605c0af9dd36448");
    const get = signingString({
      timestamp: "1773232200000",
      nonce: "nonce_nonce-000001",
      method: "GET",
      path: "/v1/orders",
      query: "status=open&limit=5",
      bodySha256: await sha256Hex(""),
    });
    expect(await hmacSign(key, get)).toBe("e9b4e6f31b9415081a0e66fc787082a96563a73942063fead880f41ed83ddeb4");
    // Another secret signs differently.
    expect(await hmacSign(await hmacKey(`${SECRET}x`), get)).not.toBe(
      "e9b4e6f31b9415081a0e66fc787082a96563a73942063fead880f41ed83ddeb4",
    );
  });

  it("the signer's headers verify with the server's check, and only for the request signed", async () => {
    const signer = new RequestSigner(
      "hmac",
      "k_acct_0123",
      async (payload) => hmacSign(await hmacKey(SECRET), payload),
      { baseUrl: "http://h", fetch, now: () => 1773232200000, headers: {} },
      {},
    );
    const url = new URL("http://h/v1/orders?x=1");
    const headers = new Headers({ authorization: "Bearer stale" });
    const body = enc.encode(BODY) as Uint8Array<ArrayBuffer>;
    await signer.authorize({ method: "POST", url, headers, body });
    expect(headers.get("authorization")).toBeNull();
    expect(headers.get("x-p3-key")).toBe("k_acct_0123");
    expect(headers.get("x-p3-timestamp")).toBe("1773232200000");
    const nonce = headers.get("x-p3-nonce") as string;
    expect(nonce).toMatch(/^[0-9a-f]{32}$/);
    const signature = fromHex(headers.get("x-p3-signature") as string);
    const payload = (method: string, path: string, b: string) =>
      `1773232200000\n${nonce}\n${method}\n${path}\nx=1\n${createHashHex(b)}`;
    const key = await hmacKeyOf(SECRET);
    expect(await verifyHmac(key, payload("POST", "/v1/orders", BODY), signature)).toBe(true);
    expect(await verifyHmac(key, payload("PUT", "/v1/orders", BODY), signature)).toBe(false);
    expect(await verifyHmac(key, payload("POST", "/v1/orderz", BODY), signature)).toBe(false);
    expect(await verifyHmac(key, payload("POST", "/v1/orders", `${BODY} `), signature)).toBe(false);
  });
});

describe("Ed25519", () => {
  // RFC 8032, 7.1, TEST 1.
  const d = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  const x = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  const b64url = (hex: string) => Buffer.from(hex, "hex").toString("base64url");
  const jwk = { kty: "OKP", crv: "Ed25519", d: b64url(d), x: b64url(x) };

  it("signs RFC 8032's first vector exactly, from a JWK and from PKCS#8 (bytes and PEM)", async () => {
    const expected =
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
    expect(await ed25519Sign(await importEd25519PrivateKey(jwk), "")).toBe(expected);
    // PKCS#8 of an Ed25519 seed: a fixed 16-byte prefix, then the 32 bytes.
    const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(d, "hex")]);
    expect(await ed25519Sign(await importEd25519PrivateKey(new Uint8Array(pkcs8)), "")).toBe(expected);
    const pem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString("base64")}\n-----END PRIVATE KEY-----\n`;
    expect(await ed25519Sign(await importEd25519PrivateKey(pem), "")).toBe(expected);
  });

  it("a signing string signed by the SDK verifies with the server's check, and not once changed", async () => {
    const key = await importEd25519PrivateKey(jwk);
    const payload = signingString({
      timestamp: 1773232200000,
      nonce: "0123456789abcdef0123456789abcdef",
      method: "DELETE",
      path: "/v1/orders/abc",
      query: "",
      bodySha256: await sha256Hex(""),
    });
    const signature = fromHex(await ed25519Sign(key, payload));
    const pub = { kty: "OKP", crv: "Ed25519", x: b64url(x) } as const;
    expect(await verifyEd25519(pub, payload, signature)).toBe(true);
    expect(await verifyEd25519(pub, payload.replace("DELETE", "GET"), signature)).toBe(false);
  });

  it("refuses keys that are not Ed25519 private keys", async () => {
    await expect(importEd25519PrivateKey({ kty: "OKP", crv: "X25519", d: jwk.d, x: jwk.x })).rejects.toThrow(/Ed25519/);
    await expect(importEd25519PrivateKey({ kty: "OKP", crv: "Ed25519", x: jwk.x })).rejects.toThrow(/d/);
    await expect(importEd25519PrivateKey("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")).rejects.toThrow(
      /PKCS#8/,
    );
  });
});
