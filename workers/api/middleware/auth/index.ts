/**
 * Authentication and authorization of the edge API.
 *
 * `authenticate()` sets `c.get("auth")` (an `AuthContext`) from one of:
 * - a signed request (`X-P3-Key`, `X-P3-Timestamp`, `X-P3-Nonce`, `X-P3-Signature`);
 * - `Authorization: Bearer <our access token>` (refused once its refresh family is revoked);
 * - `Authorization: Bearer <OIDC access token>` from the configured issuer;
 * - with `operatorToken: true`, `Authorization: Bearer $OPERATOR_TOKEN` (break-glass admin).
 * Failure is a 401 `unauthorized` problem with a `WWW-Authenticate` challenge.
 *
 * `requireScope("trade")` answers 403 `missing_scope` naming the scope the caller lacks.
 */
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { decodeJwt } from "jose";
import { accountStub } from "../../../../durable-objects/account/stub.ts";
import {
  isVerifiedAccessToken,
  type TokenRejected,
  verifyAccessTokenOnce,
} from "../../../../shared/auth/access-token.ts";
import { authConfig } from "../../../../shared/auth/config.ts";
import { sameDigest, sha256Hex } from "../../../../shared/auth/crypto.ts";
import { DEV_OPERATOR_TOKEN, LOOPBACK_ONLY } from "../../../../shared/auth/dev-credentials.ts";
import { accountOfKeyId } from "../../../../shared/auth/ids.ts";
import { ipAllowed } from "../../../../shared/auth/ip.ts";
import { oidcConfig, verifyOidcToken } from "../../../../shared/auth/oidc.ts";
import { checkRevocation } from "../../../../shared/auth/revocation.ts";
import { missingScope, unauthorized } from "../../auth/problems.ts";
import { pathAndQuery, readSignatureHeaders, type SignatureHeaders, signingString } from "../../auth/signature.ts";
import { loadSigningKeys } from "../../auth/signing-keys.ts";
import { type AuthContext, SCOPES, type Scope } from "../../auth-context.ts";
import { clientAddressOf, clientIp } from "../../client-address.ts";
import type { AppEnv } from "../../env.ts";
import { problemException } from "../../problem.ts";
import { publishRevocationsLater, revokedInRedis } from "../../redis/revocation.ts";
import { declaredScope } from "../../routing.ts";
import { maxBodyBytes, tooLarge } from "../../validation.ts";

export type AuthMethod = "access_token" | "oidc" | "signature";

export interface AuthenticateOptions {
  /** Let requests without credentials through, without `auth` (credentials that are present must still be valid). */
  optional?: boolean;
  /** Also accept `Bearer $OPERATOR_TOKEN` as account "operator" with the `admin` scope (break-glass). */
  operatorToken?: boolean;
  /** The credential kinds accepted (default all three). */
  methods?: readonly AuthMethod[];
  /**
   * Refused credentials leave the request anonymous instead of answering 401
   * (for public routes that merely benefit from knowing the caller, e.g. per-key
   * rate limits). Implies `optional`.
   */
  lenient?: boolean;
}

const ALL_METHODS: readonly AuthMethod[] = ["access_token", "oidc", "signature"];

/** Account id of the break-glass operator context. */
export const OPERATOR_ACCOUNT = "operator";

/**
 * Authenticates the request and sets `auth`. Idempotent: a request already
 * authenticated (by an outer `authenticate()`) passes straight through.
 */
export function authenticate(options: AuthenticateOptions = {}): MiddlewareHandler<AppEnv> {
  const methods = new Set(options.methods ?? ALL_METHODS);
  for (const m of methods) {
    if (!ALL_METHODS.includes(m))
      throw new Error(`authenticate(): unknown method '${m}'; use ${ALL_METHODS.join(", ")}.`);
  }
  if (methods.size === 0 && !options.operatorToken) {
    throw new Error("authenticate(): no credential kind left to accept; give methods or operatorToken.");
  }
  const effective = options.lenient ? { ...options, optional: true } : options;
  return async (c, next) => {
    if (c.get("auth")) return next();
    const auth = options.lenient
      ? await identify(c, methods, effective).catch(anonymousOn401)
      : await identify(c, methods, effective);
    if (auth) c.set("auth", auth);
    await next();
  };
}

/** Reads the scope(s) a request's route requires; undefined for a public or undeclared route. */
export type ScopeResolver = (c: Context<AppEnv>) => Scope | readonly Scope[] | undefined;

export interface AuthorizeRouteOptions extends Omit<AuthenticateOptions, "optional" | "lenient"> {
  /** Where the route's scope comes from (default: the declared route, `declaredScope` of routing.ts). */
  resolve?: ScopeResolver;
}

