/**
 * test/workers/cross-protocol.test.ts: funded traders, and the same order actions (place,
 * amend, cancel, batch, cancel-all) through each of REST, the WebSocket's `order.*`
 * methods, GraphQL and Connect JSON, each answering a protocol-free outcome; and what the
 * test compares afterwards, read over REST and from Postgres.
 */

import { exports } from "cloudflare:workers";
import { fromBinary } from "@bufbuild/protobuf";
import { expect } from "vitest";
import { ProblemSchema } from "../../shared/proto/gen/platform3/v1/common_pb.ts";
import { deposit } from "./account-helpers.ts";
import { bearer, createAccount, tokenFor } from "./auth-helpers.ts";
import { FeedClient, resultOf } from "./feed-client.ts";
import { sql } from "./postgres-helpers.ts";

export const BASE = "http://platform3.test";
export const PROTOCOLS = ["rest", "ws", "graphql", "connect"] as const;
export type Protocol = (typeof PROTOCOLS)[number];
type Json = Record<string, unknown>;

export interface Trader {
  account: string;
  token: string;
  headers: Record<string, string>;
}

export async function trader(deposits: Record<string, string> = { USD: "100000" }): Promise<Trader> {
  const created = await createAccount(["read", "trade"]);
  await deposit(created.account, deposits);
  const { access_token } = await tokenFor(created.keyId, created.secret);
  return {
    account: created.account,
    token: access_token,
    headers: { ...bearer(access_token), "cf-connecting-ip": "198.18.77.1" },
  };
}

