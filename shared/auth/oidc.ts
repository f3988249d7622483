/**
 * Access tokens of an external OpenID Connect issuer, accepted through its
 * JWKS: `OIDC_ISSUER` and `OIDC_AUDIENCE` must match, the algorithm must be one
 * of `OIDC_ALGORITHMS` (pinned, default RS256), keys come from `OIDC_JWKS_URL`
 * (fetched and cached by jose) or inline `OIDC_JWKS`. The account is the
 * `OIDC_ACCOUNT_CLAIM` claim (default `sub`); scopes come from `scope`
 * (space-separated) or `scp` (array or string), optionally behind
 * `OIDC_SCOPE_PREFIX` (e.g. `platform3:` → `platform3:trade` is `trade`).
 */
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey, jwtVerify } from "jose";
import { explain, TokenRejected } from "./access-token.ts";
import { isAccountId } from "./ids.ts";
import { SCOPES, type Scope } from "./scopes.ts";

export interface OidcConfig {
  issuer: string;
  audience: string;
  algorithms: string[];
  accountClaim: string;
  scopePrefix: string;
  keys: JWTVerifyGetKey;
}

export interface OidcPrincipal {
  account: string;
  scopes: Scope[];
}

/** The settings `oidcConfig` reads (the Worker's vars of the same names). */
export interface OidcEnv {
  OIDC_ISSUER?: string;
  OIDC_AUDIENCE?: string;
  OIDC_ALGORITHMS?: string;
  OIDC_JWKS_URL?: string;
  OIDC_JWKS?: string;
  OIDC_ACCOUNT_CLAIM?: string;
  OIDC_SCOPE_PREFIX?: string;
}

let cached: { signature: string; config: OidcConfig } | undefined;

/**
 * The OIDC settings, or undefined when `OIDC_ISSUER` is not set. Throws an
 * Error naming the missing setting when the issuer is set but incomplete.
 * The key set is built once per isolate per configuration (jose caches a
 * remote JWKS and refetches on an unknown `kid`).
 */
export function oidcConfig(env: OidcEnv): OidcConfig | undefined {
  if (!env.OIDC_ISSUER) return undefined;
  const signature = JSON.stringify([
    env.OIDC_ISSUER,
    env.OIDC_AUDIENCE,
    env.OIDC_ALGORITHMS,
    env.OIDC_JWKS_URL,
    env.OIDC_JWKS,
    env.OIDC_ACCOUNT_CLAIM,
    env.OIDC_SCOPE_PREFIX,
  ]);
  if (cached?.signature === signature) return cached.config;
  if (!env.OIDC_AUDIENCE)
    throw new Error("OIDC_ISSUER is set but OIDC_AUDIENCE is not: set the audience tokens must carry.");
  let keys: JWTVerifyGetKey;
  if (env.OIDC_JWKS) {
    let jwks: JSONWebKeySet;
    try {
      jwks = JSON.parse(env.OIDC_JWKS) as JSONWebKeySet;
    } catch {
      throw new Error('OIDC_JWKS is not JSON: set a JWK set such as {"keys":[...]}.');
    }
    keys = createLocalJWKSet(jwks);
  } else if (env.OIDC_JWKS_URL) {
    keys = createRemoteJWKSet(new URL(env.OIDC_JWKS_URL), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 });
  } else {
    throw new Error("OIDC_ISSUER is set but neither OIDC_JWKS_URL nor OIDC_JWKS is: set where the issuer's keys are.");
  }
  const algorithms = (env.OIDC_ALGORITHMS || "RS256")
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "" && a !== "none");
  const config: OidcConfig = {
    issuer: env.OIDC_ISSUER,
    audience: env.OIDC_AUDIENCE,
    algorithms,
    accountClaim: env.OIDC_ACCOUNT_CLAIM || "sub",
    scopePrefix: env.OIDC_SCOPE_PREFIX ?? "",
    keys,
  };
  cached = { signature, config };
  return config;
}

/** Verifies an OIDC access token and maps it to an account and scopes. Throws `TokenRejected`. */
export async function verifyOidcToken(token: string, config: OidcConfig, now = Date.now()): Promise<OidcPrincipal> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, config.keys, {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: config.algorithms,
      requiredClaims: ["exp"],
      currentDate: new Date(now),
      clockTolerance: 30,
    }));
  } catch (err) {
    throw explain(err);
  }
  const account = payload[config.accountClaim];
  if (typeof account !== "string" || !isAccountId(account)) {
    throw new TokenRejected(
      "invalid_claims",
      `The token's "${config.accountClaim}" claim is not a usable account id (letters, digits, '.', '-'; up to 64).`,
    );
  }
  return { account, scopes: scopesOf(payload, config.scopePrefix) };
}

function scopesOf(payload: Record<string, unknown>, prefix: string): Scope[] {
  const raw: string[] = [];
  for (const claim of [payload.scope, payload.scp]) {
    if (typeof claim === "string") raw.push(...claim.split(/\s+/));
    else if (Array.isArray(claim)) raw.push(...claim.filter((s): s is string => typeof s === "string"));
  }
  const given = new Set(raw.filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length)));
  return SCOPES.filter((s) => given.has(s));
}