/**
 * App-wide authentication and authorization from each route's declared scope
 * (`defineRoute({ scope })`): a route that needs a scope requires valid
 * credentials carrying it (401 / 403 `missing_scope`); a public or undeclared
 * route authenticates leniently, so `auth` is set when the caller sent valid
 * credentials and the request goes on anonymous otherwise. With
 * `operatorToken`, the operator token is accepted on routes needing `admin` only.
 * Mount after `declaredRoutes()`.
 */
export function authorizeRoute(options: AuthorizeRouteOptions = {}): MiddlewareHandler<AppEnv> {
  const { resolve = declaredScope, ...auth } = options;
  const forAdmin = authenticate(auth);
  const strict = authenticate({ ...auth, operatorToken: false });
  const lenient = authenticate({ ...auth, operatorToken: false, lenient: true });
  const check = requireRouteScope(resolve);
  return async (c, next) => {
    const declared = resolve(c);
    if (declared === undefined) {
      await lenient(c, next);
      return;
    }
    const needsAdmin = declared === "admin" || (typeof declared !== "string" && declared.includes("admin"));
    await (needsAdmin ? forAdmin : strict)(c, async () => {
      await check(c, next);
    });
  };
}

/**
 * Requires every given scope (403 `missing_scope` naming the first one lacking);
 * 401 when the request was not authenticated. Use after `authenticate()`.
 */
export function requireScope(...scopes: Scope[]): MiddlewareHandler<AppEnv> {
  for (const s of scopes) {
    if (!SCOPES.includes(s)) throw new Error(`requireScope(): unknown scope '${s}'; use ${SCOPES.join(", ")}.`);
  }
  if (scopes.length === 0) throw new Error("requireScope(): name at least one scope.");
  return async (c, next) => {
    assertScopes(c, scopes);
    await next();
  };
}

/**
 * Like `requireScope`, with the scope taken from the matched route: `resolve`
 * returns the route's scope(s) (default: the scope it declared with
 * `defineRoute`, read by `declaredScope`), or undefined for a route that needs
 * none. Lets one middleware guard a whole app whose routes declare their scope.
 */
export function requireRouteScope(resolve: ScopeResolver = declaredScope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const declared = resolve(c);
    if (declared !== undefined) assertScopes(c, typeof declared === "string" ? [declared] : declared);
    await next();
  };
}

/** Throws 401 without `auth`, 403 `missing_scope` when one of `scopes` is lacking. */
export function assertScopes(c: Context<AppEnv>, scopes: readonly Scope[]): AuthContext {
  const auth = c.get("auth");
  if (!auth) throw unauthorized("Authentication is required: send a bearer access token or sign the request.");
  const lacking = scopes.find((s) => !auth.scopes.includes(s));
  if (lacking) throw missingScope(lacking);
  return auth;
}

/** The authenticated caller; throws 401 if there is none (use behind `authenticate()`). */
export function callerOf(c: Context<AppEnv>): AuthContext {
  return assertScopes(c, []);
}

// ── credential kinds ───────────────────────────────────────────────────────

function anonymousOn401(err: unknown): undefined {
  if (err instanceof HTTPException && err.status === 401) return undefined;
  throw err;
}

async function identify(
  c: Context<AppEnv>,
  methods: ReadonlySet<AuthMethod>,
  options: AuthenticateOptions,
): Promise<AuthContext | undefined> {
  const signed = readSignatureHeaders(c.req.raw.headers);
  if (signed !== undefined && methods.has("signature")) {
    if (typeof signed === "string") {
      throw unauthorized(signed, { error: "invalid_request", reason: "malformed_signature", scheme: "P3-Signature" });
    }
    return verifySigned(c, signed);
  }
  const header = c.req.header("authorization");
  if (header === undefined) {
    if (options.optional) return undefined;
    throw unauthorized("Authentication is required: send a bearer access token or sign the request.");
  }
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  if (!match) {
    throw unauthorized("Use 'Authorization: Bearer <token>' (or sign the request with the X-P3-* headers).", {
      error: "invalid_request",
      reason: "malformed_authorization",
    });
  }
  const token = match[1] as string;
  if (options.operatorToken && c.env.OPERATOR_TOKEN && (await sameSecret(token, c.env.OPERATOR_TOKEN))) {
    if (c.env.OPERATOR_TOKEN === DEV_OPERATOR_TOKEN && !clientAddressOf(c).loopback) {
      throw invalidToken(`The operator token ${LOOPBACK_ONLY}.`, "development_credential");
    }
    return { account: OPERATOR_ACCOUNT, scopes: ["admin"], via: "operator_token" };
  }
  // A token this isolate already verified as ours needs no decoding to know its issuer.
  if (methods.has("access_token") && isVerifiedAccessToken(token)) return verifyOurs(c, token);
  let issuer: unknown;
  let expiry: unknown;
  try {
    ({ iss: issuer, exp: expiry } = decodeJwt(token));
  } catch {
    throw invalidToken("The bearer token is not a JWT we can read.", "malformed_token");
  }
  const config = authConfig(c.env);
  if (issuer === config.issuer && methods.has("access_token")) return verifyOurs(c, token);
  if (methods.has("oidc")) {
    let oidc: ReturnType<typeof oidcConfig>;
    try {
      oidc = oidcConfig(c.env);
    } catch (err) {
      throw problemException("auth_not_configured", (err as Error).message);
    }
    if (oidc && issuer === oidc.issuer) {
      try {
        const principal = await verifyOidcToken(token, oidc);
        const expiresAt = typeof expiry === "number" ? expiry * 1000 : undefined;
        return { account: principal.account, scopes: principal.scopes, via: "oidc", ...(expiresAt && { expiresAt }) };
      } catch (err) {
        throw invalidToken((err as TokenRejected).message, (err as TokenRejected).reason);
      }
    }
  }
  throw invalidToken("The token's issuer is not trusted here.", "untrusted_issuer");
}

