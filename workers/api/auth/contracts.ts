/**
 * Route contracts of authentication and accounts (`defineRoute`: OpenAPI
 * operation + scope + route class). Bodies are validated here for shape; the
 * handlers check what depends on the caller (scopes) or on combinations
 * (grant types). Pure: no runtime bindings.
 */
import { z } from "@hono/zod-openapi";
import { ACCOUNT_ID } from "../../../shared/auth/id-format.ts";
import { invalidAllowlistEntries } from "../../../shared/auth/ip.ts";
import { SCOPES } from "../auth-context.ts";
import { defineRoute } from "../openapi/define.ts";
import { json, problems } from "../openapi/schemas.ts";

export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

const EXPIRY_FORMAT = "expires_at must be an RFC 3339 time or epoch milliseconds";

const body = <S extends z.ZodType>(schema: S) => ({ required: true, content: { "application/json": { schema } } });

// ── schemas ────────────────────────────────────────────────────────────────

export const ScopeSchema = z
  .enum(SCOPES, { message: `each scope must be one of ${SCOPES.join(", ")}` })
  .openapi("Scope", {
    description: "read: own data and market data; trade: orders; transfer: funds; admin: operator.",
  });

export const TokenRequestSchema = z
  .object({
    grant_type: z
      .enum(["api_key", "refresh_token", JWT_BEARER_GRANT])
      .optional()
      .openapi({ description: "Default `api_key` (with api_key + api_secret)." }),
    api_key: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ example: "k_acct-1f2e3d4c5b6a7980_0123456789abcdef01234567" }),
    api_secret: z.string().min(1).max(200).optional(),
    assertion: z
      .string()
      .min(1)
      .max(8192)
      .optional()
      .openapi({ description: "jwt-bearer: a JWT signed with the key's Ed25519 private key (iss = sub = key id)." }),
    refresh_token: z.string().min(1).max(200).optional(),
  })
  .strict()
  .openapi("TokenRequest");

export const TokenResponseSchema = z
  .object({
    access_token: z.string().openapi({ description: "EdDSA/ES256 JWT (typ at+jwt), 5–15 minutes." }),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int().openapi({ description: "Seconds.", example: 600 }),
    scope: z.string().openapi({ example: "read trade" }),
    refresh_token: z.string().openapi({ description: "Opaque, single use: each refresh returns a new one." }),
    refresh_token_expires_in: z.number().int().openapi({ description: "Seconds." }),
    account_id: z.string(),
    api_key_id: z.string(),
  })
  .openapi("TokenResponse");

export const RefreshRequestSchema = z
  .object({ refresh_token: z.string().min(1).max(200) })
  .strict()
  .openapi("RefreshRequest");

export const RevokeRequestSchema = z
  .object({
    token: z.string().min(1).max(8192).openapi({ description: "A refresh token, or an access token (its family)." }),
    token_type_hint: z.enum(["refresh_token", "access_token"]).optional(),
  })
  .strict()
  .openapi("RevokeRequest");

export const NewApiKeySchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    scopes: z
      .array(ScopeSchema)
      .min(1, { message: "give at least one scope" })
      .max(SCOPES.length * 2)
      .openapi({ description: "A subset of the caller's scopes." }),
    ip_allowlist: z
      .array(z.string().trim().min(1).max(64))
      .max(100)
      .optional()
      .superRefine((list, ctx) => {
        const bad = invalidAllowlistEntries(list ?? []);
        if (bad.length > 0)
          ctx.addIssue({ code: "custom", message: `not an IP address or CIDR block: ${bad.join(", ")}` });
      })
      .openapi({
        description: "IPv4/IPv6 addresses or CIDR blocks; checked against CF-Connecting-IP.",
        example: ["203.0.113.0/24"],
      }),
    expires_at: z
      .union([z.iso.datetime({ offset: true, message: EXPIRY_FORMAT }), z.number().int().positive()], {
        message: EXPIRY_FORMAT,
      })
      .optional()
      .openapi({ description: "RFC 3339 or epoch ms; at most five years away." }),
    public_key: z
      .union([z.string().max(1000), z.looseObject({})], {
        message: "public_key must be an Ed25519 JWK, raw base64url or SPKI PEM",
      })
      .optional()
      .openapi({ description: "Makes an Ed25519 key: JWK, raw 32 bytes base64url, or SPKI PEM. No secret is issued." }),
  })
  .strict()
  .openapi("NewApiKey");

