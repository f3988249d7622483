/**
 * Our access tokens: short-lived JWTs (`typ: at+jwt`, RFC 9068) signed with
 * the first key of `JWT_SIGNING_KEYS`, header `kid` naming it. Claims: `sub`
 * (account), `scope` (space-separated), `kid` (the API key behind it — a claim,
 * distinct from the header's signing-key `kid`), `fam` (refresh family), `jti`,
 * and `ipr` (the key's IP allowlist, when it has one).
 */
import { errors, jwtVerify, SignJWT } from "jose";
import { ACCESS_TOKEN_SKEW_S, type AuthConfig, MAX_ACCESS_TOKEN_TTL_S } from "./config.ts";
import { SCOPES, type Scope } from "./scopes.ts";
import type { SigningKeySet } from "./signing-keys.ts";

export const ACCESS_TOKEN_TYPE = "at+jwt";

/** What an access token is signed for: an Account object's grant (`Grant`), or a test's. */
export interface TokenGrant {
  account: string;
  key_id: string;
  scopes: readonly Scope[];
  family: string;
  /** Epoch ms: access tokens never outlive their key. */
  key_expires_at: number | null;
  ip_allowlist: string[] | null;
}

export interface IssuedAccessToken {
  token: string;
  /** Seconds until it expires. */
  expiresIn: number;
  jti: string;
}

export interface VerifiedAccessToken {
  account: string;
  scopes: Scope[];
  keyId: string;
  family: string;
  ipAllowlist: string[] | null;
  expiresAt: number;
}

/** Signs an access token for a grant; it never outlives the grant's key. */
export async function issueAccessToken(
  grant: TokenGrant,
  keys: SigningKeySet,
  config: AuthConfig,
  now = Date.now(),
): Promise<IssuedAccessToken> {
  const iat = Math.floor(now / 1000);
  let exp = iat + config.accessTtlS;
  if (grant.key_expires_at !== null) exp = Math.min(exp, Math.floor(grant.key_expires_at / 1000));
  const jti = crypto.randomUUID();
  const claims: Record<string, unknown> = { scope: grant.scopes.join(" "), kid: grant.key_id, fam: grant.family };
  if (grant.ip_allowlist) claims.ipr = grant.ip_allowlist;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: keys.alg, kid: keys.kid, typ: ACCESS_TOKEN_TYPE })
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setSubject(grant.account)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(keys.signingKey);
  return { token, expiresIn: Math.max(0, exp - iat), jti };
}

/** Why a token was refused, in words a client can act on. */
export class TokenRejected extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = "TokenRejected";
    this.reason = reason;
  }
}

/**
 * Verifies one of our access tokens (signature by any configured key, `typ`,
 * issuer, audience, expiry, claims). Throws `TokenRejected`.
 */
export async function verifyAccessToken(
  token: string,
  keys: SigningKeySet,
  config: AuthConfig,
  now = Date.now(),
): Promise<VerifiedAccessToken> {
  try {
    const { payload } = await jwtVerify(token, keys.verifier, {
      issuer: config.issuer,
      audience: config.audience,
      typ: ACCESS_TOKEN_TYPE,
      algorithms: ["EdDSA", "ES256"],
      requiredClaims: ["sub", "exp", "iat", "jti", "kid", "fam", "scope"],
      currentDate: new Date(now),
      clockTolerance: ACCESS_TOKEN_SKEW_S,
    });
    const { sub, scope, kid, fam, ipr, exp, iat } = payload as Record<string, unknown>;
    if (typeof sub !== "string" || typeof kid !== "string" || typeof fam !== "string" || typeof scope !== "string") {
      throw new TokenRejected("malformed_token", "The access token's claims are malformed.");
    }
    checkLifetime(iat as number, exp as number, now);
    const ipAllowlist = Array.isArray(ipr) && ipr.every((e) => typeof e === "string") ? (ipr as string[]) : null;
    return { account: sub, scopes: parseScopes(scope), keyId: kid, family: fam, ipAllowlist, expiresAt: exp as number };
  } catch (err) {
    throw explain(err);
  }
}