async function verifyOurs(c: Context<AppEnv>, token: string): Promise<AuthContext> {
  const config = authConfig(c.env);
  const keys = await loadSigningKeys(c.env, clientAddressOf(c));
  const now = Date.now();
  let verified: Awaited<ReturnType<typeof verifyAccessTokenOnce>>;
  try {
    verified = await verifyAccessTokenOnce(token, keys, config, now);
  } catch (err) {
    throw invalidToken((err as TokenRejected).message, (err as TokenRejected).reason);
  }
  if (verified.ipAllowlist && !ipAllowed(verified.ipAllowlist, clientIp(c))) {
    throw invalidToken(
      `This token's API key may not be used from ${clientIp(c) ?? "an unknown address"}.`,
      "ip_not_allowed",
    );
  }
  const tokenFamily = {
    account: verified.account,
    family: verified.family,
    keyId: verified.keyId,
    expiresAt: verified.expiresAt * 1000,
  };
  const { revoked, learnedFromAccount } = await checkRevocation(
    tokenFamily,
    {
      // Redis (when configured) knows revocations made anywhere at once; it only ever says "revoked".
      revokedElsewhere: () => revokedInRedis(c.env, tokenFamily),
      account: () =>
        accountStub(c.env.ACCOUNT, verified.account).familyStatus(verified.account, verified.family, verified.keyId),
    },
    config.revocationCacheMs,
    now,
  );
  // Revoked where Redis was not told (an API key's revocation, an outage): tell it now.
  if (learnedFromAccount) publishRevocationsLater(c, [tokenFamily]);
  if (revoked) throw invalidToken("This token's session has been revoked.", "token_revoked");
  return {
    account: verified.account,
    scopes: verified.scopes,
    via: "access_token",
    keyId: verified.keyId,
    family: verified.family,
    expiresAt: tokenFamily.expiresAt,
  };
}

async function verifySigned(c: Context<AppEnv>, h: SignatureHeaders): Promise<AuthContext> {
  const { signatureWindowMs } = authConfig(c.env);
  const now = Date.now();
  const timestamp = Number(h.timestamp);
  if (Math.abs(now - timestamp) > signatureWindowMs) {
    throw signatureRefused(
      `X-P3-Timestamp is ${now - timestamp} ms from the server clock (${now}); the window is ±${signatureWindowMs} ms. Sync your clock (GET /v1/time).`,
      "stale_timestamp",
    );
  }
  const account = accountOfKeyId(h.keyId);
  if (!account) throw signatureRefused("X-P3-Key is not an API key id.", "invalid_credentials");
  const limit = maxBodyBytes(c.env);
  if (Number(c.req.header("content-length") ?? "0") > limit) throw tooLarge(limit);
  // Hono caches the body, so handlers and validators can still read it.
  const body = await c.req.arrayBuffer();
  if (body.byteLength > limit) throw tooLarge(limit);
  const { path, query } = pathAndQuery(c.req.url);
  const payload = signingString({
    timestamp: h.timestamp,
    nonce: h.nonce,
    method: c.req.method,
    path,
    query,
    bodySha256: await sha256Hex(body),
  });
  const result = await accountStub(c.env.ACCOUNT, account).verifySignedRequest(account, {
    key_id: h.keyId,
    ip: clientIp(c),
    nonce: h.nonce,
    payload,
    signature: h.signature,
    nonce_expires_at: Math.max(now, timestamp) + signatureWindowMs + 1_000,
  });
  if (!result.ok) throw signatureRefused(result.message, result.reason);
  return { account, scopes: result.scopes, via: "signature", keyId: result.key_id };
}

function invalidToken(detail: string, reason: string) {
  return unauthorized(detail, { error: "invalid_token", reason });
}

function signatureRefused(detail: string, reason: string) {
  return unauthorized(detail, { error: "invalid_token", reason, scheme: "P3-Signature" });
}

/** Constant-time comparison (of digests, so lengths leak nothing either). */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256Hex(given), sha256Hex(expected)]);
  return sameDigest(a, b);
}
