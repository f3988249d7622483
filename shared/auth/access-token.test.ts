import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import {
  issueAccessToken,
  isVerifiedAccessToken,
  type TokenGrant,
  TokenRejected,
  verifyAccessTokenOnce,
} from "./access-token.ts";
import { authConfig } from "./config.ts";
import { signingKeys } from "./signing-keys.ts";

const grant = (key_expires_at: number | null = null): TokenGrant => ({
  account: "cache-test",
  key_id: "k_cache-test_1",
  family: `fam-${crypto.randomUUID()}`,
  scopes: ["read", "trade"],
  ip_allowlist: null,
  key_expires_at,
});

/** A fresh Ed25519 signing key set (what JWT_SIGNING_KEYS holds). */
async function keySet(kid: string) {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return signingKeys(JSON.stringify([{ ...(await exportJWK(privateKey)), kid, alg: "EdDSA" }]));
}

describe("verifyAccessTokenOnce", () => {
  const config = authConfig({});

  it("checks a token's signature once per isolate, then answers from memory until it expires", async () => {
    const keys = await keySet("test-1");
    const now = Date.now();
    const { token } = await issueAccessToken(grant(), keys, config, now);
    expect(isVerifiedAccessToken(token, now)).toBe(false);
    const first = await verifyAccessTokenOnce(token, keys, config, now);
    expect(isVerifiedAccessToken(token, now)).toBe(true);
    expect(await verifyAccessTokenOnce(token, keys, config, now + 1_000)).toBe(first); // the same answer, not re-verified
    // Past its expiry (and jose's 5 s tolerance) the token is verified again, and refused.
    const later = now + (config.accessTtlS + 6) * 1_000;
    expect(isVerifiedAccessToken(token, later)).toBe(false);
    await expect(verifyAccessTokenOnce(token, keys, config, later)).rejects.toMatchObject({ reason: "token_expired" });
  });

  it("verifies again under another key set: a key taken out of rotation stops its tokens at once", async () => {
    const keys = await keySet("test-2");
    const { token } = await issueAccessToken(grant(), keys, config);
    await verifyAccessTokenOnce(token, keys, config);
    const other = await keySet("other-1");
    const refused = await verifyAccessTokenOnce(token, other, config).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TokenRejected);
    expect((refused as TokenRejected).reason).toBe("unknown_signing_key");
  });
});