export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: "k_acct-1f2e3d4c5b6a7980_0123456789abcdef01234567" }),
    name: z.string().nullable(),
    kind: z.enum(["secret", "ed25519"]),
    scopes: z.array(ScopeSchema),
    ip_allowlist: z.array(z.string()).nullable(),
    expires_at: z.string().nullable(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    status: z.enum(["active", "expired"]),
  })
  .openapi("ApiKey");

export const CreatedApiKeySchema = ApiKeySchema.extend({
  secret: z.string().optional().openapi({ description: "Secret keys only: shown once, never stored." }),
}).openapi("CreatedApiKey");

export const MeSchema = z
  .object({
    account_id: z.string(),
    name: z.string().nullable(),
    created_at: z.string().nullable(),
    scopes: z.array(ScopeSchema),
    via: z.enum(["access_token", "oidc", "signature", "operator_token"]),
    api_key_id: z.string().nullable(),
  })
  .openapi("Me");

export const NewAccountSchema = z
  .object({
    account_id: z
      .string()
      .regex(ACCOUNT_ID, { message: "account_id: letters, digits, '.' and '-' (no '_'), 1 to 64 characters" })
      .optional()
      .openapi({ description: "Generated (acct-…) when absent." }),
    name: z.string().trim().min(1).max(200).optional(),
    api_key: NewApiKeySchema.optional().openapi({ description: "The first key; default scopes read, trade." }),
  })
  .strict()
  .openapi("NewAccount");

export const CreatedAccountSchema = z
  .object({
    ok: z.literal(true),
    account: z.object({ account_id: z.string(), name: z.string().nullable(), created_at: z.string() }),
    api_key: CreatedApiKeySchema,
  })
  .openapi("CreatedAccount");

export const KeyIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "id", in: "path" }, description: "API key id." }),
});

// ── operations ─────────────────────────────────────────────────────────────

const authTags = ["auth"];
const accountTags = ["accounts"];

export const issueToken = defineRoute({
  method: "post",
  path: "/auth/token",
  operationId: "issueToken",
  tags: authTags,
  summary: "Exchange API credentials for tokens",
  description:
    "`{api_key, api_secret}`, or `{grant_type: jwt-bearer, assertion}` for Ed25519 keys, or `{grant_type: refresh_token, refresh_token}`. " +
    "Returns a short-lived access token and a single-use refresh token.",
  scope: "public",
  routeClass: "auth",
  request: { body: body(TokenRequestSchema) },
  responses: { 200: json(TokenResponseSchema, "Tokens."), ...problems(400, 401, 413, 415, 503) },
});

export const refreshToken = defineRoute({
  method: "post",
  path: "/auth/refresh",
  operationId: "refreshToken",
  tags: authTags,
  summary: "Rotate a refresh token",
  description:
    "Returns a new access token and a new refresh token; the old one is spent. Presenting a spent refresh token again revokes the whole session (400 invalid_grant, reason refresh_token_reused).",
  scope: "public",
  routeClass: "auth",
  request: { body: body(RefreshRequestSchema) },
  responses: { 200: json(TokenResponseSchema, "Tokens."), ...problems(400, 413, 415, 503) },
});

export const revokeToken = defineRoute({
  method: "post",
  path: "/auth/revoke",
  operationId: "revokeToken",
  tags: authTags,
  summary: "Revoke a session",
  description:
    "Revokes the refresh family of a refresh token or of an access token. 200 whether or not the token was known.",
  scope: "public",
  routeClass: "auth",
  request: { body: body(RevokeRequestSchema) },
  responses: { 200: json(z.object({}).openapi("Revoked"), "Done."), ...problems(400, 413, 415) },
});

