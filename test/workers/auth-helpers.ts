/**
 * Test harness of the auth tests: a small Hono app with the auth routers and
 * middleware mounted as the API mounts them, run against the real bindings
 * (`app.request(path, init, env)`), and client-side helpers to get tokens and
 * sign requests.
 */
import { env } from "cloudflare:workers";
import { OpenAPIHono } from "@hono/zod-openapi";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { type SigningParts, signingString } from "../../workers/api/auth/signature.ts";
import type { Scope } from "../../workers/api/auth-context.ts";
import type { AppEnv, Env } from "../../workers/api/env.ts";
import { authenticate, authorizeRoute, requireScope } from "../../workers/api/middleware/auth/index.ts";
import { validationHook } from "../../workers/api/openapi/router.ts";
import { problem } from "../../workers/api/problem.ts";
import { accounts, adminAccounts } from "../../workers/api/routes/accounts.ts";
import { auth, type TokenResponse, wellKnown } from "../../workers/api/routes/auth.ts";
import { declaredRoutes, notFoundOrMethodNotAllowed, RouteTable } from "../../workers/api/routing.ts";

export const OPERATOR = "Bearer test-operator-token";
export const JSON_HEADERS = { "content-type": "application/json" };

/**
 * The auth routers mounted as in the API app (declared routes, app-wide
 * `authorizeRoute()`, 404/405 from the table), plus probe routes
 * behind the middleware.
 */
export function authApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  let table: RouteTable | undefined;
  const routes = () => {
    table ??= RouteTable.fromDefinitions(app.openAPIRegistry.definitions);
    return table;
  };
  app.use("*", declaredRoutes(routes));
  app.use("*", authorizeRoute({ operatorToken: true }));
  app.route("/", wellKnown);
  app.route("/v1", auth);
  app.route("/v1", adminAccounts);
  app.route("/v1", accounts);
  const probe = new Hono<AppEnv>();
  probe.use("*", authenticate());
  probe.get("/whoami", (c) => c.json(c.get("auth")));
  probe.all("/trade", requireScope("trade"), async (c) =>
    c.json({ auth: c.get("auth"), body: await c.req.text(), query: c.req.query() }),
  );
  probe.post("/transfer", requireScope("transfer"), (c) => c.json({ ok: true }));
  app.route("/v1/probe", probe);
  // Public probe: anonymous callers pass, valid credentials are recognised.
  app.get("/v1/public-probe", (c) => c.json({ auth: c.get("auth") ?? null }));
  app.notFound(notFoundOrMethodNotAllowed(routes));
  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      if (err.res) return err.getResponse();
      if (err.status === 400) return problem(c, "bad_request", "The body is not valid JSON.");
      if (err.status === 415) return problem(c, "unsupported_media_type", "Send the body as application/json.");
    }
    console.error(err);
    return problem(c, "internal_error", String(err));
  });
  return app;
}

const app = authApp();

/** Sends a request through the test app with the real bindings, optionally overriding vars. */
export function call(path: string, init: RequestInit = {}, vars: Partial<Env> = {}): Promise<Response> {
  return Promise.resolve(app.request(`http://platform3.test${path}`, init, { ...env, ...vars }));
}

export function postJson(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  vars: Partial<Env> = {},
): Promise<Response> {
  return call(path, { method: "POST", headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) }, vars);
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export interface CreatedAccount {
  account: string;
  keyId: string;
  secret: string;
}

let counter = 0;

/** A fresh account id unique to this test run. */
export function uniqueAccount(prefix = "t"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Creates an account and its first (secret) key through the operator bootstrap route. */
export async function createAccount(
  scopes: Scope[] = ["read", "trade"],
  key: Record<string, unknown> = {},
): Promise<CreatedAccount> {
  const account = uniqueAccount();
  const res = await postJson(
    "/v1/admin/accounts",
    { account_id: account, api_key: { scopes, ...key } },
    { authorization: OPERATOR },
  );
  if (res.status !== 201) throw new Error(`createAccount: ${res.status} ${await res.text()}`);
  const body = await res.json<{ api_key: { id: string; secret: string } }>();
  return { account, keyId: body.api_key.id, secret: body.api_key.secret };
}

/** Exchanges a key and secret for tokens (throws unless 200). */
export async function tokenFor(
  keyId: string,
  secret: string,
  headers: Record<string, string> = {},
  vars: Partial<Env> = {},
): Promise<TokenResponse> {
  const res = await postJson("/v1/auth/token", { api_key: keyId, api_secret: secret }, headers, vars);
  if (res.status !== 200) throw new Error(`tokenFor: ${res.status} ${await res.text()}`);
  return res.json<TokenResponse>();
}

export async function expectProblem(
  res: Response,
  status: number,
  code: string,
  reason?: string,
): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status} ${code}, got ${res.status}: ${text}`);
  if (!/^application\/problem\+json/.test(res.headers.get("content-type") ?? "")) {
    throw new Error(`expected problem+json, got ${res.headers.get("content-type")}`);
  }
  const body = JSON.parse(text) as Record<string, unknown>;
  if (body.code !== code) throw new Error(`expected code ${code}, got ${text}`);
  if (reason !== undefined && body.reason !== reason) throw new Error(`expected reason ${reason}, got ${text}`);
  return body;
}

// ── client side of signed requests ─────────────────────────────────────────

const encoder = new TextEncoder();

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", typeof data === "string" ? encoder.encode(data) : data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function hexBytes(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** What a client computes and signs: HMAC key = SHA-256(secret). */
export async function hmacSign(secret: string, payload: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    hexBytes(await sha256Hex(secret)),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(payload));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function ed25519Sign(privateKey: CryptoKey, payload: string): Promise<string> {
  const sig = new Uint8Array(await crypto.subtle.sign("Ed25519", privateKey, encoder.encode(payload)));
  let bin = "";
  for (const b of sig) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function newNonce(): string {
  return crypto.randomUUID().replace(/-/g, "");
}

export interface SignOptions {
  method?: string;
  body?: string;
  timestamp?: number;
  nonce?: string;
  /** Signs with this instead of the secret (Ed25519 keys). */
  privateKey?: CryptoKey;
  /** Sign these parts instead of the request's own (to tamper). */
  override?: Partial<SigningParts>;
}

/** Builds the headers of a signed request to `url` (path + query). */
export async function signedHeaders(
  keyId: string,
  secret: string,
  url: string,
  options: SignOptions = {},
): Promise<Record<string, string>> {
  const u = new URL(url, "http://platform3.test");
  const timestamp = String(options.timestamp ?? Date.now());
  const nonce = options.nonce ?? newNonce();
  const parts: SigningParts = {
    timestamp,
    nonce,
    method: options.method ?? "GET",
    path: u.pathname,
    query: u.search.slice(1),
    bodySha256: await sha256Hex(options.body ?? ""),
    ...options.override,
  };
  const payload = signingString(parts);
  const signature = options.privateKey
    ? await ed25519Sign(options.privateKey, payload)
    : await hmacSign(secret, payload);
  return { "x-p3-key": keyId, "x-p3-timestamp": timestamp, "x-p3-nonce": nonce, "x-p3-signature": signature };
}
