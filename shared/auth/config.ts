/** Gateway auth settings from the environment, with defaults and bounds. */
/** The settings `authConfig` reads (the Worker's vars of the same names). */
export interface AuthEnv {
  JWT_ISSUER?: string;
  ACCESS_TOKEN_TTL_SECONDS?: string;
  REFRESH_TOKEN_TTL_SECONDS?: string;
  SIGNATURE_WINDOW_MS?: string;
  AUTH_REVOCATION_CACHE_MS?: string;
}

export interface AuthConfig {
  /** `iss` of our access tokens. */
  issuer: string;
  /** `aud` of our access tokens. */
  audience: string;
  /** Access-token lifetime, seconds (300–900). */
  accessTtlS: number;
  /** Refresh-token lifetime, ms. */
  refreshTtlMs: number;
  /** Accepted clock difference of signed requests, ms (1–60 000, default 5 000). */
  signatureWindowMs: number;
  /** How long an isolate trusts that a refresh family is not revoked, ms. */
  revocationCacheMs: number;
}

export const DEFAULT_ISSUER = "urn:platform3:edge";
export const ACCESS_TOKEN_AUDIENCE = "urn:platform3:api";
/** The longest life an access token may have (`ACCESS_TOKEN_TTL_SECONDS` is clamped to it), s. */
export const MAX_ACCESS_TOKEN_TTL_S = 900;
/** Clock difference tolerated between the signer and a verifier of access tokens, s. */
export const ACCESS_TOKEN_SKEW_S = 5;

/** Reads the settings; a malformed value falls back to its default, an out-of-range one is clamped. */
export function authConfig(env: AuthEnv): AuthConfig {
  return {
    issuer: env.JWT_ISSUER || DEFAULT_ISSUER,
    audience: ACCESS_TOKEN_AUDIENCE,
    accessTtlS: bounded(env.ACCESS_TOKEN_TTL_SECONDS, 600, 300, MAX_ACCESS_TOKEN_TTL_S),
    refreshTtlMs: bounded(env.REFRESH_TOKEN_TTL_SECONDS, 30 * 86_400, 60, 365 * 86_400) * 1000,
    signatureWindowMs: bounded(env.SIGNATURE_WINDOW_MS, 5_000, 1, 60_000),
    revocationCacheMs: bounded(env.AUTH_REVOCATION_CACHE_MS, 5_000, 0, 60_000),
  };
}

function bounded(text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined || text.trim() === "") return fallback;
  const n = Number(text);
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(n)));
}
