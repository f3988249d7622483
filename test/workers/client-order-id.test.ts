/**
 * `client_order_id` is optional on every placement (REST, its batch, GraphQL and the
 * WebSocket; Connect's empty string is "not given"): the server names the order `srv-`
 * and 32 hex digits, derived from the Idempotency-Key when there is one, so a retry
 * of the same keyed request is answered with the same order, not a second one.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { deposit } from "./account-helpers.ts";
import { createAccount, tokenFor } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import { FeedClient, freshAddress, resultOf } from "./feed-client.ts";

const GENERATED = /^srv-[0-9a-f]{32}$/;
let n = 0;

async function setup() {
  const symbol = `COI${++n}${Math.random().toString(36).slice(2, 5).toUpperCase()}-USD`;
  await listInstrument(testInstrument(symbol));
  const created = await createAccount(["read", "trade"]);
  const { access_token } = await tokenFor(created.keyId, created.secret);
  await deposit(created.account, { USD: "100000" });
  const headers = { authorization: `Bearer ${access_token}`, "cf-connecting-ip": freshAddress() };
  return { symbol, token: access_token, headers, account: created.account };
}

// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field.
type Any = any;

async function post(
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<{ status: number; json: Any }> {
  const res = await exports.default.fetch(`http://platform3.test${path}`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const order = (symbol: string, price = "10.00") => ({
  instrument: symbol,
  side: "buy",
  type: "limit",
  price,
  size: "1",
});

describe("client_order_id is optional", () => {
  it("REST: an order without one is named srv-…; a keyed retry answers the same order, an unkeyed one is a new order", async () => {
    const t = await setup();
    const first = await post("/v1/orders", { ...t.headers, "idempotency-key": "coi-key-1" }, order(t.symbol));
    expect(first.status).toBe(201);
    expect(first.json.order.client_order_id).toMatch(GENERATED);
    const again = await post("/v1/orders", { ...t.headers, "idempotency-key": "coi-key-1" }, order(t.symbol));
    expect(again.json.order.order_id).toBe(first.json.order.order_id);
    expect(again.json.order.client_order_id).toBe(first.json.order.client_order_id);

    const unkeyed = await post("/v1/orders", t.headers, order(t.symbol));
    expect(unkeyed.status).toBe(201);
    expect(unkeyed.json.order.client_order_id).toMatch(GENERATED);
    expect(unkeyed.json.order.client_order_id).not.toBe(first.json.order.client_order_id);
    // Found by the generated id, as by any client_order_id.
    const found = await exports.default.fetch(
      `http://platform3.test/v1/orders/client/${unkeyed.json.order.client_order_id}`,
      { headers: t.headers },
    );
    expect(((await found.json()) as { order: { order_id: string } }).order.order_id).toBe(unkeyed.json.order.order_id);
  });

  it("REST batch: each item without one gets its own id, the same ones again under the same key", async () => {
    const t = await setup();
    const body = {
      orders: [order(t.symbol, "10.00"), order(t.symbol, "10.01"), { ...order(t.symbol), client_order_id: "mine-1" }],
    };
    const first = await post("/v1/orders/batch", { ...t.headers, "idempotency-key": "coi-batch" }, body);
    const ids = first.json.results.map((r: { order: { client_order_id: string } }) => r.order.client_order_id);
    expect(ids[0]).toMatch(GENERATED);
    expect(ids[1]).toMatch(GENERATED);
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids[2]).toBe("mine-1");
    const again = await post("/v1/orders/batch", { ...t.headers, "idempotency-key": "coi-batch" }, body);
    expect(again.json.results.map((r: { order: { client_order_id: string } }) => r.order.client_order_id)).toEqual(ids);
  });

  it("GraphQL and the WebSocket place without one too", async () => {
    const t = await setup();
    const gql = await post("/v1/graphql", t.headers, {
      query: `mutation ($o: NewOrder!) { placeOrder(order: $o, idempotency_key: "coi-gql") { order { client_order_id status } } }`,
      variables: { o: order(t.symbol) },
    });
    expect(gql.json.errors).toBeUndefined();
    expect(gql.json.data.placeOrder.order.client_order_id).toMatch(GENERATED);

    const socket = await FeedClient.connect();
    resultOf(await socket.request("auth", { token: t.token }));
    const placed = resultOf(await socket.request("order.place", order(t.symbol))) as {
      order: { client_order_id: string };
    };
    expect(placed.order.client_order_id).toMatch(GENERATED);
    await socket.close();
  });

  it("a client_order_id that is given must still follow the grammar", async () => {
    const t = await setup();
    const bad = await post("/v1/orders", t.headers, { ...order(t.symbol), client_order_id: "has spaces" });
    expect(bad.status).toBe(400);
  });
});
