/**
 * Accounts and their API keys.
 *
 * `accounts` (mount at /v1): the caller's own account — `GET /accounts/me`,
 * `GET|POST /accounts/me/api-keys`, `DELETE /accounts/me/api-keys/{id}`. A new
 * key's scopes must be among the caller's, and an account has at most
 * `MAX_API_KEYS_PER_ACCOUNT` live keys (409 `api_key_limit`); revoking a key needs
 * every scope it has. Another account's key id answers 404, never 403.
 *
 * `adminAccounts` (mount at /v1): `POST /admin/accounts` creates an account and
 * its first key, and `POST /admin/accounts/{account}/api-keys` issues another key for an
 * existing account (never one with `admin`); `admin` scope, or `Bearer $OPERATOR_TOKEN` as break-glass.
 *
 * Both routers authenticate by themselves (idempotently, so an app-wide
 * `authenticate()` in front costs nothing twice).
 */
import type { z } from "@hono/zod-openapi";
import type { NewKey } from "../../../durable-objects/account/contract.ts";
import { accountStub } from "../../../durable-objects/account/stub.ts";
import { parseEd25519PublicKey } from "../../../shared/auth/crypto.ts";
import { accountOfKeyId, newAccountId } from "../../../shared/auth/ids.ts";
import { markRevoked } from "../../../shared/auth/revocation.ts";
import {
  createAccount,
  createApiKey,
  getMe,
  issueAccountApiKey,
  listApiKeys,
  type NewApiKeySchema,
  revokeApiKey,
} from "../auth/contracts.ts";
import { missingScope } from "../auth/problems.ts";
import { SCOPES, type Scope } from "../auth-context.ts";
import { authenticate, callerOf, requireScope } from "../middleware/auth/index.ts";
import { createRouter } from "../openapi/router.ts";
import { problemException } from "../problem.ts";

/** Longest key lifetime: five years. */
const MAX_KEY_LIFETIME_MS = 5 * 365 * 86_400_000;

export const accounts = createRouter();

// Exact methods and paths: routes other routers add under /accounts/me keep their own scopes,
// and a wrong method still reaches the app's 405 instead of a 401.
const GUARDED = [
  ["GET", "/accounts/me"],
  ["GET", "/accounts/me/api-keys"],
  ["POST", "/accounts/me/api-keys"],
  ["DELETE", "/accounts/me/api-keys/:id"],
] as const;
for (const [method, path] of GUARDED) accounts.on(method, path, authenticate(), requireScope("read"));

accounts.openapi(getMe, async (c) => {
  const caller = callerOf(c);
  const info = await accountStub(c.env.ACCOUNT, caller.account).describe(caller.account);
  return c.json(
    {
      account_id: caller.account,
      name: info?.name ?? null,
      created_at: info?.created_at ?? null,
      scopes: [...caller.scopes],
      via: caller.via,
      api_key_id: caller.keyId ?? null,
    },
    200,
  );
});

accounts.openapi(listApiKeys, async (c) => {
  const caller = callerOf(c);
  const keys = await accountStub(c.env.ACCOUNT, caller.account).listKeys(caller.account);
  return c.json({ api_keys: keys }, 200);
});

accounts.openapi(createApiKey, async (c) => {
  const caller = callerOf(c);
  const input = await newKeyInput(c.req.valid("json"));
  const beyond = input.scopes.find((s) => !caller.scopes.includes(s));
  if (beyond) throw missingScope(beyond, `A new key's scopes must be among yours; you lack '${beyond}'.`);
  const key = await accountStub(c.env.ACCOUNT, caller.account).createKey(caller.account, input);
  if ("ok" in key) throw problemException("api_key_limit", key.message, { extensions: { limit: key.limit } });
  c.header("cache-control", "no-store");
  return c.json(key, 201);
});

accounts.openapi(revokeApiKey, async (c) => {
  const caller = callerOf(c);
  const { id } = c.req.valid("param");
  const notFound = () => problemException("api_key_not_found", `No API key ${id}.`);
  // Another account's key id is simply not found here.
  if (accountOfKeyId(id) !== caller.account) throw notFound();
  const result = await accountStub(c.env.ACCOUNT, caller.account).revokeKey(caller.account, id, caller.scopes);
  if (!result.ok) throw result.code === "missing_scope" ? missingScope(result.scope, result.message) : notFound();
  // This isolate refuses the key's access tokens at once; others within AUTH_REVOCATION_CACHE_MS.
  for (const family of result.families) markRevoked({ account: caller.account, family });
  return c.body(null, 204);
});

export const adminAccounts = createRouter();

for (const path of ["/admin/accounts", "/admin/accounts/:account/api-keys"])
  adminAccounts.on("POST", path, authenticate({ operatorToken: true }), requireScope("admin"));

adminAccounts.openapi(createAccount, async (c) => {
  const body = c.req.valid("json");
  const account = body.account_id ?? newAccountId();
  const key = await newKeyInput(body.api_key ?? { scopes: ["read", "trade"] });
  const result = await accountStub(c.env.ACCOUNT, account).createAccount(account, { name: body.name, key });
  if (!result.ok) throw problemException("account_exists", result.message);
  c.header("cache-control", "no-store");
  return c.json(result, 201);
});

adminAccounts.openapi(issueAccountApiKey, async (c) => {
  const { account } = c.req.valid("param");
  const input = await newKeyInput(c.req.valid("json"));
  // An operator hands out trading keys; `admin` stays with the operator's own credentials.
  if (input.scopes.includes("admin"))
    throw problemException("invalid_request", "An issued key cannot carry the admin scope.");
  const stub = accountStub(c.env.ACCOUNT, account);
  if (!(await stub.describe(account))) throw problemException("account_not_found", `No account ${account}.`);
  const key = await stub.createKey(account, input);
  if ("ok" in key) throw problemException("api_key_limit", key.message, { extensions: { limit: key.limit } });
  c.header("cache-control", "no-store");
  return c.json(key, 201);
});

/** Normalizes a validated new-key body: known scopes once each, expiry in epoch ms, the public key as a JWK. */
async function newKeyInput(body: z.infer<typeof NewApiKeySchema>): Promise<NewKey> {
  const now = Date.now();
  const expiresAt =
    body.expires_at === undefined
      ? undefined
      : typeof body.expires_at === "number"
        ? body.expires_at
        : Date.parse(body.expires_at);
  if (expiresAt !== undefined && (expiresAt <= now || expiresAt > now + MAX_KEY_LIFETIME_MS)) {
    throw problemException("invalid_request", "expires_at must be in the future and at most five years away.");
  }
  let publicKey: NewKey["public_key"];
  if (body.public_key !== undefined) {
    try {
      publicKey = await parseEd25519PublicKey(body.public_key);
    } catch (err) {
      throw problemException("invalid_request", (err as Error).message);
    }
  }
  const scopes: Scope[] = body.scopes;
  return {
    name: body.name,
    scopes: SCOPES.filter((s) => scopes.includes(s)),
    ip_allowlist: body.ip_allowlist?.length ? body.ip_allowlist : undefined,
    expires_at: expiresAt,
    public_key: publicKey,
  };
}
