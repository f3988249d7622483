/**
 * The SDK's REST client against the Worker and its objects in workerd (bench/runtime.ts,
 * Miniflare on a loopback port), as a trader's program reaches them: tokens from a key and
 * secret (placing, amending, cancelling and reading back an order; refresh across expiry with
 * rotation; a server-side `token_expired` recovered), HMAC and Ed25519 signed requests (with the
 * clock corrected from `GET /v1/time`), the safe retry of a mutation whose answer was lost (found
 * by its Idempotency-Key, never doubled), and refusals as typed errors. A last group drives the
 * transport with a scripted fetch for what the runtime will not do on demand (a request still in
 * progress, Retry-After, bounded attempts).
 */
import { generateKeyPairSync, type webcrypto } from "node:crypto";
import { decodeJwt, importJWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listInstrument, SYMBOL } from "../../bench/orders/setup.ts";
import { CLIENT_HEADERS, startServer, stopServer } from "../../bench/runtime.ts";
import {
  AuthenticationError,
  ConflictError,
  createRestClient,
  InvalidRequestError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  type RequestSigner,
  type RestClient,
  type RestClientOptions,
  STORED_OUTCOME_HEADER,
  TokenSession,
  TransportError,
  UnavailableError,
} from "../../sdk/src/index.ts";

/** The run's access-token signing key: the test can mint an expired copy of a real token with it. */
const SIGNING_JWK = {
  ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }),
  kid: "sdk-test",
  alg: "EdDSA",
};
/** Small enough that a test can spend an account's order budget with one batch (20 orders per 10 s). */
const RATE_LIMITS = { authAttempts: { limit: 1000, window: "1m" }, accountOrders: { limit: 20, window: "10s" } };
const RUN = Date.now().toString(36);

let base: string;
let admin: RestClient;
let accountNo = 0;

beforeAll(async () => {
  const server = await startServer({
    runtime: "miniflare",
    label: "sdk-rest",
    vars: {
      JWT_SIGNING_KEYS: JSON.stringify([SIGNING_JWK]),
      // Every request checks its token's family, so a revocation is seen at once.
      AUTH_REVOCATION_CACHE_MS: "0",
      RATE_LIMITS: JSON.stringify(RATE_LIMITS),
    },
  });
  base = server.base;
  await listInstrument(base, SYMBOL);
  // The operator through the SDK itself: a bearer token (the development one, from loopback).
  admin = createRestClient({
    baseUrl: base,
    headers: CLIENT_HEADERS,
    auth: { type: "bearer", token: "dev-operator-token" },
  });
}, 240_000);

afterAll(() => stopServer());

interface Account {
  id: string;
  keyId: string;
  secret: string;
  /** Its own client address (`cf-connecting-ip`, as Cloudflare's edge sets it). */
  headers: Record<string, string>;
}

/** A funded account with a read+trade secret key. */
async function newAccount(prefix: string): Promise<Account> {
  const n = ++accountNo;
  const id = `sdk-${prefix}-${RUN}-${n}`;
  const { data } = await admin.api.POST("/v1/admin/accounts", {
    body: { account_id: id, name: id, api_key: { name: "sdk", scopes: ["read", "trade"] } },
  });
  for (const [asset, amount] of [
    ["USD", "1000000"],
    ["BENCH", "10000"],
  ]) {
    await admin.api.POST("/v1/admin/accounts/{account}/deposits", {
      params: { path: { account: id } },
      body: { asset: asset as string, amount: amount as string, reference: `sdk-${id}-${asset}` },
    });
  }
  const key = data?.api_key as { id: string; secret?: string };
  return {
    id,
    keyId: key.id,
    secret: key.secret as string,
    headers: { "cf-connecting-ip": `10.88.${n >> 8}.${n & 255}` },
  };
}

interface Seen {
  method: string;
  path: string;
  headers: Headers;
  status?: number;
  body?: string;
  /** The answer's Retry-After. */
  retryAfter?: string | null;
}

