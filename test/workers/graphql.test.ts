/**
 * GraphQL at /v1/graphql through the real app (`exports.default.fetch`): the
 * fields run the same operations as REST, so an order placed, amended or
 * cancelled through one reads the same through the other; the same bad input
 * gets the same code (`extensions.code`) and status (`extensions.status`);
 * each field needs its operation's scope; hostile documents (deep nesting,
 * 10,000 aliases, huge variables, many mutations) are refused quickly with a
 * 4xx, never a 5xx; introspection and the SDL are served.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bearer, createAccount, expectProblem, OPERATOR, tokenFor } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";

const BASE = "http://platform3.test/v1";
const JSON_TYPE = { "content-type": "application/json" };

let ipCounter = 0;
/** A fresh client address per caller, so per-IP budgets never interfere between tests. */
const freshIp = () => `198.18.${60 + ((++ipCounter >> 8) & 63)}.${ipCounter & 255}`;

type Scope = "read" | "trade" | "admin";
type Headers = Record<string, string>;

async function trader(deposits: Record<string, string> = {}, scopes: Scope[] = ["read", "trade"]): Promise<Headers> {
  const created = await createAccount(scopes);
  const { access_token } = await tokenFor(created.keyId, created.secret);
  for (const [asset, amount] of Object.entries(deposits)) {
    const res = await rest(`/admin/accounts/${created.account}/deposits`, {
      method: "POST",
      headers: { authorization: OPERATOR, "cf-connecting-ip": freshIp(), ...JSON_TYPE },
      body: JSON.stringify({ asset, amount, reference: `seed-${asset}` }),
    });
    if (res.status !== 201) throw new Error(`deposit: ${res.status} ${await res.text()}`);
  }
  return { ...bearer(access_token), "cf-connecting-ip": freshIp() };
}

let symbolCounter = 0;
async function instrument(): Promise<string> {
  const symbol = `GQ${++symbolCounter}${Math.random().toString(36).slice(2, 6).toUpperCase()}-USD`;
  await listInstrument(testInstrument(symbol));
  return symbol;
}

function rest(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, init);
}

async function restJson<T = Record<string, unknown>>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

interface GraphQLError {
  message: string;
  path?: string[];
  extensions: { code: string; status: number; [k: string]: unknown };
}
interface GraphQLAnswer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: GraphQLError[];
}

