/**
 * Token routes: `POST /v1/auth/token` (API key + secret, or a JWT assertion
 * signed with the key's Ed25519 private key, or a refresh token), `POST
 * /v1/auth/refresh` (rotation; reuse of a spent token revokes its family),
 * `POST /v1/auth/revoke` (a refresh token, or an access token's family), and
 * the public signing keys at `GET /.well-known/jwks.json` (router `wellKnown`,
 * mounted at the root). A revoked family is also published to Redis (when
 * configured) before the answer, so every isolate refuses its tokens at once.
 */
import type { z } from "@hono/zod-openapi";
import { type Context, Hono } from "hono";
import { decodeJwt } from "jose";
import type { Grant, Refusal } from "../../../durable-objects/account/contract.ts";
import { accountStub } from "../../../durable-objects/account/stub.ts";
import { issueAccessToken, verifyAccessToken } from "../../../shared/auth/access-token.ts";
import { authConfig } from "../../../shared/auth/config.ts";
import { accountOfKeyId, accountOfRefreshToken } from "../../../shared/auth/ids.ts";
import { markRevoked } from "../../../shared/auth/revocation.ts";
import {
  issueToken,
  JWT_BEARER_GRANT,
  refreshToken,
  revokeToken,
  type TokenRequestSchema,
  type TokenResponseSchema,
} from "../auth/contracts.ts";
import { unauthorized } from "../auth/problems.ts";
import { loadSigningKeys, type SigningKeySet } from "../auth/signing-keys.ts";
import { clientAddressOf, clientIp } from "../client-address.ts";
import type { AppEnv } from "../env.ts";
import { createRouter } from "../openapi/router.ts";
import { problemException } from "../problem.ts";
import { publishRevocation } from "../redis/revocation.ts";
import { methodNotAllowed } from "../routing.ts";

export { JWT_BEARER_GRANT };
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

/** Longest accepted lifetime (exp − iat) of a token assertion, seconds. */
const MAX_ASSERTION_LIFETIME_S = 300;

export const auth = createRouter();

auth.openapi(issueToken, async (c) => {
  const body = c.req.valid("json");
  const grantType = body.grant_type ?? (body.refresh_token !== undefined ? "refresh_token" : "api_key");
  if (grantType === "refresh_token") return refresh(c, only(body, "refresh_token", ["refresh_token"]));
  const keys = await loadSigningKeys(c.env, clientAddressOf(c));
  const config = authConfig(c.env);
  const lifetimes = { refresh_ms: config.refreshTtlMs };
  let outcome: Grant | Refusal;
  if (grantType === JWT_BEARER_GRANT) {
    const assertion = only(body, "assertion", ["assertion"]);
    const keyId = assertionIssuer(assertion);
    const account = keyId ? accountOfKeyId(keyId) : undefined;
    if (!keyId || !account) {
      throw unauthorized("The assertion's iss must be an API key id.", {
        error: "invalid_request",
        reason: "invalid_assertion",
      });
    }
    const url = new URL(c.req.url);
    outcome = await accountStub(c.env.ACCOUNT, account).grantWithAssertion(
      account,
      {
        key_id: keyId,
        assertion,
        audiences: [`${url.origin}${url.pathname}`, config.issuer],
        ip: clientIp(c),
        max_lifetime_s: MAX_ASSERTION_LIFETIME_S,
      },
      lifetimes,
    );
  } else {
    const apiKey = only(body, "api_key", ["api_key", "api_secret"]);
    const secret = body.api_secret as string;
    const account = accountOfKeyId(apiKey);
    if (!account) {
      throw unauthorized("Unknown API key or wrong secret.", { error: "invalid_token", reason: "invalid_credentials" });
    }
    outcome = await accountStub(c.env.ACCOUNT, account).grantWithSecret(
      account,
      { key_id: apiKey, secret, ip: clientIp(c) },
      lifetimes,
    );
  }
  if (!outcome.ok) throw unauthorized(outcome.message, { error: "invalid_token", reason: outcome.reason });
  return tokenResponse(c, outcome, keys);
});

auth.openapi(refreshToken, async (c) => refresh(c, c.req.valid("json").refresh_token));