/** A fetch that records every request (and its answer's status and body) before handing it to the real one. */
function recordingFetch(
  seen: Seen[],
  intercept?: (req: Request, real: () => Promise<Response>) => Promise<Response>,
): typeof fetch {
  return async (input, init) => {
    const req = new Request(input, init);
    const entry: Seen = { method: req.method, path: new URL(req.url).pathname, headers: new Headers(req.headers) };
    seen.push(entry);
    const real = () => fetch(req.clone());
    const res = await (intercept ? intercept(req, real) : real());
    entry.status = res.status;
    entry.body = await res.clone().text();
    entry.retryAfter = res.headers.get("retry-after");
    return res;
  };
}

function tokenClient(account: Account, extra: Partial<RestClientOptions> = {}): RestClient {
  return createRestClient({
    baseUrl: base,
    headers: account.headers,
    auth: { type: "api_key", apiKey: account.keyId, apiSecret: account.secret },
    ...extra,
  });
}

const order = (price: string, size: string, side: "buy" | "sell" = "buy") => ({
  instrument: SYMBOL,
  side,
  type: "limit" as const,
  price,
  size,
});

async function refusal(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  throw new Error("the call succeeded");
}

describe("token auth (API key and secret)", () => {
  it("places, amends, cancels an order and reads it back, each mutation under its own Idempotency-Key", async () => {
    const account = await newAccount("life");
    const seen: Seen[] = [];
    const client = tokenClient(account, { fetch: recordingFetch(seen) });
    const clientOrderId = `life-${RUN}`;

    const placed = await client.placeOrder({ ...order("95.00", "3"), client_order_id: clientOrderId });
    expect(placed.replayed).toBe(false);
    expect(placed.order).toMatchObject({ client_order_id: clientOrderId, status: "new", size: "3", price: "95.00" });
    const id = placed.order.order_id;

    const amended = await client.amendOrder(id, { size: "2" });
    expect(amended.order).toMatchObject({ order_id: id, size: "2", status: "new" });
    expect(await client.getOrder(id)).toMatchObject({ order_id: id, size: "2", remaining_size: "2" });
    expect((await client.getOrder({ clientOrderId })).order_id).toBe(id);
    const open = await client.listOrders({ status: "open", instrument: SYMBOL });
    expect(open.orders.map((o) => o.order_id)).toEqual([id]);
    const usd = (await client.balances()).balances.find((b) => b.asset === "USD");
    expect(Number(usd?.hold)).toBeGreaterThan(0);

    const cancelled = await client.cancelOrder(id);
    expect(cancelled.order).toMatchObject({ order_id: id, status: "cancelled", done_reason: "user" });
    expect((await client.getOrder(id)).status).toBe("cancelled");
    expect((await client.listOrders({ status: "open" })).orders).toEqual([]);
    expect((await client.balances()).balances.find((b) => b.asset === "USD")?.hold).toBe("0.00000000");

    // One token exchange for the whole session; every call carried the bearer token.
    const calls = seen.filter((s) => s.path.startsWith("/v1/") && !s.path.startsWith("/v1/auth/"));
    expect(seen.filter((s) => s.path === "/v1/auth/token")).toHaveLength(1);
    for (const c of calls) expect(c.headers.get("authorization")).toMatch(/^Bearer ey/);
    // Mutations carry a generated key, distinct per request; reads none.
    const mutations = calls.filter((c) => c.method !== "GET");
    expect(mutations.map((m) => `${m.method} ${m.path}`)).toEqual([
      "POST /v1/orders",
      `PATCH /v1/orders/${id}`,
      `DELETE /v1/orders/${id}`,
    ]);
    const keys = mutations.map((m) => m.headers.get("idempotency-key"));
    for (const k of keys) expect(k).toMatch(/^sdk-[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(3);
    for (const c of calls.filter((c) => c.method === "GET")) expect(c.headers.get("idempotency-key")).toBeNull();
    // …and the API recorded the placement under its key.
    const outcome = await client.requestOutcome(keys[0] as string);
    expect(outcome).toMatchObject({ key: keys[0], in_progress: false, operation: "place", status: 201 });
    expect((outcome.response as { order: { order_id: string } }).order.order_id).toBe(id);
  });

  it("renews the token when the client's clock passes its expiry: one refresh for concurrent calls, the refresh token rotated", async () => {
    const account = await newAccount("refresh");
    const seen: Seen[] = [];
    let skew = 0;
    const client = tokenClient(account, { fetch: recordingFetch(seen), now: () => Date.now() + skew });
    const session = client.auth as TokenSession;
    expect(session).toBeInstanceOf(TokenSession);
    const count = (path: string) => seen.filter((s) => s.path === path).length;

    await client.balances();
    const first = session.tokens();
    expect(first.accessToken).toBeDefined();
    expect(first.refreshToken).toMatch(/^r_/);
    expect(count("/v1/auth/token")).toBe(1);

    // Still valid on the client's clock: no renewal.
    skew = 60_000;
    await client.balances();
    expect(count("/v1/auth/refresh")).toBe(0);

    // Past its expiry (600 s): five concurrent calls share one refresh and all succeed.
    skew = 601_000;
    const results = await Promise.all(Array.from({ length: 5 }, () => client.me()));
    for (const me of results) expect(me).toMatchObject({ account_id: account.id, via: "access_token" });
    expect(count("/v1/auth/refresh")).toBe(1);
    expect(count("/v1/auth/token")).toBe(1);
    const second = session.tokens();
    expect(second.refreshToken).toMatch(/^r_/);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.expiresAt).toBeGreaterThan(Date.now() + skew + 500_000);
    // The calls after the refresh carried the new token.
    const lastMe = seen.filter((s) => s.path === "/v1/accounts/me").at(-1);
    expect(lastMe?.headers.get("authorization")).toBe(`Bearer ${second.accessToken}`);

    // The old refresh token is spent: presenting it again is reuse, which revokes the family…
    const reuse = await fetch(`${base}/v1/auth/refresh`, {
      method: "POST",
      headers: { ...account.headers, "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: first.refreshToken }),
    });
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ code: "invalid_grant", reason: "refresh_token_reused" });

    // …so the current access token is refused (token_revoked), the refresh fails (invalid_grant),
    // and the session starts over with the key and secret: the call still succeeds.
    expect(await client.me()).toMatchObject({ account_id: account.id });
    const revoked = seen.find((s) => s.path === "/v1/accounts/me" && s.status === 401);
    expect(JSON.parse(revoked?.body ?? "{}")).toMatchObject({ code: "unauthorized", reason: "token_revoked" });
    const refreshes = seen.filter((s) => s.path === "/v1/auth/refresh");
    expect(refreshes).toHaveLength(2);
    expect(refreshes[1]?.status).toBe(400);
    expect(count("/v1/auth/token")).toBe(2);
    const third = session.tokens();
    expect(third.refreshToken).not.toBe(second.refreshToken);
    expect(third.accessToken).not.toBe(second.accessToken);
  });

  it("recovers from the server's 401 token_expired with a refresh, and retries the call once", async () => {
    const account = await newAccount("expired");
    const seen: Seen[] = [];
    const key = await importJWK(SIGNING_JWK, "EdDSA");
    let expiredToken = "";
    // The token endpoint's first answer carries a copy of its access token that the server
    // signed…but that expired a minute ago (same claims, same family, same signing key).
    const client = tokenClient(account, {
      fetch: recordingFetch(seen, async (req, real) => {
        const res = await real();
        if (new URL(req.url).pathname !== "/v1/auth/token" || expiredToken) return res;
        const body = (await res.json()) as { access_token: string };
        const now = Math.floor(Date.now() / 1000);
        expiredToken = await new SignJWT({ ...decodeJwt(body.access_token), iat: now - 400, exp: now - 60 })
          .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: SIGNING_JWK.kid })
          .sign(key);
        return Response.json({ ...body, access_token: expiredToken }, { status: res.status });
      }),
    });

    expect(await client.me()).toMatchObject({ account_id: account.id, via: "access_token" });
    const [first, ...rest] = seen.filter((s) => s.path === "/v1/accounts/me");
    expect(first?.headers.get("authorization")).toBe(`Bearer ${expiredToken}`);
    expect(first?.status).toBe(401);
    expect(JSON.parse(first?.body ?? "{}")).toMatchObject({ reason: "token_expired" });
    expect(rest.map((r) => r.status)).toEqual([200]);
    expect(seen.filter((s) => s.path === "/v1/auth/refresh").map((s) => s.status)).toEqual([200]);
    expect(seen.filter((s) => s.path === "/v1/auth/token")).toHaveLength(1);
  });

  it("a wrong secret throws AuthenticationError from the token exchange", async () => {
    const account = await newAccount("badsecret");
    const err = await refusal(() => tokenClient({ ...account, secret: `${account.secret}x` }).balances());
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: "unauthorized", reason: "invalid_credentials" });
  });
});

