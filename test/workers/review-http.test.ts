/**
 * Findings of the hostile review (issue #16) on the HTTP surface, each a behaviour a client
 * relies on: a cancel is never wider than asked (1), order errors name the right field and
 * use one grammar (5), query parameters have one strict grammar and one rule for unknown
 * keys (6), and a body is what its headers say (10).
 */
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { deposit } from "./account-helpers.ts";
import { bearer, createAccount, tokenFor } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";

const BASE = "http://platform3.test/v1";
const JSON_TYPE = { "content-type": "application/json" };
const SYMBOL_A = "RVA-USD";
const SYMBOL_B = "RVB-USD";

let headers: Record<string, string> = {};
let ip = 0;

function api(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const h = { ...headers, "cf-connecting-ip": `198.18.77.${++ip % 250}`, ...init.headers };
  return exports.default.fetch(`${BASE}${path}`, { method, headers: h, body: init.body });
}

async function place(instrument: string, side: "buy" | "sell", price: string, clientId: string) {
  const body = JSON.stringify({ client_order_id: clientId, instrument, side, type: "limit", price, size: "1" });
  const res = await api("POST", "/orders", { body, headers: JSON_TYPE });
  expect(res.status).toBe(201);
  return ((await res.json()) as { order: { order_id: string } }).order.order_id;
}

async function openOrders(): Promise<string[]> {
  const res = await api("GET", "/orders?status=open&limit=100");
  expect(res.status).toBe(200);
  return ((await res.json()) as { orders: Array<{ order_id: string }> }).orders.map((o) => o.order_id).sort();
}

async function problem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.code).toBe(code);
  return body;
}

beforeAll(async () => {
  await listInstrument(testInstrument(SYMBOL_A));
  await listInstrument(testInstrument(SYMBOL_B));
  const created = await createAccount(["read", "trade"]);
  await deposit(created.account, { USD: "1000000.00" });
  const { access_token } = await tokenFor(created.keyId, created.secret);
  headers = bearer(access_token);
});

describe("finding 1: a DELETE with a body is refused, never read as 'cancel everything'", () => {
  it("DELETE /v1/orders with a JSON filter in the body cancels nothing and says where the filter goes", async () => {
    const a = await place(SYMBOL_A, "buy", "10.00", "r1-a");
    const b = await place(SYMBOL_B, "buy", "10.00", "r1-b");
    const before = await openOrders();
    expect(before).toEqual(expect.arrayContaining([a, b]));
    const body = JSON.stringify({ instrument: SYMBOL_A, side: "sell" });
    const refused = await problem(
      await api("DELETE", "/orders", { body, headers: JSON_TYPE }),
      400,
      "body_not_allowed",
    );
    expect(String(refused.detail)).toContain("query");
    expect(await openOrders()).toEqual(before);
    // The filter in the query is honoured, and only it.
    const ok = await api("DELETE", `/orders?instrument=${SYMBOL_A}`);
    expect(ok.status).toBe(200);
    const after = await openOrders();
    expect(after).toContain(b);
    expect(after).not.toContain(a);
  });

  it("DELETE /v1/orders/{id} with a body is refused and the order stays open", async () => {
    const id = await place(SYMBOL_A, "buy", "11.00", "r1-c");
    const res = await api("DELETE", `/orders/${id}`, { body: "{}", headers: JSON_TYPE });
    await problem(res, 400, "body_not_allowed");
    expect(await openOrders()).toContain(id);
    expect((await api("DELETE", `/orders/${id}`)).status).toBe(200);
  });
});