export const getMe = defineRoute({
  method: "get",
  path: "/accounts/me",
  operationId: "getMe",
  tags: accountTags,
  summary: "The caller's account and credential",
  scope: "read",
  routeClass: "account",
  responses: { 200: json(MeSchema, "The caller."), ...problems(401, 403) },
});

export const listApiKeys = defineRoute({
  method: "get",
  path: "/accounts/me/api-keys",
  operationId: "listApiKeys",
  tags: accountTags,
  summary: "The account's API keys (never secrets)",
  scope: "read",
  routeClass: "account",
  responses: {
    200: json(z.object({ api_keys: z.array(ApiKeySchema) }).openapi("ApiKeys"), "Keys."),
    ...problems(401, 403),
  },
});

export const createApiKey = defineRoute({
  method: "post",
  path: "/accounts/me/api-keys",
  operationId: "createApiKey",
  tags: accountTags,
  summary: "Create an API key",
  description:
    "Scopes must be among the caller's (403 missing_scope). An account has at most MAX_API_KEYS_PER_ACCOUNT (default 20) live keys, revoked and expired ones not counted (409 api_key_limit). A secret key's secret is in this response only; an Ed25519 key (public_key) has none.",
  scope: "read",
  routeClass: "account",
  request: { body: body(NewApiKeySchema) },
  responses: { 201: json(CreatedApiKeySchema, "Created."), ...problems(400, 401, 403, 409, 413, 415) },
});

export const revokeApiKey = defineRoute({
  method: "delete",
  path: "/accounts/me/api-keys/{id}",
  operationId: "revokeApiKey",
  tags: accountTags,
  summary: "Revoke an API key and its sessions",
  description: "Needs every scope the key has. Another account's key id is 404.",
  scope: "read",
  routeClass: "account",
  request: { params: KeyIdParams },
  responses: { 204: { description: "Revoked." }, ...problems(401, 403, 404) },
});

export const createAccount = defineRoute({
  method: "post",
  path: "/admin/accounts",
  operationId: "createAccount",
  tags: ["operator"],
  summary: "Create an account and its first API key",
  description: "Admin scope, or `Bearer $OPERATOR_TOKEN` (break-glass, for the first admin).",
  scope: "admin",
  routeClass: "admin",
  request: { body: body(NewAccountSchema) },
  responses: {
    201: json(CreatedAccountSchema, "Created; the secret is shown once."),
    ...problems(400, 401, 403, 409, 413, 415),
  },
});

const AccountKeyParams = z.object({
  account: z
    .string()
    .regex(ACCOUNT_ID, { message: "account: letters, digits, '.' and '-', 1 to 64 characters" })
    .openapi({ param: { name: "account", in: "path" }, example: "alice", description: "Account id." }),
});

export const issueAccountApiKey = defineRoute({
  method: "post",
  path: "/admin/accounts/{account}/api-keys",
  operationId: "issueAccountApiKey",
  tags: ["operator"],
  summary: "Issue an API key for an existing account",
  description:
    "For support and for the web terminal's demo sign-in in development: the same body and limits as `POST /v1/accounts/me/api-keys` (409 api_key_limit), any scopes but `admin`. 404 account_not_found when the account was never created. Admin scope, or `Bearer $OPERATOR_TOKEN`.",
  scope: "admin",
  routeClass: "admin",
  request: { params: AccountKeyParams, body: body(NewApiKeySchema) },
  responses: {
    201: json(CreatedApiKeySchema, "Created; the secret is shown once."),
    ...problems(400, 401, 403, 404, 409, 413, 415),
  },
});

/** Every operation above, paths relative to /v1 (for the OpenAPI document's contract list). */
export const AUTH_CONTRACTS = [
  issueToken,
  refreshToken,
  revokeToken,
  getMe,
  listApiKeys,
  createApiKey,
  revokeApiKey,
  createAccount,
  issueAccountApiKey,
] as const;