describe("signed requests", () => {
  it("HMAC-SHA256: places (body), lists (query), reads and cancels with a secret key", async () => {
    const account = await newAccount("hmac");
    const seen: Seen[] = [];
    const client = createRestClient({
      baseUrl: base,
      headers: account.headers,
      fetch: recordingFetch(seen),
      auth: { type: "hmac", keyId: account.keyId, secret: account.secret },
    });
    expect(await client.me()).toMatchObject({ account_id: account.id, via: "signature", api_key_id: account.keyId });
    const placed = await client.placeOrder(order("94.00", "1"));
    expect(placed.order.status).toBe("new");
    const open = await client.listOrders({ status: "open", instrument: SYMBOL, limit: 10 });
    expect(open.orders.map((o) => o.order_id)).toEqual([placed.order.order_id]);
    expect((await client.cancelOrder(placed.order.order_id)).order.status).toBe("cancelled");

    // No token anywhere: every request signed, each with its own nonce.
    expect(seen.some((s) => s.path.startsWith("/v1/auth/"))).toBe(false);
    for (const s of seen) {
      expect(s.headers.get("authorization")).toBeNull();
      expect(s.headers.get("x-p3-key")).toBe(account.keyId);
      expect(s.headers.get("x-p3-signature")).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set(seen.map((s) => s.headers.get("x-p3-nonce"))).size).toBe(seen.length);

    // Another secret's signatures are refused.
    const forged = createRestClient({
      baseUrl: base,
      headers: account.headers,
      auth: { type: "hmac", keyId: account.keyId, secret: `${account.secret}x` },
    });
    const err = await refusal(() => forged.me());
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ code: "unauthorized", reason: "invalid_signature" });
  });

  it("Ed25519: a key registered by its public key signs from a JWK and from PKCS#8", async () => {
    const account = await newAccount("ed");
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
      "sign",
      "verify",
    ])) as webcrypto.CryptoKeyPair;
    const publicJwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
    const created = await tokenClient(account).api.POST("/v1/accounts/me/api-keys", {
      body: { name: "ed-bot", scopes: ["read", "trade"], public_key: publicJwk as Record<string, unknown> },
    });
    const keyId = (created.data as { id: string }).id;

    const seen: Seen[] = [];
    const client = createRestClient({
      baseUrl: base,
      headers: account.headers,
      fetch: recordingFetch(seen),
      auth: { type: "ed25519", keyId, privateKey: await crypto.subtle.exportKey("jwk", pair.privateKey) },
    });
    expect(await client.me()).toMatchObject({ account_id: account.id, via: "signature", api_key_id: keyId });
    const placed = await client.placeOrder(order("93.00", "1"));
    expect((await client.cancelOrder(placed.order.order_id)).order.status).toBe("cancelled");
    for (const s of seen) expect(s.headers.get("x-p3-signature")).toMatch(/^[0-9a-f]{128}$/);

    const pkcs8 = createRestClient({
      baseUrl: base,
      headers: account.headers,
      auth: { type: "ed25519", keyId, privateKey: await crypto.subtle.exportKey("pkcs8", pair.privateKey) },
    });
    expect((await pkcs8.getOrder(placed.order.order_id)).status).toBe("cancelled");

    // A different private key under the same key id is refused.
    const other = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign"])) as webcrypto.CryptoKeyPair;
    const impostor = createRestClient({
      baseUrl: base,
      headers: account.headers,
      auth: { type: "ed25519", keyId, privateKey: other.privateKey },
    });
    expect(await refusal(() => impostor.me())).toMatchObject({ code: "unauthorized", reason: "invalid_signature" });
  });

  it("corrects a wrong clock from GET /v1/time (syncClock); without it the timestamp is stale", async () => {
    const account = await newAccount("clock");
    const behind = () => Date.now() - 120_000;
    const auth = { type: "hmac" as const, keyId: account.keyId, secret: account.secret };
    const stale = createRestClient({ baseUrl: base, headers: account.headers, now: behind, auth });
    const err = await refusal(() => stale.me());
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ reason: "stale_timestamp" });

    const seen: Seen[] = [];
    const synced = createRestClient({
      baseUrl: base,
      headers: account.headers,
      now: behind,
      fetch: recordingFetch(seen),
      auth: { ...auth, syncClock: true },
    });
    expect(await synced.me()).toMatchObject({ account_id: account.id });
    expect(seen.map((s) => s.path)).toEqual(["/v1/time", "/v1/accounts/me"]);
    const offset = (synced.auth as RequestSigner).clock.offsetMs;
    expect(Math.abs(offset - 120_000)).toBeLessThan(2_000);
    expect(Math.abs(Number(seen[1]?.headers.get("x-p3-timestamp")) - Date.now())).toBeLessThan(2_000);
  });
});

