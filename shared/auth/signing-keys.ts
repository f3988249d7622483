/**
 * Access-token signing keys from `JWT_SIGNING_KEYS`: a JSON array of private
 * JWKs, each with a `kid` (Ed25519 → EdDSA, P-256 → ES256). The first signs;
 * every key verifies, so a rotation puts the new key first and keeps the old
 * one until the tokens it signed have expired. Parsed once per isolate.
 */
import { type CryptoKey, createLocalJWKSet, importJWK, type JWK, type JWTVerifyGetKey } from "jose";
import { isDevelopmentKey, LOOPBACK_ONLY } from "./dev-credentials.ts";

export type SigningAlgorithm = "EdDSA" | "ES256";

export interface PublicJwk extends JWK {
  kid: string;
  alg: SigningAlgorithm;
  use: "sig";
}

export interface SigningKeySet {
  /** kid and algorithm of the key that signs. */
  kid: string;
  alg: SigningAlgorithm;
  /** The private key of the signing key. */
  signingKey: CryptoKey;
  /** Every key's public JWK, for `/.well-known/jwks.json`. */
  jwks: { keys: PublicJwk[] };
  /** Resolves a token's `kid` to a verification key. */
  verifier: JWTVerifyGetKey;
}

/** Thrown when `JWT_SIGNING_KEYS` is missing or malformed; the message says how to fix it. */
export class SigningKeysError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SigningKeysError";
  }
}

let cached: { raw: string; set: Promise<SigningKeySet> } | undefined;

/** The key set of `raw` (the `JWT_SIGNING_KEYS` value), cached while the value is unchanged. */
export function signingKeys(raw: string | undefined): Promise<SigningKeySet> {
  if (!raw) {
    return Promise.reject(
      new SigningKeysError(
        "JWT_SIGNING_KEYS is not set: `wrangler secret put JWT_SIGNING_KEYS` with a JSON array of private JWKs.",
      ),
    );
  }
  if (cached?.raw !== raw) {
    const set = load(raw);
    cached = { raw, set };
    set.catch(() => {
      if (cached?.set === set) cached = undefined;
    });
  }
  return cached.set;
}

async function load(raw: string): Promise<SigningKeySet> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SigningKeysError("JWT_SIGNING_KEYS is not JSON: set a JSON array of private JWKs, each with a kid.");
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new SigningKeysError("JWT_SIGNING_KEYS must be a non-empty JSON array of private JWKs.");
  }
  const keys: PublicJwk[] = [];
  let first: { kid: string; alg: SigningAlgorithm; key: CryptoKey } | undefined;
  for (const [i, entry] of (parsed as JWK[]).entries()) {
    const kid = entry.kid;
    if (typeof kid !== "string" || kid === "") throw new SigningKeysError(`JWT_SIGNING_KEYS[${i}] has no kid.`);
    if (keys.some((k) => k.kid === kid)) throw new SigningKeysError(`JWT_SIGNING_KEYS has kid ${kid} twice.`);
    const alg = algorithmOf(entry);
    if (!alg) {
      throw new SigningKeysError(`JWT_SIGNING_KEYS[${i}] (${kid}) must be an Ed25519 (OKP) or P-256 (EC) key.`);
    }
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = entry;
    keys.push({ ...pub, kid, alg, use: "sig" } as PublicJwk);
    if (i === 0) {
      if (typeof entry.d !== "string")
        throw new SigningKeysError(`JWT_SIGNING_KEYS[0] (${kid}) has no private part d.`);
      try {
        first = { kid, alg, key: (await importJWK({ ...entry, alg }, alg)) as CryptoKey };
      } catch (err) {
        throw new SigningKeysError(`JWT_SIGNING_KEYS[0] (${kid}) cannot be imported: ${String(err)}`);
      }
    }
  }
  const signer = first as { kid: string; alg: SigningAlgorithm; key: CryptoKey };
  const jwks = { keys };
  return { kid: signer.kid, alg: signer.alg, signingKey: signer.key, jwks, verifier: createLocalJWKSet(jwks) };
}

function algorithmOf(jwk: JWK): SigningAlgorithm | undefined {
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519" && (jwk.alg === undefined || jwk.alg === "EdDSA")) return "EdDSA";
  if (jwk.kty === "EC" && jwk.crv === "P-256" && (jwk.alg === undefined || jwk.alg === "ES256")) return "ES256";
  return undefined;
}

/**
 * The signing keys of this deployment, for a request from loopback or not. Throws
 * `SigningKeysError` naming the fix when they are missing or malformed, or when
 * they include a development key (`isDevelopmentKey`) outside development or for
 * a request that is not from loopback.
 */
export async function deploymentSigningKeys(
  env: { JWT_SIGNING_KEYS?: string; ENVIRONMENT?: string },
  from: { loopback: boolean },
): Promise<SigningKeySet> {
  const set = await signingKeys(env.JWT_SIGNING_KEYS);
  const dev = set.jwks.keys.find(isDevelopmentKey);
  if (dev && env.ENVIRONMENT !== "development") {
    throw new SigningKeysError(
      `JWT_SIGNING_KEYS holds a development key (${dev.kid}) outside development: set a real key set as a secret.`,
    );
  }
  if (dev && !from.loopback) throw new SigningKeysError(`JWT_SIGNING_KEYS (${dev.kid}) ${LOOPBACK_ONLY}.`);
  return set;
}
