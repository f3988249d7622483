/**
 * Property: every operation that needs a credential (every contract of
 * API_CONTRACTS whose scope is not public), sent through the whole Worker with
 * a credential that must not work — expired, forged, unsigned, tampered, a
 * refresh token, revoked, a replayed or stale signature — is refused with
 * `401 unauthorized` problem+json and a stable `reason`; one account's valid
 * key never reaches another account's orders, keys or idempotency records
 * (404, or 403 on operator routes) nor learns anything of them; a body over
 * `MAX_BODY_BYTES` is `413 payload_too_large`. Nothing ever changes.
 *
 * `HOSTILE_RUNS` sets the runs per operation (default 12).
 */
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { X_SCOPE } from "../../workers/api/openapi/define.ts";
import { API_CONTRACTS, API_PREFIX } from "../../workers/api/openapi/document.ts";
import { ERROR_CODES } from "../../workers/api/problem.ts";
import { maxBodyBytes } from "../../workers/api/validation.ts";
import { deposit } from "./account-helpers.ts";
import { bearer, createAccount, JSON_HEADERS, newNonce, postJson, signedHeaders, tokenFor } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import { hostileRuns, hostileTokens } from "./hostile-helpers.ts";

const RUNS = hostileRuns(12);
const TIMEOUT = 10_000 + RUNS * 200;
const BASE = "http://platform3.test";
const SYMBOL = "HCR-USD";
const MAX_BODY = maxBodyBytes(env);
const STABLE_CODES = new Set<string>(Object.keys(ERROR_CODES));
/** Requests of this suite come from their own address, so its rate limits are its own. */
const CLIENT_IP = "198.51.100.41";

interface Party {
  account: string;
  keyId: string;
  secret: string;
  token: string;
  refresh: string;
  /** Its resting order, placed over HTTP with an Idempotency-Key. */
  orderId: string;
  clientOrderId: string;
  idempotencyKey: string;
}

let a: Party;
let b: Party;