/** RFC 7009 style: 200 whether or not the token was known, so it reveals nothing. */
auth.openapi(revokeToken, async (c) => {
  const { token, token_type_hint } = c.req.valid("json");
  const account = accountOfRefreshToken(token);
  if (account && token_type_hint !== "access_token") {
    const family = await accountStub(c.env.ACCOUNT, account).revokeRefreshToken(account, token);
    if (family) {
      markRevoked({ account, family });
      await publishRevocation(c.env, { account, family });
    }
  } else if (token.split(".").length === 3) {
    const keys = await loadSigningKeys(c.env, clientAddressOf(c));
    const verified = await verifyAccessToken(token, keys, authConfig(c.env)).catch(() => undefined);
    if (verified) {
      await accountStub(c.env.ACCOUNT, verified.account).revokeFamily(verified.account, verified.family);
      markRevoked(verified);
      await publishRevocation(c.env, verified);
    }
  }
  c.header("cache-control", "no-store");
  return c.json({}, 200);
});

/** Public keys that verify our access tokens (mount at the root: `app.route("/", wellKnown)`). */
export const wellKnown = new Hono<AppEnv>();

wellKnown.get("/.well-known/jwks.json", async (c) => {
  const keys = await loadSigningKeys(c.env, clientAddressOf(c));
  c.header("cache-control", "public, max-age=300");
  return c.json(keys.jwks);
});
wellKnown.all("/.well-known/jwks.json", methodNotAllowed(["GET"]));

/** The fields of a grant, or 400 naming what is missing or does not belong. */
function only(
  body: z.infer<typeof TokenRequestSchema>,
  main: keyof typeof body,
  fields: (keyof typeof body)[],
): string {
  const grant = body.grant_type ?? "api_key";
  const missing = fields.filter((f) => body[f] === undefined);
  const extra = (Object.keys(body) as (keyof typeof body)[]).filter((f) => f !== "grant_type" && !fields.includes(f));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      missing.length > 0 ? `needs ${missing.join(", ")}` : "",
      extra.length > 0 ? `does not take ${extra.join(", ")}` : "",
    ].filter(Boolean);
    throw problemException("invalid_request", `Invalid body: grant_type ${grant} ${parts.join(" and ")}.`);
  }
  return body[main] as string;
}

async function refresh(c: Context<AppEnv>, token: string) {
  const keys = await loadSigningKeys(c.env, clientAddressOf(c));
  const config = authConfig(c.env);
  const account = accountOfRefreshToken(token);
  if (!account) throw invalidGrant("Unknown refresh token.", "refresh_token_unknown");
  const outcome = await accountStub(c.env.ACCOUNT, account).refresh(
    account,
    { token, ip: clientIp(c) },
    { refresh_ms: config.refreshTtlMs },
  );
  if (!outcome.ok) {
    if (outcome.revoked_family) {
      const revoked = { account, family: outcome.revoked_family };
      markRevoked(revoked);
      await publishRevocation(c.env, revoked);
    }
    throw invalidGrant(outcome.message, outcome.reason);
  }
  return tokenResponse(c, outcome, keys);
}

/** Signs the access token of a grant; the keys are loaded before the grant so a misconfiguration costs nothing. */
async function tokenResponse(c: Context<AppEnv>, grant: Grant, keys: SigningKeySet) {
  const now = Date.now();
  const access = await issueAccessToken(grant, keys, authConfig(c.env), now);
  c.header("cache-control", "no-store");
  c.header("pragma", "no-cache");
  const body: TokenResponse = {
    access_token: access.token,
    token_type: "Bearer",
    expires_in: access.expiresIn,
    scope: grant.scopes.join(" "),
    refresh_token: grant.refresh_token,
    refresh_token_expires_in: Math.max(0, Math.floor((grant.refresh_expires_at - now) / 1000)),
    account_id: grant.account,
    api_key_id: grant.key_id,
  };
  return c.json(body, 200);
}

function invalidGrant(detail: string, reason: string) {
  return problemException("invalid_grant", detail, { extensions: { reason } });
}

function assertionIssuer(assertion: string): string | undefined {
  try {
    const iss = decodeJwt(assertion).iss;
    return typeof iss === "string" ? iss : undefined;
  } catch {
    return undefined;
  }
}