describe("safe retries of mutations", () => {
  const isPost = (req: Request) => req.method === "POST" && new URL(req.url).pathname === "/v1/orders";

  it("a placement whose answer is lost after the server processed it is found by its key, not placed twice", async () => {
    const account = await newAccount("lost");
    const seen: Seen[] = [];
    let dropped = false;
    const client = tokenClient(account, {
      fetch: recordingFetch(seen, async (req, real) => {
        const res = await real();
        if (isPost(req) && !dropped) {
          dropped = true;
          await res.text(); // the server answered…
          throw new TypeError("fetch failed: connection reset (the test dropped the answer)"); // …the client never hears it
        }
        return res;
      }),
    });
    // No client_order_id: only the Idempotency-Key stands between a retry and a second order.
    const reply = await client.placeOrder(order("92.00", "1"));
    expect(dropped).toBe(true);
    expect(reply.order).toMatchObject({ status: "new", price: "92.00" });

    const posts = seen.filter((s) => s.method === "POST" && s.path === "/v1/orders");
    expect(posts).toHaveLength(1);
    const key = posts[0]?.headers.get("idempotency-key") as string;
    expect(seen.filter((s) => s.path.startsWith("/v1/requests/")).map((s) => [s.path, s.status])).toEqual([
      [`/v1/requests/${key}`, 200],
    ]);
    const open = await client.listOrders({ instrument: SYMBOL });
    expect(open.orders.map((o) => o.order_id)).toEqual([reply.order.order_id]);
  });

  it("when the lookup cannot answer either, the placement is sent again with the SAME key and the API replays it", async () => {
    const account = await newAccount("samekey");
    const seen: Seen[] = [];
    let dropped = false;
    const client = tokenClient(account, {
      retry: { baseDelayMs: 10 },
      fetch: recordingFetch(seen, async (req, real) => {
        if (new URL(req.url).pathname.startsWith("/v1/requests/")) throw new TypeError("fetch failed (test)");
        const res = await real();
        if (isPost(req) && !dropped) {
          dropped = true;
          await res.text();
          throw new TypeError("fetch failed: connection reset (test)");
        }
        return res;
      }),
    });
    const reply = await client.placeOrder(order("91.00", "1"));
    const posts = seen.filter((s) => s.method === "POST" && s.path === "/v1/orders");
    expect(posts).toHaveLength(2);
    const [k1, k2] = posts.map((p) => p.headers.get("idempotency-key"));
    expect(k1).toMatch(/^sdk-/);
    expect(k2).toBe(k1);
    expect(posts[1]?.status).toBe(201); // the first answer, stored under the key, status and all
    const open = await client.listOrders({ instrument: SYMBOL });
    expect(open.orders.map((o) => o.order_id)).toEqual([reply.order.order_id]);
  });

  it("keeps the caller's own Idempotency-Key, and a repeat with it answers the first outcome", async () => {
    const account = await newAccount("ownkey");
    const client = tokenClient(account);
    const idempotencyKey = `own-${RUN}`;
    const first = await client.placeOrder(order("90.00", "1"), { idempotencyKey });
    const again = await client.placeOrder(order("90.00", "1"), { idempotencyKey });
    expect(again.order.order_id).toBe(first.order.order_id);
    expect((await client.requestOutcome(idempotencyKey)).status).toBe(201);
    expect((await client.listOrders({ instrument: SYMBOL })).orders).toHaveLength(1);
  });
});