/**
 * A token signed with one of our keys still proves only what its claims say: one
 * issued "in the future" (a signer with a wrong clock, or a token minted ahead to
 * outlive a revocation window) or living longer than any token we issue is refused.
 */
function checkLifetime(iat: number, exp: number, now: number): void {
  const nowS = now / 1000;
  if (iat > nowS + ACCESS_TOKEN_SKEW_S) {
    throw new TokenRejected(
      "issued_in_future",
      `The token's iat (${iat}) is more than ${ACCESS_TOKEN_SKEW_S} s ahead of the server clock (${Math.floor(nowS)}).`,
    );
  }
  if (exp - iat > MAX_ACCESS_TOKEN_TTL_S) {
    throw new TokenRejected(
      "lifetime_too_long",
      `The token lives ${exp - iat} s; access tokens live at most ${MAX_ACCESS_TOKEN_TTL_S} s.`,
    );
  }
}

/** Tokens verified in this isolate: each is checked cryptographically once, then trusted until it expires. */
const verifiedTokens = new Map<string, { keys: SigningKeySet; issuer: string; result: VerifiedAccessToken }>();
const MAX_VERIFIED = 10_000;
/** jose's `clockTolerance` above, in ms: a token is accepted this long after its `exp`. */
const TOLERANCE_MS = ACCESS_TOKEN_SKEW_S * 1000;

/**
 * `verifyAccessToken`, once per isolate per token: a token already verified with the same
 * key set and issuer is answered from a bounded cache (oldest out first) until it expires,
 * so a trader's every request does not pay for a signature check. Revocation is not
 * cached here: the caller checks the token's family on every request.
 */
export async function verifyAccessTokenOnce(
  token: string,
  keys: SigningKeySet,
  config: AuthConfig,
  now = Date.now(),
): Promise<VerifiedAccessToken> {
  const hit = verifiedTokens.get(token);
  if (hit && hit.keys === keys && hit.issuer === config.issuer) {
    if (now <= hit.result.expiresAt * 1000 + TOLERANCE_MS) return hit.result;
    verifiedTokens.delete(token);
  }
  const result = await verifyAccessToken(token, keys, config, now);
  if (verifiedTokens.size >= MAX_VERIFIED) {
    const oldest = verifiedTokens.keys().next().value;
    if (oldest !== undefined) verifiedTokens.delete(oldest);
  }
  verifiedTokens.set(token, { keys, issuer: config.issuer, result });
  return result;
}

/** Whether `token` was verified in this isolate (as ours) and has not expired: callers may skip decoding it. */
export function isVerifiedAccessToken(token: string, now = Date.now()): boolean {
  const hit = verifiedTokens.get(token);
  return hit !== undefined && now <= hit.result.expiresAt * 1000 + TOLERANCE_MS;
}

/** Known scopes of a space-separated `scope` string; unknown ones are ignored. */
export function parseScopes(scope: string): Scope[] {
  const given = new Set(scope.split(/\s+/));
  return SCOPES.filter((s) => given.has(s));
}

/** Maps a jose error to a `TokenRejected` with a stable reason. */
export function explain(err: unknown): TokenRejected {
  if (err instanceof TokenRejected) return err;
  if (err instanceof errors.JWTExpired) return new TokenRejected("token_expired", "The token has expired.");
  if (err instanceof errors.JWTClaimValidationFailed) {
    return new TokenRejected("invalid_claims", `The token's "${err.claim}" claim is not acceptable (${err.reason}).`);
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return new TokenRejected(
      "unknown_signing_key",
      "The token was signed with a key that is not (or no longer) trusted.",
    );
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return new TokenRejected("algorithm_not_allowed", "The token's signing algorithm is not accepted.");
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRejected("invalid_signature", "The token's signature is invalid.");
  }
  return new TokenRejected("malformed_token", "The token is malformed.");
}
