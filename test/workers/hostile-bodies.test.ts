/**
 * Property: random malformed input to every declared operation, sent with
 * credentials that pass authentication (so it reaches validation), never gets
 * a 5xx, is always refused as problem+json with a stable code, and never
 * changes state when refused.
 */
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { API_CONTRACTS } from "../../workers/api/openapi/document.ts";
import { bearer, createAccount, OPERATOR, tokenFor } from "./auth-helpers.ts";
import { hostileRuns } from "./hostile-helpers.ts";

const BASE = "http://platform3.test";
const RUNS = hostileRuns(25);

let token = "";
let keyId = "";
let account = "";

/** Everything a refused request must leave as it was. */
async function state(): Promise<unknown> {
  const fresh = { "cache-control": "no-cache" };
  const read = async (path: string, headers: Record<string, string> = {}) => {
    const res = await exports.default.fetch(`${BASE}${path}`, { headers: { ...fresh, ...headers } });
    const body = (await res.json()) as Record<string, unknown>;
    delete body.time;
    return body;
  };
  return {
    instruments: await read("/v1/instruments"),
    book: await read("/v1/instruments/BTC-USD/book?level=3&depth=1000"),
    trades: await read("/v1/instruments/BTC-USD/trades"),
    // Straight from the Account object: reads over HTTP would spend the key's `account` budget
    // (120 a minute), and a 429 there is not a change of state.
    keys: await accountStub(env.ACCOUNT, account).listKeys(account),
    balances: await accountStub(env.ACCOUNT, account).balances(account),
    orders: await accountStub(env.ACCOUNT, account).listOrders(account, { limit: 1000 }),
  };
}

/** Bodies that are not what any operation accepts. */
const hostileBody = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("{", "[", "null", "nul", '{"a":', "\u0000", "{}garbage", '"str"', "1e309", "-0"),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      fc.string({ maxLength: 12 }),
      fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null)),
      {
        maxKeys: 6,
      },
    )
    .map((o) => JSON.stringify({ ...o, __unknown_field__: 1 })),
  fc.constantFrom(
    JSON.stringify({
      commands: [
        { type: "place", order_id: "ü🙂", account: "a", side: "buy", order_type: "limit", price: "1e3", size: "-1" },
      ],
    }),
    JSON.stringify({
      commands: [
        {
          type: "place",
          order_id: "x",
          account: "a",
          side: "buy",
          order_type: "limit",
          price: "99999999999999999999999999999",
          size: "1",
        },
      ],
    }),
    JSON.stringify({ status: "exploded" }),
    JSON.stringify({ scopes: ["root"] }),
    JSON.stringify({ api_key: 42, api_secret: [] }),
    JSON.stringify({ symbol: "btc-usd" }),
  ),
);

const contentType = fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "");
const hostileQuery = fc
  .dictionary(
    fc.constantFrom("level", "depth", "limit", "before", "after", "interval", "start", "end", "x"),
    fc.string({ maxLength: 12 }),
    {
      minKeys: 1,
      maxKeys: 4,
    },
  )
  .map((q) => new URLSearchParams(q).toString())
  .filter((q) => q.length > 0);

beforeAll(async () => {
  const created = await createAccount(["read", "trade", "transfer"]);
  keyId = created.keyId;
  account = created.account;
  token = (await tokenFor(created.keyId, created.secret)).access_token;
});

function pathOf(template: string): string {
  return `/v1${template.replace("{symbol}", "BTC-USD").replace("{id}", keyId).replace("{account}", account)}`;
}

async function expectRefusal(res: Response, what: string): Promise<void> {
  expect(res.status, what).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.headers.get("content-type"), what).toMatch(/^application\/problem\+json/);
    const body = await res.json<{ code?: unknown; status?: unknown }>();
    expect(typeof body.code, what).toBe("string");
    expect(body.status, what).toBe(res.status);
  } else {
    await res.body?.cancel();
  }
}

describe("hostile input to every operation", () => {
  for (const contract of API_CONTRACTS) {
    const method = contract.method.toUpperCase();
    const hasBody = method === "POST" || method === "PATCH";
    const auth = contract.path.startsWith("/admin") ? { authorization: OPERATOR } : bearer(token);
    if (contract.path === "/ws") continue;

    it(`${method} ${contract.path}: no 5xx, a problem for every refusal, no state change`, async () => {
      const before = await state();
      await fc.assert(
        fc.asyncProperty(hasBody ? hostileBody : hostileQuery, contentType, async (input, type) => {
          const headers: Record<string, string> = { ...auth, "cache-control": "no-cache" };
          if (type) headers["content-type"] = type;
          // DELETE names its target in the path: make the id the hostile part, never a real key.
          const target =
            method === "DELETE"
              ? `/v1${contract.path.replace("{id}", encodeURIComponent(`x${input}`))}`
              : pathOf(contract.path);
          const url = hasBody || method === "DELETE" ? `${BASE}${target}` : `${BASE}${target}?${input}`;
          const res = await exports.default.fetch(
            url,
            hasBody ? { method, headers, body: input } : { method, headers },
          );
          await expectRefusal(res, `${method} ${contract.path} ${type} ${input}`);
          // A request the API accepted may change state by design; only refusals must not.
          return res.status >= 400 || res.status < 300;
        }),
        { numRuns: RUNS },
      );
      if (method !== "GET") expect(await state()).toEqual(before);
    });
  }
});