describe("refusals as typed errors", () => {
  let account: Account;
  let client: RestClient;
  beforeAll(async () => {
    account = await newAccount("refuse");
    client = tokenClient(account, { retry: { maxAttempts: 1 } });
  });

  it("off the tick grid: InvalidRequestError invalid_order (price_off_tick), nothing placed", async () => {
    const err = await refusal(() => client.placeOrder(order("100.001", "1")));
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err).toMatchObject({ status: 400, code: "invalid_order", reason: "price_off_tick" });
    expect((await client.listOrders()).orders).toEqual([]);
  });

  it("beyond the account's funds: ConflictError order_rejected with the reason and the rejected order", async () => {
    const err = await refusal(() => client.placeOrder(order("100.00", "900000")));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ status: 422, code: "order_rejected" });
    const problem = (err as ConflictError).problem as { reason?: string; order?: { status: string } };
    expect(problem.reason).toMatch(/insufficient_available|notional_above_limit|price_outside_band/);
    expect(problem.order?.status).toBe("rejected");
  });

  it("unknown order: NotFoundError order_not_found; unknown instrument: instrument_not_found", async () => {
    const err = await refusal(() => client.getOrder({ clientOrderId: `never-${RUN}` }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ status: 404, code: "order_not_found" });
    expect(await refusal(() => client.ticker("NOPE-USD"))).toMatchObject({ code: "instrument_not_found" });
  });

  it("a read-only key placing: PermissionError missing_scope", async () => {
    const created = await client.api.POST("/v1/accounts/me/api-keys", { body: { name: "ro", scopes: ["read"] } });
    const key = created.data as { id: string; secret: string };
    const readOnly = createRestClient({
      baseUrl: base,
      headers: account.headers,
      auth: { type: "hmac", keyId: key.id, secret: key.secret },
    });
    expect((await readOnly.balances()).balances.length).toBeGreaterThan(0);
    const err = await refusal(() => readOnly.placeOrder(order("90.00", "1")));
    expect(err).toBeInstanceOf(PermissionError);
    expect(err).toMatchObject({ status: 403, code: "missing_scope" });
  });

  it("the account's order budget spent: RateLimitError rate_limited with Retry-After; with retries the client waits and succeeds", async () => {
    const spent = await newAccount("budget");
    const strict = tokenClient(spent, { retry: { maxAttempts: 1 } });
    const batch = await strict.placeOrders(Array.from({ length: 20 }, () => order("80.00", "1")));
    expect(batch.results.every((r) => r.ok)).toBe(true);
    const err = await refusal(() => strict.placeOrder(order("80.00", "1")));
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ status: 429, code: "rate_limited" });
    expect((err as RateLimitError).problem.limit).toBe("account:orders");
    expect((err as RateLimitError).retryAfterMs).toBeGreaterThan(0);

    const seen: Seen[] = [];
    const patient = tokenClient(spent, { fetch: recordingFetch(seen) });
    const started = Date.now();
    const reply = await patient.placeOrder(order("80.00", "1"));
    expect(reply.order.status).toBe("new");
    const posts = seen.filter((s) => s.method === "POST" && s.path === "/v1/orders");
    expect(posts.map((p) => p.status)).toEqual([429, 201]);
    const wait = Number(posts[0]?.retryAfter);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(posts[0]?.headers.get("idempotency-key")).toBe(posts[1]?.headers.get("idempotency-key"));
    // It waited Retry-After (whole seconds) and did not look the refused request up.
    expect(Date.now() - started).toBeGreaterThanOrEqual(wait * 1000 - 50);
    expect(seen.some((s) => s.path.startsWith("/v1/requests/"))).toBe(false);
  });
});