describe("finding 5: invalid_order names the field, and one grammar for prices everywhere", () => {
  it("a price of 0 is refused naming price, not size", async () => {
    const body = JSON.stringify({
      client_order_id: "r5-a",
      instrument: SYMBOL_A,
      side: "buy",
      type: "limit",
      price: "0",
      size: "1",
    });
    const p = await problem(await api("POST", "/orders", { body, headers: JSON_TYPE }), 400, "invalid_order");
    expect(p.errors).toEqual([expect.objectContaining({ field: "price" })]);
  });

  it("amending to price 0 is the same 400 invalid_order naming price, and changes nothing", async () => {
    const id = await place(SYMBOL_A, "buy", "12.00", "r5-b");
    const res = await api("PATCH", `/orders/${id}`, { body: JSON.stringify({ price: "0" }), headers: JSON_TYPE });
    const p = await problem(res, 400, "invalid_order");
    expect(p.errors).toEqual([expect.objectContaining({ field: "price" })]);
    const off = await api("PATCH", `/orders/${id}`, { body: JSON.stringify({ size: "0.0001" }), headers: JSON_TYPE });
    expect((await problem(off, 400, "invalid_order")).errors).toEqual([expect.objectContaining({ field: "size" })]);
    const { order } = (await (await api("GET", `/orders/${id}`)).json()) as { order: { price: string; size: string } };
    expect(order).toMatchObject({ price: "12.00", size: "1.000" });
  });

  it("decimals with leading zeros are refused by the schema, in orders and amendments alike", async () => {
    for (const price of ["040000.00", "00.5", "01"]) {
      const body = JSON.stringify({
        client_order_id: `r5-${price}`,
        instrument: SYMBOL_A,
        side: "buy",
        type: "limit",
        price,
        size: "1",
      });
      const p = await problem(await api("POST", "/orders", { body, headers: JSON_TYPE }), 400, "invalid_request");
      expect(p.errors).toEqual([expect.objectContaining({ field: "price" })]);
    }
    const id = await place(SYMBOL_A, "buy", "13.00", "r5-c");
    const res = await api("PATCH", `/orders/${id}`, { body: JSON.stringify({ size: "01" }), headers: JSON_TYPE });
    await problem(res, 400, "invalid_request");
  });
});

describe("finding 6: one strict grammar for numeric query parameters, one rule for unknown keys", () => {
  it.each(["1e3", "0x10", "10.0", "+5", " 5", "05", "-1", "Infinity"])(
    "depth=%s is refused naming depth",
    async (value) => {
      const res = await api("GET", `/instruments/${SYMBOL_A}/book?depth=${encodeURIComponent(value)}`);
      const p = await problem(res, 400, "invalid_request");
      expect(p.errors).toEqual([expect.objectContaining({ field: "depth" })]);
    },
  );

  it("plain integers pass", async () => {
    expect((await api("GET", `/instruments/${SYMBOL_A}/book?depth=5`)).status).toBe(200);
    expect((await api("GET", "/orders?limit=10")).status).toBe(200);
  });

  it.each([
    ["/orders?status=open&stauts=done", "stauts"],
    ["/fills?instrumnet=RVA-USD", "instrumnet"],
    [`/instruments/${SYMBOL_A}/ticker?x=1`, "x"],
    ["/instruments?foo=bar", "foo"],
    ["/time?z=1", "z"],
  ])("an unknown query key is refused on every route: %s", async (path, key) => {
    const p = await problem(await api("GET", path), 400, "invalid_request");
    expect(p.errors).toEqual([expect.objectContaining({ field: key })]);
  });

  it("a query key given twice is refused rather than one of them silently winning", async () => {
    const id = await place(SYMBOL_A, "buy", "14.00", "r6-a");
    const res = await api("DELETE", `/orders?instrument=${SYMBOL_B}&instrument=${SYMBOL_A}`);
    const p = await problem(res, 400, "invalid_request");
    expect(p.errors).toEqual([expect.objectContaining({ field: "instrument" })]);
    expect(await openOrders()).toContain(id);
  });
});

describe("finding 10: a body is what its headers say", () => {
  const order = (id: string) =>
    JSON.stringify({ client_order_id: id, instrument: SYMBOL_A, side: "buy", type: "limit", price: "9.00", size: "1" });

  it.each(["application/json; charset=utf-16", "application/json; charset=latin1", "application/json;charset=UTF-32"])(
    "Content-Type %s is refused with 415 and nothing is placed",
    async (type) => {
      const id = `r10-${type.replace(/[^a-zA-Z0-9]/g, "")}`;
      const res = await api("POST", "/orders", { body: order(id), headers: { "content-type": type } });
      await problem(res, 415, "unsupported_media_type");
      expect((await api("GET", `/orders/client/${id}`)).status).toBe(404);
    },
  );

  it("charset=utf-8 (any case) is accepted", async () => {
    const res = await api("POST", "/orders", {
      body: order("r10-utf8"),
      headers: { "content-type": "application/json; charset=UTF-8" },
    });
    expect(res.status).toBe(201);
  });

  it.each(["gzip", "br", "deflate", "identity, gzip"])(
    "Content-Encoding %s on a plain body is refused with 415",
    async (enc) => {
      const id = `r10-${enc.replace(/[^a-z]/g, "")}`;
      const res = await api("POST", "/orders", {
        body: order(id),
        headers: { ...JSON_TYPE, "content-encoding": enc },
      });
      await problem(res, 415, "unsupported_media_type");
      const seen = await api("GET", `/orders/client/${id}`);
      expect(seen.status).toBe(404);
    },
  );
});