async function gql(
  query: string,
  variables?: Record<string, unknown>,
  headers: Headers = { "cf-connecting-ip": freshIp() },
): Promise<GraphQLAnswer> {
  const res = await rest("/graphql", {
    method: "POST",
    headers: { ...headers, ...JSON_TYPE, accept: "application/graphql-response+json" },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  expect(res.status, text).toBeLessThan(500);
  return { status: res.status, ...(JSON.parse(text) as object) };
}

/** The data of an answer (empty without any). */
const data = (answer: GraphQLAnswer): Record<string, unknown> => answer.data ?? {};

/** The one error of an answer. */
function onlyError(answer: GraphQLAnswer): GraphQLError {
  expect(answer.errors, JSON.stringify(answer)).toHaveLength(1);
  return answer.errors?.[0] as GraphQLError;
}

const ORDER_FIELDS = `order_id client_order_id instrument side type time_in_force price stop_price size funds
  expire_time post_only stp status filled_size remaining_size executed_value average_price fees fee_asset
  done_reason reject_code reject_reason stop_triggered created_at created_at_ms updated_at updated_at_ms`;

const PLACE = `mutation Place($order: NewOrder!, $key: String) {
  placeOrder(order: $order, idempotency_key: $key) { order { ${ORDER_FIELDS} } fills { fill_id } replayed }
}`;

const limit = (client_order_id: string, instrument: string, side: "buy" | "sell", price: string, size: string) => ({
  client_order_id,
  instrument,
  side,
  type: "limit",
  price,
  size,
});

describe("GraphQL and REST run the same operations", () => {
  it("places over GraphQL, amends over REST, cancels over GraphQL: both read the same order", async () => {
    const symbol = await instrument();
    const t = await trader({ USD: "1000" });

    const placed = await gql(PLACE, { order: limit("gq-1", symbol, "buy", "10.00", "2") }, t);
    expect(placed.errors).toBeUndefined();
    const reply = placed.data?.placeOrder as { order: Record<string, unknown>; replayed: boolean };
    expect(reply.replayed).toBe(false);
    expect(reply.order).toMatchObject({ client_order_id: "gq-1", status: "new", price: "10.00", size: "2.000" });
    const id = reply.order.order_id as string;

    // The REST view of the order is the GraphQL one, field for field.
    const viaRest = await restJson<{ order: Record<string, unknown> }>(await rest(`/orders/${id}`, { headers: t }));
    expect(viaRest.order).toEqual(reply.order);

    // A replay of the client_order_id over REST answers the GraphQL placement (200, replayed).
    const replay = await restJson<{ order: { order_id: string }; replayed: boolean }>(
      await rest("/orders", {
        method: "POST",
        headers: { ...t, ...JSON_TYPE },
        body: JSON.stringify(limit("gq-1", symbol, "buy", "10.00", "2")),
      }),
    );
    expect(replay).toMatchObject({ replayed: true, order: { order_id: id } });

    await restJson(
      await rest(`/orders/${id}`, { method: "PATCH", headers: { ...t, ...JSON_TYPE }, body: '{"size":"1.5"}' }),
    );
    const read = await gql(`query($id: String) { order(order_id: $id) { ${ORDER_FIELDS} } }`, { id }, t);
    const afterAmend = await restJson<{ order: Record<string, unknown> }>(await rest(`/orders/${id}`, { headers: t }));
    expect(read.data?.order).toEqual(afterAmend.order);
    expect(afterAmend.order.size).toBe("1.500");

    const cancelled = await gql(
      `mutation($id: String) { cancelOrder(order_id: $id) { order { status done_reason } } }`,
      { id },
      t,
    );
    expect(cancelled.data?.cancelOrder).toEqual({ order: { status: "cancelled", done_reason: "user" } });
    const final = await restJson<{ order: Record<string, unknown> }>(await rest(`/orders/${id}`, { headers: t }));
    const graphFinal = await gql(`{ order(client_order_id: "gq-1") { ${ORDER_FIELDS} } }`, undefined, t);
    expect(graphFinal.data?.order).toEqual(final.order);

    // Balances and order lists agree too.
    const restBalances = await restJson<{ balances: unknown[] }>(await rest("/accounts/me/balances", { headers: t }));
    const graphBalances = await gql("{ balances { asset total available hold } }", undefined, t);
    expect(graphBalances.data?.balances).toEqual(restBalances.balances);
    const restOrders = await restJson<{ orders: { order_id: string }[] }>(await rest("/orders", { headers: t }));
    const graphOrders = await gql("{ orders { orders { order_id } next_cursor } }", undefined, t);
    expect(graphOrders.data?.orders).toEqual({
      orders: restOrders.orders.map((o) => ({ order_id: o.order_id })),
      next_cursor: null,
    });
  });

  it("places over REST and cancels all over GraphQL; a keyed mutation's outcome is read back over REST", async () => {
    const symbol = await instrument();
    const t = await trader({ USD: "1000" });
    const placed = await restJson<{ order: { order_id: string } }>(
      await rest("/orders", {
        method: "POST",
        headers: { ...t, ...JSON_TYPE },
        body: JSON.stringify(limit("rest-1", symbol, "buy", "9.00", "1")),
      }),
      201,
    );
    const amended = await gql(
      `mutation { amendOrder(client_order_id: "rest-1", size: "0.5", price: "9.50") { order { ${ORDER_FIELDS} } } }`,
      undefined,
      t,
    );
    const afterAmend = await restJson<{ order: Record<string, unknown> }>(
      await rest(`/orders/${placed.order.order_id}`, { headers: t }),
    );
    expect((data(amended).amendOrder as { order: unknown }).order).toEqual(afterAmend.order);
    expect(afterAmend.order).toMatchObject({ size: "0.500", price: "9.50", status: "new" });
    const both = onlyError(
      await gql(`mutation { amendOrder(order_id: "a", client_order_id: "b", size: "1") { order { size } } }`, {}, t),
    );
    expect(both.extensions).toMatchObject({ code: "invalid_request", errors: [{ field: "order_id" }] });
    const keyed = await gql(PLACE, { order: limit("gq-2", symbol, "buy", "8.00", "1"), key: "gq-key-1" }, t);
    expect(keyed.errors).toBeUndefined();
    const stored = await restJson<{ operation: string; status: number; response: { order: { order_id: string } } }>(
      await rest("/requests/gq-key-1", { headers: t }),
    );
    expect(stored).toMatchObject({ operation: "place", status: 201 });
    const viaGraph = await gql(`{ request(key: "gq-key-1") { key in_progress operation status response } }`, {}, t);
    expect(viaGraph.data?.request).toEqual({
      key: "gq-key-1",
      in_progress: false,
      operation: "place",
      status: 201,
      response: stored.response,
    });

    const all = await gql(
      `mutation($s: String) { cancelAllOrders(instrument: $s) { cancelled { order_id status } } }`,
      { s: symbol },
      t,
    );
    const cancelled = (data(all).cancelAllOrders as { cancelled: { order_id: string; status: string }[] }).cancelled;
    expect(cancelled.map((o) => o.order_id).sort()).toEqual(
      [placed.order.order_id, stored.response.order.order_id].sort(),
    );
    const open = await restJson<{ orders: unknown[] }>(await rest("/orders?status=open", { headers: t }));
    expect(open.orders).toEqual([]);
  });

  it("places a batch with per-order results, as POST /v1/orders/batch does", async () => {
    const symbol = await instrument();
    const t = await trader({ USD: "1000" });
    const answer = await gql(
      `mutation($orders: [NewOrder!]!) {
        placeOrders(orders: $orders) { ok order { client_order_id status } error { code status extensions } }
      }`,
      { orders: [limit("b-1", symbol, "buy", "5.00", "1"), limit("b-2", symbol, "buy", "5.001", "1")] },
      t,
    );
    expect(answer.data?.placeOrders).toEqual([
      { ok: true, order: { client_order_id: "b-1", status: "new" }, error: null },
      { ok: false, order: null, error: expect.objectContaining({ code: "invalid_order", status: 400 }) },
    ]);
    const [, refused] = data(answer).placeOrders as { error: { extensions: { reason: string } } }[];
    expect(refused?.error.extensions.reason).toBe("price_off_tick");
  });

  it("answers market data and sessions like the REST routes", async () => {
    const symbol = await instrument();
    const t = await trader({ USD: "1000" });
    await gql(PLACE, { order: limit("md-1", symbol, "buy", "7.00", "3") }, t);
    const answer = await gql(
      `query($s: String!) {
      instrument(symbol: $s) { symbol tick_size }
      book(symbol: $s, level: 2, depth: 5) { instrument level bids { price size } asks { price size } }
      ticker(symbol: $s) { instrument best_bid best_bid_size }
      trades(symbol: $s) { instrument trades { trade_id } }
      sessions { open { name } next { name } }
    }`,
      { s: symbol },
    );
    expect(answer.errors).toBeUndefined();
    const book = await restJson<{ bids: string[][] }>(await rest(`/instruments/${symbol}/book?level=2&depth=5`));
    expect(answer.data?.book).toMatchObject({ instrument: symbol, level: 2, asks: [] });
    expect((data(answer).book as { bids: unknown[] }).bids).toEqual(
      book.bids.map(([price, size]) => ({ price, size })),
    );
    expect(answer.data?.instrument).toEqual({ symbol, tick_size: "0.01" });
    expect(answer.data?.ticker).toEqual({ instrument: symbol, best_bid: "7.00", best_bid_size: "3.000" });
    expect(answer.data?.trades).toEqual({ instrument: symbol, trades: [] });
  });
});

describe("errors carry the REST codes", () => {
  it("gives the same code and status as REST for the same bad inputs", async () => {
    const symbol = await instrument();
    const t = await trader({ USD: "10" });
    const cases: Array<[string, Record<string, unknown>, number, string]> = [
      ["off tick", limit("e-1", symbol, "buy", "1.001", "1"), 400, "invalid_order"],
      ["no price", { ...limit("e-2", symbol, "buy", "1.00", "1"), price: undefined }, 400, "invalid_request"],
      ["bad side", { ...limit("e-3", symbol, "buy", "1.00", "1"), side: "up" }, 400, "invalid_request"],
      ["unknown instrument", limit("e-4", "NOPE-USD", "buy", "1.00", "1"), 404, "instrument_not_found"],
      ["no funds", limit("e-5", symbol, "buy", "100.00", "1"), 422, "order_rejected"],
    ];
    for (const [what, order, status, code] of cases) {
      const viaRest = await rest("/orders", {
        method: "POST",
        headers: { ...t, ...JSON_TYPE },
        body: JSON.stringify(order),
      });
      const problem = await expectProblem(viaRest, status, code);
      const error = onlyError(
        await gql(PLACE, { order: { ...order, client_order_id: `g${order.client_order_id}` } }, t),
      );
      expect(error.extensions, what).toMatchObject({ code, status });
      if (problem.reason !== undefined) expect(error.extensions.reason, what).toBe(problem.reason);
    }
    const missing = onlyError(await gql(`{ order(order_id: "nope") { order_id } }`, undefined, t));
    await expectProblem(await rest("/orders/nope", { headers: t }), 404, "order_not_found");
    expect(missing.extensions).toMatchObject({ code: "order_not_found", status: 404 });
    const depth = onlyError(await gql(`{ book(symbol: "${symbol}", depth: 0) { seq } }`));
    await expectProblem(await rest(`/instruments/${symbol}/book?depth=0`), 400, "invalid_request");
    expect(depth.extensions).toMatchObject({ code: "invalid_request", status: 400 });
    expect(depth.extensions.errors).toEqual([{ field: "depth", message: "depth must be at least 1" }]);
    const both = onlyError(await gql(`{ order(order_id: "a", client_order_id: "b") { order_id } }`, undefined, t));
    expect(both.extensions).toMatchObject({ code: "invalid_request", status: 400 });
    const key = onlyError(await gql(PLACE, { order: limit("e-6", symbol, "buy", "1.00", "1"), key: "no spaces" }, t));
    expect(key.extensions).toMatchObject({ code: "invalid_request", errors: [{ field: "idempotency_key" }] });
    // Refused at the edge, nothing was recorded; refused by risk, the account keeps the rejected order (both ways).
    const recorded = await restJson<{ orders: { client_order_id: string; status: string }[] }>(
      await rest("/orders", { headers: t }),
    );
    expect(recorded.orders.map((o) => [o.client_order_id, o.status]).sort()).toEqual([
      ["e-5", "rejected"],
      ["ge-5", "rejected"],
    ]);
  });

  it("refuses private fields to anonymous callers and mutations to callers without trade", async () => {
    const anonymous = await gql("{ balances { asset } sessions { open { name } } }");
    expect(onlyError(anonymous)).toMatchObject({
      path: ["balances"],
      extensions: { code: "unauthorized", status: 401 },
    });
    // The public field still answers beside the refused one.
    expect(anonymous.data?.sessions).toBeDefined();

    const symbol = await instrument();
    const reader = await trader({ USD: "100" }, ["read"]);
    const refused = onlyError(await gql(PLACE, { order: limit("s-1", symbol, "buy", "1.00", "1") }, reader));
    expect(refused.extensions).toMatchObject({ code: "missing_scope", status: 403, scope: "trade" });
    expect((await gql("{ balances { asset total } }", undefined, reader)).data?.balances).toEqual([
      { asset: "USD", total: "100.00000000" },
    ]);

    // Credentials that are sent must be valid, as on REST: 401 before anything runs.
    const bad = await rest("/graphql", {
      method: "POST",
      headers: { authorization: "Bearer not-a-token", "cf-connecting-ip": freshIp(), ...JSON_TYPE },
      body: JSON.stringify({ query: "{ sessions { open { name } } }" }),
    });
    await expectProblem(bad, 401, "unauthorized", "malformed_token");
  });

  it("reports syntax and unknown fields as invalid_request (400)", async () => {
    const syntax = await gql("{ sessions { ");
    expect(syntax.status).toBe(400);
    expect(onlyError(syntax).extensions).toMatchObject({ code: "invalid_request", status: 400 });
    const unknown = await gql("{ nothing }");
    expect(unknown.status).toBe(400);
    expect(onlyError(unknown).extensions).toMatchObject({ code: "invalid_request", status: 400 });
  });
});

describe("hostile documents", () => {
  /** Runs `fn` and checks it took less than `ms`. */
  async function quick<T>(ms: number, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const out = await fn();
    expect(Date.now() - started).toBeLessThan(ms);
    return out;
  }

  it("refuses deep nesting (an introspection ofType chain) with invalid_request", async () => {
    let type = "name";
    for (let i = 0; i < 40; i++) type = `ofType { ${type} }`;
    const answer = await quick(2_000, () => gql(`{ __schema { types { fields { type { ${type} } } } } }`));
    expect(answer.status).toBe(400);
    expect(onlyError(answer).extensions).toMatchObject({ code: "invalid_request", status: 400 });
    expect(onlyError(answer).message).toMatch(/depth/i);
  });

  it("refuses 10,000 aliases while parsing, and 50 aliases at validation", async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `a${i}: sessions { time }`).join(" ");
    const answer = await quick(2_000, () => gql(`{ ${many} }`));
    expect(answer.status).toBe(400);
    expect(onlyError(answer).extensions).toMatchObject({ code: "invalid_request", status: 400 });
    expect(onlyError(answer).message).toMatch(/token/i);
    const fifty = Array.from({ length: 50 }, (_, i) => `a${i}: sessions { time }`).join(" ");
    const some = await quick(2_000, () => gql(`{ ${fifty} }`));
    expect(some.status).toBe(400);
    expect(onlyError(some).message).toMatch(/alias/i);
  });

  it("refuses huge variables (413) and bodies past the edge's limit (413 problem)", async () => {
    const big = await quick(2_000, () =>
      gql("query($s: String!) { ticker(symbol: $s) { last } }", { s: "X".repeat(100_000) }),
    );
    expect(big.status).toBe(413);
    expect(onlyError(big).extensions).toMatchObject({ code: "payload_too_large", status: 413 });
    const res = await rest("/graphql", {
      method: "POST",
      headers: { ...JSON_TYPE, "cf-connecting-ip": freshIp() },
      body: JSON.stringify({ query: "{ sessions { time } }", variables: { s: "X".repeat(300_000) } }),
    });
    await expectProblem(res, 413, "payload_too_large");
  });

  it("refuses more than 20 mutation fields in one request, and runs none of them", async () => {
    const symbol = await instrument();
    const t = await trader({ USD: "1000" });
    const fields = Array.from(
      { length: 21 },
      (_, i) =>
        `m${i}: placeOrder(order: {client_order_id: "h-${i}", instrument: "${symbol}", side: "buy", type: "limit", price: "1.00", size: "1"}) { replayed }`,
    ).join(" ");
    const answer = await gql(`mutation { ${fields} }`, undefined, t);
    expect(answer.status).toBe(400);
    expect(onlyError(answer).extensions).toMatchObject({ code: "invalid_request", reason: "max_mutation_fields" });
    expect((await restJson<{ orders: unknown[] }>(await rest("/orders", { headers: t }))).orders).toEqual([]);
  });

  it("allows the standard introspection query and serves the SDL", async () => {
    const { getIntrospectionQuery } = await import("graphql");
    const answer = await gql(getIntrospectionQuery());
    expect(answer.errors).toBeUndefined();
    expect((data(answer).__schema as { queryType: { name: string } }).queryType.name).toBe("Query");
    const sdl = await rest("/graphql/schema.graphql");
    expect(sdl.status).toBe(200);
    expect(await sdl.text()).toContain("placeOrder(order: NewOrder!, idempotency_key: String): OrderResult");
  });
});

describe("GET /v1/graphql", () => {
  it("answers queries and refuses mutations (405)", async () => {
    const query = encodeURIComponent("{ sessions { open { name } } }");
    const res = await rest(`/graphql?query=${query}`, {
      headers: { accept: "application/json", "cf-connecting-ip": freshIp() },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: Record<string, unknown> }).data.sessions).toBeDefined();
    const mutation = encodeURIComponent("mutation { cancelAllOrders { cancelled { order_id } } }");
    const refused = await rest(`/graphql?query=${mutation}`, {
      headers: { accept: "application/graphql-response+json", "cf-connecting-ip": freshIp() },
    });
    expect(refused.status).toBe(405);
    const body = (await refused.json()) as { errors: GraphQLError[] };
    expect(body.errors[0]?.extensions).toMatchObject({ code: "method_not_allowed", status: 405 });
  });

  it("serves GraphiQL to a browser in development (the tests' ENVIRONMENT)", async () => {
    const res = await rest("/graphql", { headers: { accept: "text/html", "cf-connecting-ip": freshIp() } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/graphiql/i);
  });
});
