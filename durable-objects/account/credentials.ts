/**
 * Credential checks against one account's keys, nonces and refresh families:
 * secret and JWT-assertion grants, and signed requests. The Account object
 * looks the key up (none before its storage exists) and calls these; no secret
 * or verification key ever leaves the object.
 */
import { importJWK, jwtVerify } from "jose";
import { decodeSignature, sameDigest, secretVerifier, verifyEd25519, verifyHmac } from "../../shared/auth/crypto.ts";
import type { Sql } from "../runtime/sql.ts";
import type { AssertionCheck } from "./contract.ts";
import { findKey, type KeyRow, parsePublicKey, parseScopes, refusal, touch, unusable } from "./keys.ts";
import { openFamily } from "./tokens.ts";
import type { Grant, Refusal, SignedRequestCheck, SignedRequestOk, TokenLifetimes } from "./types.ts";

/** Algorithms accepted for token assertions signed with a client's Ed25519 key. */
const ASSERTION_ALGORITHMS = ["EdDSA", "Ed25519"];

/** `api_key` + `api_secret` → a refresh grant. Unknown key and wrong secret refuse alike. */
export async function grantBySecret(
  sql: Sql,
  account: string,
  row: KeyRow | undefined,
  input: { key_id: string; secret: string; ip: string | undefined },
  lifetimes: TokenLifetimes,
): Promise<Grant | Refusal> {
  const verifier = await secretVerifier(input.secret);
  if (!row?.secret_hash || !sameDigest(verifier, row.secret_hash)) {
    return refusal("invalid_credentials", "Unknown API key or wrong secret.");
  }
  const now = Date.now();
  const blocked = unusable(row, input.ip, now);
  if (blocked) return blocked;
  return openFamily(sql, account, row, lifetimes, now);
}

/** A JWT assertion signed with the key's Ed25519 private key (RFC 7523) → a refresh grant. */
export async function grantByAssertion(
  sql: Sql,
  account: string,
  row: KeyRow | undefined,
  input: AssertionCheck,
  lifetimes: TokenLifetimes,
): Promise<Grant | Refusal> {
  const jwk = row ? parsePublicKey(row) : null;
  if (!row || !jwk) return refusal("invalid_assertion", "Unknown API key, or not an Ed25519 key.");
  let exp: number;
  let jti: string;
  try {
    const key = await importJWK({ ...jwk }, "EdDSA");
    const { payload } = await jwtVerify(input.assertion, key, {
      algorithms: ASSERTION_ALGORITHMS,
      issuer: input.key_id,
      subject: input.key_id,
      audience: input.audiences,
      requiredClaims: ["exp", "iat", "jti"],
      clockTolerance: 5,
    });
    exp = payload.exp as number;
    jti = payload.jti as string;
    if (exp - (payload.iat as number) > input.max_lifetime_s) throw new Error("lifetime");
  } catch {
    return refusal(
      "invalid_assertion",
      `The assertion is invalid: sign a JWT with iss = sub = the key id, aud = the token endpoint, iat, exp at most ${input.max_lifetime_s} s later and a unique jti.`,
    );
  }
  const now = Date.now();
  if (!useNonce(sql, input.key_id, `jti:${jti}`, exp * 1000 + 5_000, now)) {
    return refusal("replayed_nonce", "This assertion's jti was already used.");
  }
  const blocked = unusable(row, input.ip, now);
  if (blocked) return blocked;
  return openFamily(sql, account, row, lifetimes, now);
}

/** Verifies a signed request (HMAC-SHA256 or Ed25519 by the key's kind) and spends its nonce. */
export async function verifySignedRequest(
  sql: Sql,
  row: KeyRow | undefined,
  input: SignedRequestCheck,
): Promise<SignedRequestOk | Refusal> {
  const signature = decodeSignature(input.signature);
  const invalid = refusal("invalid_signature", "The signature does not match the request (see the signing string).");
  if (!row || !signature) return invalid;
  let good = false;
  if (row.kind === "secret" && row.hmac_key) {
    good = signature.byteLength === 32 && (await verifyHmac(row.hmac_key, input.payload, signature));
  } else if (row.kind === "ed25519") {
    const jwk = parsePublicKey(row);
    good = jwk !== null && signature.byteLength === 64 && (await verifyEd25519(jwk, input.payload, signature));
  }
  if (!good) return invalid;
  // Synchronous from here on: a nonce is spent at most once.
  const now = Date.now();
  const blocked = unusable(findKey(sql, input.key_id), input.ip, now);
  if (blocked) return blocked;
  if (!useNonce(sql, input.key_id, input.nonce, input.nonce_expires_at, now)) {
    return refusal("replayed_nonce", "This nonce was already used with this key.");
  }
  touch(sql, row, now);
  return { ok: true, key_id: row.key_id, scopes: parseScopes(row) };
}

/** Records a nonce; false if it was already there. Forgets expired ones. */
function useNonce(sql: Sql, keyId: string, nonce: string, expiresAt: number, now: number): boolean {
  sql`DELETE FROM nonces WHERE expires_at < ${now}`;
  const inserted = sql<{ nonce: string }>`
    INSERT INTO nonces (key_id, nonce, expires_at) VALUES (${keyId}, ${nonce}, ${expiresAt})
    ON CONFLICT DO NOTHING RETURNING nonce`;
  return inserted.length === 1;
}