describe("the transport with a scripted fetch", () => {
  type Script = (req: Request, n: number) => Response | Promise<Response>;
  function scripted(script: Script, extra: Partial<RestClientOptions> = {}) {
    const requests: Request[] = [];
    const client = createRestClient({
      baseUrl: "http://api.test",
      auth: { type: "bearer", token: "t0" },
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      fetch: async (input, init) => {
        const req = new Request(input, init);
        requests.push(req);
        return script(req, requests.length);
      },
      ...extra,
    });
    return { client, requests };
  }
  const problem = (status: number, code: string, headers: Record<string, string> = {}) =>
    Response.json(
      { status, code, title: code },
      { status, headers: { "content-type": "application/problem+json", ...headers } },
    );
  const orderReply = { order: { order_id: "o-1", status: "new" }, fills: [], replayed: false };

  it("a lost placement still running is waited for (202) and its stored outcome returned", async () => {
    const { client, requests } = scripted((req, n) => {
      const path = new URL(req.url).pathname;
      if (path === "/v1/orders") throw new TypeError("socket hang up");
      if (n <= 3)
        return Response.json({ key: "k", in_progress: true }, { status: 202, headers: { "retry-after": "0" } });
      return Response.json({ key: "k", in_progress: false, operation: "place", status: 201, response: orderReply });
    });
    const reply = await client.placeOrder(order("1.00", "1"));
    expect(reply).toEqual(orderReply);
    const paths = requests.map((r) => `${r.method} ${new URL(r.url).pathname}`);
    const key = requests[0]?.headers.get("idempotency-key");
    expect(paths).toEqual(["POST /v1/orders", ...Array(3).fill(`GET /v1/requests/${key}`)]);
    expect(requests[1]?.headers.get("authorization")).toBe("Bearer t0");
  });

  it("a stored refusal is thrown as its typed error; 503 order_status_unknown is looked up, then retried", async () => {
    const stored = scripted((req) =>
      new URL(req.url).pathname === "/v1/orders"
        ? problem(503, "order_status_unknown", { "retry-after": "0" })
        : Response.json({
            key: "k",
            in_progress: false,
            status: 422,
            response: { status: 422, code: "order_rejected", reason: "market_closed" },
          }),
    );
    const err = await refusal(() => stored.client.placeOrder(order("1.00", "1")));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ code: "order_rejected", reason: "market_closed" });

    const retried = scripted((req, n) => {
      if (new URL(req.url).pathname !== "/v1/orders") return problem(404, "request_not_found");
      return n === 1
        ? problem(503, "order_status_unknown", { "retry-after": "0" })
        : Response.json(orderReply, { status: 201 });
    });
    expect(await retried.client.placeOrder(order("1.00", "1"))).toEqual(orderReply);
    const posts = retried.requests.filter((r) => r.method === "POST");
    expect(posts).toHaveLength(2);
    expect(posts[1]?.headers.get("idempotency-key")).toBe(posts[0]?.headers.get("idempotency-key"));
    expect(retried.requests.filter((r) => r.method === "GET")).toHaveLength(1);
  });

  it("reads retry 5xx with backoff up to maxAttempts, then throw UnavailableError; network errors become TransportError", async () => {
    const down = scripted(() => problem(503, "object_unavailable"), { retry: { maxAttempts: 3, baseDelayMs: 1 } });
    const err = await refusal(() => down.client.time());
    expect(err).toBeInstanceOf(UnavailableError);
    expect(down.requests).toHaveLength(3);

    const gone = scripted(
      () => {
        throw new TypeError("ECONNREFUSED");
      },
      { retry: { maxAttempts: 2, baseDelayMs: 1 } },
    );
    const failure = await refusal(() => gone.client.time());
    expect(failure).toBeInstanceOf(TransportError);
    expect(String((failure as Error).message)).toMatch(/ECONNREFUSED.*2 attempts/);
    expect(gone.requests).toHaveLength(2);
  });

  it("honours Retry-After on 429 and gives up when it is longer than maxRetryAfterMs", async () => {
    const limited = scripted((_req, n) =>
      n === 1 ? problem(429, "rate_limited", { "retry-after": "1" }) : Response.json({ iso: "x", epoch_ms: 1 }),
    );
    const t0 = Date.now();
    expect(await limited.client.time()).toEqual({ iso: "x", epoch_ms: 1 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);

    const long = scripted(() => problem(429, "rate_limited", { "retry-after": "120" }));
    const err = await refusal(() => long.client.time());
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAfterMs).toBe(120_000);
    expect(long.requests).toHaveLength(1);
  });

  it("a stored outcome is marked as such", async () => {
    const { client } = scripted((req) =>
      new URL(req.url).pathname === "/v1/orders"
        ? problem(502, "bad_gateway")
        : Response.json({ key: "k", in_progress: false, status: 201, response: orderReply }),
    );
    const { response } = await client.api.POST("/v1/orders", { body: order("1.00", "1") });
    expect(response.status).toBe(201);
    expect(response.headers.get(STORED_OUTCOME_HEADER)).toBe("1");
  });
});