async function http(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: BodyInit,
): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, {
    method,
    headers: { "cf-connecting-ip": CLIENT_IP, "cache-control": "no-cache", ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

async function party(name: string, price: string): Promise<Party> {
  const created = await createAccount(["read", "trade", "transfer"]);
  await deposit(created.account, { USD: "1000", HCR: "10" });
  const tokens = await tokenFor(created.keyId, created.secret);
  const clientOrderId = `${name}-rest`;
  const idempotencyKey = `${name}-idem-1`;
  const order = { client_order_id: clientOrderId, instrument: SYMBOL, side: "buy", type: "limit", price, size: "1" };
  const res = await http(
    "POST",
    "/v1/orders",
    { ...JSON_HEADERS, ...bearer(tokens.access_token), "idempotency-key": idempotencyKey },
    JSON.stringify(order),
  );
  expect(res.status).toBe(201);
  const placed = await res.json<{ order: { order_id: string } }>();
  return {
    ...created,
    token: tokens.access_token,
    refresh: tokens.refresh_token,
    orderId: placed.order.order_id,
    clientOrderId,
    idempotencyKey,
  };
}

/**
 * What no refused request may change: both accounts (read from their objects: this suite spends
 * the keys' per-minute read budget on the requests under test), the book and the instruments.
 */
async function state(): Promise<unknown> {
  const read = async (path: string) => {
    const res = await http("GET", path);
    expect(res.status, path).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    delete body.time;
    return body;
  };
  const of = async (p: Party) => {
    const stub = accountStub(env.ACCOUNT, p.account);
    return {
      account: await stub.describe(p.account),
      keys: await stub.listKeys(p.account),
      balances: await stub.balances(p.account),
      orders: await stub.listOrders(p.account, { limit: 1000 }),
      fills: await stub.listFills(p.account, { limit: 1000 }),
    };
  };
  return {
    a: await of(a),
    b: await of(b),
    book: await read(`/v1/instruments/${SYMBOL}/book?level=3&depth=1000`),
    instruments: await read("/v1/instruments"),
  };
}

// ── the operations ───────────────────────────────────────────────────────

interface Operation {
  method: string;
  /** The contract's path, e.g. `/orders/{order_id}`. */
  template: string;
  scope: string;
  hasBody: boolean;
}

const OPERATIONS: Operation[] = API_CONTRACTS.map((c) => ({
  method: c.method.toUpperCase(),
  template: c.path,
  scope: (c as unknown as Record<string, string>)[X_SCOPE] ?? "public",
  hasBody: c.method === "post" || c.method === "patch" || c.method === "put",
})).filter((op) => op.scope !== "public");

/** The operation's path with B's resources in it: a request that would touch B if it went through. */
function targetOf(op: Operation): string {
  const params: Record<string, string> = {
    symbol: SYMBOL,
    account: b.account,
    order_id: b.orderId,
    client_order_id: b.clientOrderId,
    id: b.keyId,
    key: b.idempotencyKey,
    section: "risk",
  };
  return `${API_PREFIX}${op.template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${op.template}`);
    return encodeURIComponent(value);
  })}`;
}

/** A body the operation would act on, were the credential good (B's money, orders and instruments). */
function bodyOf(op: Operation): string | undefined {
  if (!op.hasBody) return undefined;
  const order = {
    client_order_id: "hostile-1",
    instrument: SYMBOL,
    side: "sell",
    type: "limit",
    price: "1.00",
    size: "5",
  };
  const bodies: Record<string, unknown> = {
    "/orders": order,
    "/orders/batch": { orders: [order] },
    "/orders/cancel-after": { timeout_ms: 1000 },
    "/orders/{order_id}": { size: "0.5" },
    "/orders/client/{client_order_id}": { price: "1.00" },
    "/accounts/me/api-keys": { scopes: ["read", "trade", "transfer"] },
    "/admin/accounts": { account_id: "hostile-admin", api_key: { scopes: ["admin"] } },
    "/admin/accounts/{account}": { trading_enabled: false },
    "/admin/accounts/{account}/deposits": { asset: "USD", amount: "1000000", reference: "hostile-1" },
    "/admin/accounts/{account}/withdrawals": { asset: "USD", amount: "1000", reference: "hostile-2" },
    "/admin/instruments": testInstrument("EVIL-USD"),
    "/admin/instruments/{symbol}": { status: "halted" },
    "/admin/books/{symbol}/commands": {
      commands: [{ type: "cancel_all", account: b.account }],
    },
    "/admin/replay": {},
  };
  return JSON.stringify(bodies[op.template] ?? {});
}

// ── credentials that must not work ───────────────────────────────────────

/** Builds the credential headers for one request (signatures cover method, path, query and body). */
type Credential = {
  name: string;
  /** The refusal's `reason`, where exactly one is right. */
  reason?: string;
  headers: (method: string, url: string, body: string) => Promise<Record<string, string>>;
};

const asBearer = (name: string, token: string): Credential => ({ name, headers: async () => bearer(token) });

/** Header values a fetch can carry (the Worker never sees the others). */
const headerSafe = (value: string) => /^[\x20-\x7e]*$/.test(value);

let credentials: Credential[] = [];

async function hostileCredentials(): Promise<Credential[]> {
  const tokens = (await hostileTokens(a.token, a.refresh, b.token)).filter((t) => headerSafe(t.token));
  const out = tokens.map((t) => asBearer(t.name, t.token));

  // A revoked session, and the session of a revoked API key.
  const revokedSession = await tokenFor(a.keyId, a.secret);
  expect((await postJson("/v1/auth/revoke", { token: revokedSession.refresh_token }, JSON_HEADERS)).status).toBe(200);
  out.push(asBearer("revoked session", revokedSession.access_token));
  const extra = await http(
    "POST",
    "/v1/accounts/me/api-keys",
    { ...JSON_HEADERS, ...bearer(a.token) },
    '{"scopes":["read","trade"]}',
  );
  expect(extra.status).toBe(201);
  const key = await extra.json<{ id: string; secret: string }>();
  const doomed = await tokenFor(key.id, key.secret);
  expect((await http("DELETE", `/v1/accounts/me/api-keys/${key.id}`, bearer(a.token))).status).toBe(204);
  out.push(asBearer("revoked API key", doomed.access_token));

  out.push(
    { name: "empty bearer", headers: async () => ({ authorization: "Bearer " }) },
    { name: "basic auth", headers: async () => ({ authorization: `Basic ${btoa(`${a.keyId}:${a.secret}`)}` }) },
    { name: "API secret as bearer", headers: async () => bearer(a.secret) },
    { name: "API key id as bearer", headers: async () => bearer(a.keyId) },
    { name: "operator token as a user's", headers: async () => ({ authorization: "Bearer test-operator-token-x" }) },
  );

  // Signed requests: stale, future, replayed, signed for something else, with another key's secret.
  const signed = (
    name: string,
    build: (method: string, url: string, body: string) => Promise<Record<string, string>>,
    reason?: string,
  ) => out.push(reason === undefined ? { name, headers: build } : { name, reason, headers: build });
  signed(
    "stale signature",
    (method, url, body) => signedHeaders(a.keyId, a.secret, url, { method, body, timestamp: Date.now() - 10 * 60_000 }),
    "stale_timestamp",
  );
  signed(
    "signature from the future",
    (method, url, body) => signedHeaders(a.keyId, a.secret, url, { method, body, timestamp: Date.now() + 10 * 60_000 }),
    "stale_timestamp",
  );
  // The nonce is spent on a public route (which still verifies a signature): the key's read budget stays whole.
  signed(
    "nonce already used",
    async (method, url, body) => {
      const nonce = newNonce();
      const first = await signedHeaders(a.keyId, a.secret, "/v1/time", { nonce });
      expect((await http("GET", "/v1/time", first)).status).toBe(200);
      return signedHeaders(a.keyId, a.secret, url, { method, body, nonce });
    },
    "replayed_nonce",
  );
  signed("a whole signed request replayed elsewhere", async () => {
    const captured = await signedHeaders(a.keyId, a.secret, "/v1/time");
    expect((await http("GET", "/v1/time", captured)).status).toBe(200);
    return captured;
  });
  signed("signed for another body", (method, url) =>
    signedHeaders(a.keyId, a.secret, url, { method, body: '{"size":"0.001"}' }),
  );
  signed("signed for another method", (method, url, body) =>
    signedHeaders(a.keyId, a.secret, url, { method: method === "GET" ? "DELETE" : "GET", body }),
  );
  signed("A's key id, B's secret", (method, url, body) => signedHeaders(a.keyId, b.secret, url, { method, body }));
  signed("B's key id, A's secret", (method, url, body) => signedHeaders(b.keyId, a.secret, url, { method, body }));
  signed("half the signature headers", async (method, url, body) => {
    const { "x-p3-signature": _sig, ...rest } = await signedHeaders(a.keyId, a.secret, url, { method, body });
    return rest;
  });
  signed("signature and bearer together, the bearer forged", async (method, url, body) => ({
    ...(await signedHeaders(a.keyId, a.secret, url, { method, body, timestamp: Date.now() - 10 * 60_000 })),
    ...bearer(`${a.token.slice(0, -3)}xyz`),
  }));
  return out;
}

// ── checks ───────────────────────────────────────────────────────────────

async function expectProblemJson(res: Response, what: string): Promise<Record<string, unknown>> {
  expect(res.status, what).toBeGreaterThanOrEqual(400);
  expect(res.status, what).toBeLessThan(500);
  expect(res.headers.get("content-type"), what).toMatch(/^application\/problem\+json/);
  const body = await res.json<Record<string, unknown>>();
  expect(STABLE_CODES.has(String(body.code)), `${what}: ${JSON.stringify(body)}`).toBe(true);
  expect(body.status, what).toBe(res.status);
  return body;
}

let baseline: unknown;

beforeAll(async () => {
  await listInstrument(testInstrument(SYMBOL));
  a = await party("a", "10.00");
  b = await party("b", "11.00");
  credentials = await hostileCredentials();
  baseline = await state();
});

describe("credentials that must not work, against every operation that needs one", { timeout: TIMEOUT }, () => {
  it("covers every non-public operation", () => {
    expect(OPERATIONS.length).toBeGreaterThan(30);
    for (const op of OPERATIONS) expect(targetOf(op)).toMatch(/^\/v1\//);
  });

  for (const op of OPERATIONS) {
    it(`${op.method} ${op.template} (${op.scope}): 401 problem with a reason, nothing changes`, async () => {
      const url = targetOf(op);
      const body = bodyOf(op);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...credentials), async (credential) => {
          const what = `${op.method} ${url} with ${credential.name}`;
          const headers = await credential.headers(op.method, url, body ?? "");
          const res = await http(op.method, url, { ...JSON_HEADERS, ...headers }, body);
          const problem = await expectProblemJson(res, what);
          expect(res.status, what).toBe(401);
          expect(problem.code, what).toBe("unauthorized");
          expect(typeof problem.reason, what).toBe("string");
          if (credential.reason !== undefined) expect(problem.reason, what).toBe(credential.reason);
          expect(res.headers.get("www-authenticate"), what).toMatch(/^(Bearer|P3-Signature) realm="platform3"/);
        }),
        { numRuns: RUNS },
      );
      if (op.method !== "GET") expect(await state()).toEqual(baseline);
    });
  }
});

describe("A's valid key against B's resources", { timeout: TIMEOUT }, () => {
  const FOREIGN: Record<string, { status: number; code: string }> = {
    "/orders/{order_id}": { status: 404, code: "order_not_found" },
    "/orders/client/{client_order_id}": { status: 404, code: "order_not_found" },
    "/accounts/me/api-keys/{id}": { status: 404, code: "api_key_not_found" },
    "/requests/{key}": { status: 404, code: "request_not_found" },
  };

  it("B's orders, keys and idempotency records, by every id: not found, nothing leaked, nothing changed", async () => {
    const named = OPERATIONS.filter((op) => op.template in FOREIGN);
    expect(named.length).toBeGreaterThanOrEqual(7);
    for (const op of named) {
      const url = targetOf(op);
      const res = await http(op.method, url, { ...JSON_HEADERS, ...bearer(a.token) }, bodyOf(op));
      const what = `${op.method} ${url}`;
      const problem = await expectProblemJson(res, what);
      expect({ status: res.status, code: problem.code }, what).toEqual(FOREIGN[op.template]);
      // Key ids carry their account by design (k_<account>_…): only what the caller sent may come back.
      expect(JSON.stringify(problem).replaceAll(b.keyId, ""), what).not.toContain(b.account);
    }
    expect(await state()).toEqual(baseline);
  });

  it("B's account on operator routes: 403 missing_scope for A's key", async () => {
    const admin = OPERATIONS.filter((op) => op.scope === "admin");
    for (const op of admin) {
      const url = targetOf(op);
      const res = await http(op.method, url, { ...JSON_HEADERS, ...bearer(a.token) }, bodyOf(op));
      const problem = await expectProblemJson(res, `${op.method} ${url}`);
      expect({ status: res.status, code: problem.code }).toEqual({ status: 403, code: "missing_scope" });
    }
    expect(await state()).toEqual(baseline);
  });

  it("naming B in queries and bodies reaches nothing of B's", async () => {
    const reads = OPERATIONS.filter((op) => op.method === "GET" && op.scope === "read" && !(op.template in FOREIGN));
    const names = fc.constantFrom("account", "account_id", "sub", "owner", "order_id", "client_order_id", "key");
    const values = fc.constantFrom(b.account, b.orderId, b.clientOrderId, b.keyId, b.idempotencyKey);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...reads), names, values, async (op, name, value) => {
        const url = `${targetOf(op)}?${new URLSearchParams({ [name]: value })}`;
        const res = await http("GET", url, bearer(a.token));
        expect(res.status, url).toBeLessThan(500);
        const text = await res.text();
        expect(text, url).not.toContain(b.account);
        expect(text, url).not.toContain(b.orderId);
      }),
      { numRuns: RUNS * 2 },
    );
    // A body naming B's account is refused (bodies are strict); a new order is always the caller's own.
    const order = {
      client_order_id: "a-as-b",
      instrument: SYMBOL,
      side: "buy",
      type: "limit",
      price: "1.00",
      size: "1",
    };
    for (const extra of [{ account: b.account }, { account_id: b.account }]) {
      const res = await http(
        "POST",
        "/v1/orders",
        { ...JSON_HEADERS, ...bearer(a.token) },
        JSON.stringify({ ...order, ...extra }),
      );
      expect((await expectProblemJson(res, JSON.stringify(extra))).code).toBe("invalid_request");
    }
    expect(await state()).toEqual(baseline);
  });
});

describe("bodies over MAX_BODY_BYTES", { timeout: TIMEOUT }, () => {
  const withBody = () => OPERATIONS.filter((op) => op.method !== "GET");

  it("are 413 payload_too_large on every operation that takes one, by Content-Length or streamed", async () => {
    expect(MAX_BODY).toBe(262_144);
    const sizes = fc.integer({ min: MAX_BODY + 1, max: MAX_BODY * 4 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...withBody()), sizes, fc.boolean(), async (op, size, streamed) => {
        const text = `{"pad":"${"x".repeat(size - 10)}"}`;
        const body = streamed ? new Blob([text]).stream() : text;
        const url = targetOf(op);
        const res = await http(op.method, url, { ...JSON_HEADERS, ...bearer(a.token) }, body);
        const what = `${op.method} ${url} ${size} B ${streamed ? "streamed" : "sized"}`;
        const problem = await expectProblemJson(res, what);
        expect({ status: res.status, code: problem.code }, what).toEqual({ status: 413, code: "payload_too_large" });
      }),
      { numRuns: RUNS * 3 },
    );
    expect(await state()).toEqual(baseline);
  });

  it("at exactly the limit the body is read (and refused for what it says, never 413 or 5xx)", async () => {
    // POST and PATCH only: a DELETE ignores its body, and A's own `DELETE /v1/orders` would cancel A's orders.
    for (const op of withBody().filter((o) => o.hasBody)) {
      const text = `{"pad":"${"x".repeat(MAX_BODY - 10)}"}`;
      expect(text.length).toBe(MAX_BODY);
      const url = targetOf(op);
      const res = await http(op.method, url, { ...JSON_HEADERS, ...bearer(a.token) }, text);
      const what = `${op.method} ${url}`;
      const problem = await expectProblemJson(res, what);
      expect(problem.code, what).not.toBe("payload_too_large");
    }
    expect(await state()).toEqual(baseline);
  });

  it("a forged credential with an oversized body is refused either way, never 5xx", async () => {
    const forged = credentials.find((c) => c.name === "forged: another key, same kid");
    expect(forged).toBeDefined();
    for (const op of withBody()) {
      const url = targetOf(op);
      const text = "x".repeat(MAX_BODY + 1);
      const headers = await (forged as Credential).headers(op.method, url, text);
      const res = await http(op.method, url, { ...JSON_HEADERS, ...headers }, text);
      const problem = await expectProblemJson(res, `${op.method} ${url}`);
      expect(["payload_too_large", "unauthorized"]).toContain(problem.code);
    }
    expect(await state()).toEqual(baseline);
  });
});
