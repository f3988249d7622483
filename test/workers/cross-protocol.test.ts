/**
 * One logical order flow through each of the four protocols (REST, the WebSocket's order.*
 * methods, GraphQL, Connect JSON): place, amend, cancel. Every protocol calls the same
 * operations, so the orders end in the same state (read back over REST) and leave the same
 * sequence of account events in Postgres; the balance is back where it started.
 */
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { deposit } from "./account-helpers.ts";
import { bearer, createAccount, tokenFor } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import { closeAll, FeedClient, resultOf } from "./feed-client.ts";
import { hasDb, sql, until } from "./postgres-helpers.ts";

const BASE = "http://platform3.test";
const SYMBOL = `XPR${Math.random().toString(36).slice(2, 6).toUpperCase()}-USD`;
const PROTOCOLS = ["rest", "ws", "graphql", "connect"] as const;
type Protocol = (typeof PROTOCOLS)[number];

afterEach(closeAll);

interface Trader {
  account: string;
  token: string;
  headers: Record<string, string>;
}

async function trader(): Promise<Trader> {
  const created = await createAccount(["read", "trade"]);
  await deposit(created.account, { USD: "100000" });
  const { access_token } = await tokenFor(created.keyId, created.secret);
  return {
    account: created.account,
    token: access_token,
    headers: { ...bearer(access_token), "cf-connecting-ip": "198.18.77.1" },
  };
}

async function post(t: Trader, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await exports.default.fetch(`${BASE}${path}`, {
    method: path.startsWith("/v1/orders/") ? "PATCH" : "POST",
    headers: { ...t.headers, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json<Record<string, unknown>>();
  expect(res.status, `${path}: ${JSON.stringify(json)}`).toBeLessThan(300);
  return json;
}

async function del(t: Trader, path: string): Promise<void> {
  const res = await exports.default.fetch(`${BASE}${path}`, { method: "DELETE", headers: t.headers });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function graphql(t: Trader, query: string, variables: Record<string, unknown>): Promise<void> {
  const json = await post(t, "/v1/graphql", { query, variables });
  expect(json.errors, JSON.stringify(json.errors)).toBeUndefined();
}

/** Place a resting buy, amend its size down, cancel it: through `protocol`. */
async function flow(protocol: Protocol, t: Trader, id: string): Promise<void> {
  const order = { client_order_id: id, instrument: SYMBOL, side: "buy", type: "limit", price: "10.00", size: "1" };
  switch (protocol) {
    case "rest":
      await post(t, "/v1/orders", order);
      await post(t, `/v1/orders/client/${id}`, { size: "0.5" });
      await del(t, `/v1/orders/client/${id}`);
      return;
    case "ws": {
      const c = await FeedClient.connect();
      expect(resultOf(await c.request("auth", { token: t.token }))).toMatchObject({ account: t.account });
      for (const [method, params] of [
        ["order.place", order],
        ["order.amend", { client_order_id: id, size: "0.5" }],
        ["order.cancel", { client_order_id: id }],
      ] as const) {
        const reply = await c.request(method, params);
        expect(reply.error, `${method}: ${JSON.stringify(reply.error)}`).toBeUndefined();
      }
      return;
    }
    case "graphql":
      await graphql(t, "mutation($o: NewOrder!) { placeOrder(order: $o) { order { status } } }", { o: order });
      await graphql(t, 'mutation($id: String) { amendOrder(client_order_id: $id, size: "0.5") { order { status } } }', {
        id,
      });
      await graphql(t, "mutation($id: String) { cancelOrder(client_order_id: $id) { order { status } } }", { id });
      return;
    case "connect":
      await post(t, "/platform3.v1.TradingService/PlaceOrder", {
        ...order,
        side: "SIDE_BUY",
        type: "ORDER_TYPE_LIMIT",
      });
      await post(t, "/platform3.v1.TradingService/AmendOrder", { client_order_id: id, size: "0.5" });
      await post(t, "/platform3.v1.TradingService/CancelOrder", { client_order_id: id });
      return;
  }
}

/** The order as REST shows it, without what names or times it (ids, timestamps). */
async function finalState(t: Trader, id: string): Promise<Record<string, unknown>> {
  const res = await exports.default.fetch(`${BASE}/v1/orders/client/${id}`, { headers: t.headers });
  expect(res.status).toBe(200);
  const body = await res.json<Record<string, unknown>>();
  const order = (body.order ?? body) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(order).filter(([k]) => !/(_id|_at|_ms|time)$/.test(k)));
}

async function usd(t: Trader): Promise<unknown> {
  const res = await exports.default.fetch(`${BASE}/v1/accounts/me/balances`, { headers: t.headers });
  const body = await res.json<{ balances: { asset: string }[] }>();
  return body.balances.find((b) => b.asset === "USD");
}

describe("the same order flow through REST, WebSocket, GraphQL and Connect", () => {
  it("ends in identical order states, balances and account events", async () => {
    await listInstrument(testInstrument(SYMBOL));
    const t = await trader();
    const before = await usd(t);
    const ids = Object.fromEntries(PROTOCOLS.map((p) => [p, `x-${p}-1`])) as Record<Protocol, string>;
    for (const p of PROTOCOLS) await flow(p, t, ids[p]);

    const states = await Promise.all(PROTOCOLS.map((p) => finalState(t, ids[p])));
    expect(states[0]).toMatchObject({ status: "cancelled", size: expect.stringMatching(/^0\.50*$/) });
    for (const [i, state] of states.entries()) expect(state, PROTOCOLS[i]).toEqual(states[0]);
    // Every hold released: the account's USD is as it was.
    expect(await usd(t)).toEqual(before);

    if (!hasDb) return;
    // The account's order events in Postgres: the same statuses and sizes, in the same order, per protocol.
    const events = await until("the four orders' events in Postgres", async () => {
      const rows = await sql<{ body: { client_order_id?: string; status?: string; size?: string } }>(
        "SELECT body FROM journal WHERE stream = 'account' AND key = $1 AND type = 'order' ORDER BY seq",
        [t.account],
      );
      const by = (p: Protocol) => rows.filter((r) => r.body.client_order_id === ids[p]).map((r) => r.body);
      const all = PROTOCOLS.map(by);
      return all.every((list) => list.at(-1)?.status === "cancelled") ? all : undefined;
    });
    const shape = (list: { status?: string; size?: string }[]) => list.map((e) => `${e.status} ${e.size}`);
    for (const [i, list] of events.entries()) expect(shape(list), PROTOCOLS[i]).toEqual(shape(events[0] ?? []));
    expect((events[0] ?? []).length).toBeGreaterThanOrEqual(3);
  }, 30_000);
});