/** `method path` as `t` with a JSON body; the status, JSON answer and headers. */
export async function http(t: Trader, method: string, path: string, body?: unknown) {
  const res = await exports.default.fetch(`${BASE}${path}`, {
    method,
    headers: { ...t.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: await res.json<Json>() };
}

/** As {@link http}, failing the test unless the answer is 2xx. */
export async function ok(t: Trader, method: string, path: string, body?: unknown): Promise<Json> {
  const { status, json } = await http(t, method, path, body);
  expect(status, `${method} ${path}: ${JSON.stringify(json)}`).toBeLessThan(300);
  return json;
}

/** What an order action did, whatever the protocol: placed, or refused with which code and reason. */
export interface Outcome {
  ok: boolean;
  code?: string;
  reason?: unknown;
}

const refused = (code: unknown, reason: unknown): Outcome => ({ ok: false, code: String(code), reason });

/** A new order as REST writes it. */
export type NewOrder = { client_order_id: string; instrument: string; side: "buy" | "sell" } & Json;

export interface Actions {
  place(order: NewOrder): Promise<Outcome>;
  amend(id: string, size: string): Promise<Outcome>;
  cancel(id: string): Promise<Outcome>;
  /** One outcome per order; the WebSocket has no batch method: one `order.place` each. */
  batch(orders: NewOrder[]): Promise<Outcome[]>;
  /** How many orders were cancelled. */
  cancelAll(instrument: string): Promise<number>;
}

/** An order as Connect's JSON writes it (enum value names). */
const protoOrder = (o: NewOrder) => ({
  ...o,
  side: `SIDE_${o.side.toUpperCase()}`,
  type: `ORDER_TYPE_${String(o.type).toUpperCase()}`,
});

/** The order actions of `t` through `protocol` (the WebSocket one opens and authenticates a socket). */
export async function actions(protocol: Protocol, t: Trader): Promise<Actions> {
  switch (protocol) {
    case "rest": {
      const outcome = async (method: string, path: string, body?: unknown): Promise<Outcome> => {
        const { status, json } = await http(t, method, path, body);
        return status < 300 ? { ok: true } : refused(json.code, json.reason);
      };
      return {
        place: (o) => outcome("POST", "/v1/orders", o),
        amend: (id, size) => outcome("PATCH", `/v1/orders/client/${id}`, { size }),
        cancel: (id) => outcome("DELETE", `/v1/orders/client/${id}`),
        batch: async (orders) => {
          const { results } = (await ok(t, "POST", "/v1/orders/batch", { orders })) as { results: Json[] };
          return results.map((r) => (r.ok ? { ok: true } : refused((r.error as Json).code, (r.error as Json).reason)));
        },
        cancelAll: async (i) => ((await ok(t, "DELETE", `/v1/orders?instrument=${i}`)).cancelled as []).length,
      };
    }
    case "ws": {
      const c = await FeedClient.connect();
      expect(resultOf(await c.request("auth", { token: t.token }))).toMatchObject({ account: t.account });
      const outcome = async (method: string, params: unknown): Promise<Outcome> => {
        const reply = await c.request(method, params);
        return reply.error ? refused(reply.error.code, reply.error.reason) : { ok: true };
      };
      const place = (o: NewOrder) => outcome("order.place", o);
      return {
        place,
        amend: (id, size) => outcome("order.amend", { client_order_id: id, size }),
        cancel: (id) => outcome("order.cancel", { client_order_id: id }),
        batch: async (orders) => {
          const out: Outcome[] = [];
          for (const o of orders) out.push(await place(o));
          return out;
        },
        cancelAll: async (instrument) =>
          (resultOf(await c.request("order.cancel_all", { instrument })) as { cancelled: unknown[] }).cancelled.length,
      };
    }
    case "graphql": {
      const gql = async (query: string, variables: Json): Promise<{ data: Json; outcome: Outcome }> => {
        const json = await ok(t, "POST", "/v1/graphql", { query, variables });
        const [error] = (json.errors as { extensions: Json }[] | undefined) ?? [];
        const outcome = error ? refused(error.extensions.code, error.extensions.reason) : { ok: true };
        return { data: json.data as Json, outcome };
      };
      const field = "order { status }";
      return {
        place: async (o) =>
          (await gql(`mutation($o: NewOrder!) { placeOrder(order: $o) { ${field} } }`, { o })).outcome,
        amend: async (id, size) =>
          (
            await gql(`mutation($id: String, $s: String) { amendOrder(client_order_id: $id, size: $s) { ${field} } }`, {
              id,
              s: size,
            })
          ).outcome,
        cancel: async (id) =>
          (await gql(`mutation($id: String) { cancelOrder(client_order_id: $id) { ${field} } }`, { id })).outcome,
        batch: async (orders) => {
          const query = "mutation($os: [NewOrder!]!) { placeOrders(orders: $os) { ok error { code extensions } } }";
          const { data, outcome } = await gql(query, { os: orders });
          expect(outcome).toEqual({ ok: true });
          return (data.placeOrders as { ok: boolean; error: { code: string; extensions: Json } | null }[]).map((r) =>
            r.ok ? { ok: true } : refused(r.error?.code, r.error?.extensions?.reason),
          );
        },
        cancelAll: async (i) => {
          const query = "mutation($i: String) { cancelAllOrders(instrument: $i) { cancelled { order_id } } }";
          const { data, outcome } = await gql(query, { i });
          expect(outcome).toEqual({ ok: true });
          return ((data.cancelAllOrders as Json).cancelled as []).length;
        },
      };
    }
    case "connect": {
      const rpc = async (method: string, body: unknown): Promise<{ json: Json; outcome: Outcome }> => {
        const { status, headers, json } = await http(t, "POST", `/platform3.v1.TradingService/${method}`, body);
        if (status === 200) return { json, outcome: { ok: true } };
        // The problem rides in the error's details, as binary `platform3.v1.Problem`.
        const [detail] = (json.details as { type: string; value: string }[] | undefined) ?? [];
        expect(detail?.type).toBe("platform3.v1.Problem");
        const problem = fromBinary(
          ProblemSchema,
          Uint8Array.from(atob(detail?.value ?? ""), (ch) => ch.charCodeAt(0)),
        );
        expect(problem.code).toBe(headers.get("p3-error-code"));
        return { json, outcome: refused(problem.code, problem.reason) };
      };
      return {
        place: async (o) => (await rpc("PlaceOrder", protoOrder(o))).outcome,
        amend: async (id, size) => (await rpc("AmendOrder", { client_order_id: id, size })).outcome,
        cancel: async (id) => (await rpc("CancelOrder", { client_order_id: id })).outcome,
        batch: async (orders) => {
          const { json } = await rpc("PlaceOrders", { orders: orders.map(protoOrder) });
          return (json.results as { ok?: boolean; error?: Json }[]).map((r) =>
            r.ok ? { ok: true } : refused(r.error?.code, r.error?.reason),
          );
        },
        cancelAll: async (instrument) =>
          (((await rpc("CancelAllOrders", { instrument })).json.cancelled as []) ?? []).length,
      };
    }
  }
}

/** The order as REST shows it, without what names or times it (ids, timestamps). */
export async function finalState(t: Trader, id: string): Promise<Json> {
  const body = await ok(t, "GET", `/v1/orders/client/${id}`);
  const order = (body.order ?? body) as Json;
  return Object.fromEntries(Object.entries(order).filter(([k]) => !/(_id|_at|_ms|time)$/.test(k)));
}

export type Balances = Record<string, { total: string; available: string; hold: string }>;

export async function balances(t: Trader): Promise<Balances> {
  type Balance = { asset: string; total: string; available: string; hold: string };
  const { balances } = (await ok(t, "GET", "/v1/accounts/me/balances")) as { balances: Balance[] };
  return Object.fromEntries(balances.map(({ asset, total, available, hold }) => [asset, { total, available, hold }]));
}

/** after − before per asset and figure, as decimal strings of 8 places (numbers are exact enough at these sizes). */
export function deltas(before: Balances, after: Balances): Record<string, Record<string, string>> {
  const zero = { total: "0", available: "0", hold: "0" };
  return Object.fromEntries(
    Object.entries(after).map(([asset, b]) => [
      asset,
      Object.fromEntries(
        (["total", "available", "hold"] as const).map((k) => [
          k,
          (Number(b[k]) - Number((before[asset] ?? zero)[k])).toFixed(8),
        ]),
      ),
    ]),
  );
}

/** `t`'s fills over REST, without ids and times: what the fill was. */
export async function fills(t: Trader): Promise<Json[]> {
  const { fills } = (await ok(t, "GET", "/v1/fills")) as { fills: Json[] };
  return fills.map(({ client_order_id, instrument, side, price, size, value, fee, fee_asset, liquidity }) => ({
    client_order_id,
    instrument,
    side,
    price,
    size,
    value,
    fee,
    fee_asset,
    liquidity,
  }));
}

/** Every `account` event of `t` in Postgres, in seq order, as `type` and what changed (no ids or times). */
export async function journal(t: Trader): Promise<string[]> {
  const rows = await sql<{ type: string; body: Json }>(
    "SELECT type, body FROM journal WHERE stream = 'account' AND key = $1 ORDER BY seq",
    [t.account],
  );
  return rows.map(({ type, body: b }) => {
    if (type === "order") return `order ${b.client_order_id} ${b.status} ${b.size} filled ${b.filled_size}`;
    if (type === "fill") return `fill ${b.client_order_id} ${b.side} ${b.size}@${b.price} ${b.liquidity} fee ${b.fee}`;
    return `${type} ${b.type} ${b.asset} ${b.ledger_account} ${b.amount} -> ${b.balance}/${b.hold}`;
  });
}
