/**
 * The Connect RPCs test/node/connect.test.ts does not reach, with real `@connectrpc/connect-node`
 * clients against the Worker and its objects in workerd (Miniflare, bench/runtime.ts), each
 * compared field for field with the REST call of the same operation: PlaceOrders (a good and a
 * refused item), CancelAfter (arm, disarm, and what each does to open orders), ListFills after a
 * trade between two traders, GetCandles, GetSessions, ListLedgerEntries; and the refusals of the
 * app's chain rewritten into Connect errors: a body over `MAX_BODY_BYTES` (REST 413) and a caller
 * past its rate limit (REST 429), both `resource_exhausted` with REST's code.
 */
import type { DescEnum, DescField, DescMessage, MessageShape } from "@bufbuild/protobuf";
import { ScalarType, toJson } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTraders, listInstrument, RUN, SYMBOL, type Trader } from "../../bench/orders/setup.ts";
import { startServer, stopServer } from "../../bench/runtime.ts";
import { AccountService, ListLedgerEntriesResponseSchema } from "../../shared/proto/gen/platform3/v1/account_pb.ts";
import {
  ErrorCode,
  FillSchema,
  OrderSchema,
  OrderType,
  ProblemSchema,
  Side,
} from "../../shared/proto/gen/platform3/v1/common_pb.ts";
import {
  GetCandlesResponseSchema,
  GetSessionsResponseSchema,
  MarketDataService,
} from "../../shared/proto/gen/platform3/v1/market_data_pb.ts";
import { ListFillsResponseSchema, TradingService } from "../../shared/proto/gen/platform3/v1/trading_pb.ts";

// biome-ignore lint/suspicious/noExplicitAny: REST answers are read field by field.
type Json = Record<string, any>;

let base: string;
/** `maker` rests orders, `taker` crosses them, `timer` arms the dead-man timer, `limited` spends its rate limit. */
let maker: Trader;
let taker: Trader;
let timer: Trader;
let limited: Trader;
let n = 0;

beforeAll(async () => {
  const server = await startServer({ runtime: "miniflare", label: "connect-rpcs" });
  base = server.base;
  await listInstrument(base, SYMBOL);
  [maker, taker, timer, limited] = (await createTraders(base, 4, `crpc-${RUN}`)) as [Trader, Trader, Trader, Trader];
}, 240_000);

afterAll(() => stopServer());

type Kind = "connect-json" | "connect-binary" | "grpc-web";

function transport(kind: Kind = "connect-json"): Transport {
  if (kind === "grpc-web") return createGrpcWebTransport({ baseUrl: base, httpVersion: "1.1" });
  return createConnectTransport({ baseUrl: base, httpVersion: "1.1", useBinaryFormat: kind === "connect-binary" });
}

const trading = (kind?: Kind): Client<typeof TradingService> => createClient(TradingService, transport(kind));
const market = (kind?: Kind): Client<typeof MarketDataService> => createClient(MarketDataService, transport(kind));
const account = (kind?: Kind): Client<typeof AccountService> => createClient(AccountService, transport(kind));

async function rest(t: Trader, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...t.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

/** The error a call fails with (fails the test if it succeeds). */
async function refusal(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("the call succeeded");
}

const cid = (tag: string) => `crpc-${RUN}-${tag}-${n++}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ── a message in REST's JSON, by its descriptor (written here, not taken from workers/api/connect) ──

const INT64 = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64]);

/** `LedgerEntryType` → `LEDGER_ENTRY_TYPE_`: the prefix buf's STANDARD rules give every value. */
const enumPrefix = (e: DescEnum) => `${e.name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}_`;

function restValue(field: DescField, value: unknown): unknown {
  const kind = field.fieldKind === "list" ? field.listKind : field.fieldKind;
  if (kind === "enum") {
    const e = field.enum as DescEnum;
    return String(value).slice(enumPrefix(e).length).toLowerCase();
  }
  if (kind === "scalar") return INT64.has(field.scalar as ScalarType) ? Number(value) : value;
  if (kind === "message") {
    const m = field.message as DescMessage;
    return m.typeName.startsWith("google.protobuf.") ? value : restObject(m, value as Json);
  }
  return value;
}

function restObject(desc: DescMessage, json: Json): Json {
  const out: Json = {};
  for (const field of desc.fields) {
    const value = json[field.name];
    if (value === undefined) continue;
    out[field.name] =
      field.fieldKind === "list" ? value.map((v: unknown) => restValue(field, v)) : restValue(field, value);
  }
  return out;
}

/** A response message as REST would write it: proto names, enums as REST strings, int64 as numbers. */
function asRest<Desc extends DescMessage>(desc: Desc, message: MessageShape<Desc>): Json {
  return restObject(desc, toJson(desc, message, { useProtoFieldName: true, alwaysEmitImplicit: true }) as Json);
}

/** REST JSON without its null members, at any depth (proto leaves those fields unset). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

/** The members of a REST problem that `Problem` has no field of its own for (they go in `extensions`). */
function extensionsOf(problem: Json): Json {
  const { type: _t, title: _ti, status: _s, detail: _d, code: _c, reason: _r, ...rest } = problem;
  return rest;
}

const restOrder = { instrument: SYMBOL, type: "limit" } as const;
const protoOrder = { instrument: SYMBOL, type: OrderType.LIMIT } as const;

describe("TradingService.PlaceOrders", () => {
  it("a good and a refused item: the good one placed as REST places it, the refused one with REST's problem", async () => {
    const [good, bad] = [cid("batch-good"), cid("batch-bad")];
    const restBatch = await rest(taker, "POST", "/v1/orders/batch", {
      orders: [
        { ...restOrder, client_order_id: `${good}-r`, side: "buy", price: "95.00", size: "2" },
        { ...restOrder, client_order_id: `${bad}-r`, side: "buy", price: "95.001", size: "1" },
      ],
    });
    expect(restBatch.status).toBe(200);
    const [restGood, restBad] = restBatch.json.results as [Json, Json];
    expect(restGood.ok).toBe(true);
    expect(restBad.ok).toBe(false);
    expect(restBad.error.code).toBe("invalid_order");

    const answer = await trading("connect-binary").placeOrders(
      {
        orders: [
          { ...protoOrder, clientOrderId: good, side: Side.BUY, price: "95.00", size: "2" },
          { ...protoOrder, clientOrderId: bad, side: Side.BUY, price: "95.001", size: "1" },
        ],
      },
      { headers: taker.headers },
    );
    expect(answer.results).toHaveLength(2);
    const [placed, refused] = answer.results;

    // The good item: the order REST reads back, and the same as REST's own good item but for ids and times.
    expect(placed?.ok).toBe(true);
    expect(placed?.replayed).toBe(false);
    expect(placed?.error).toBeUndefined();
    const order = asRest(OrderSchema, placed?.order as never);
    expect(order).toMatchObject({ client_order_id: good, side: "buy", price: "95.00", size: "2", status: "new" });
    const readBack = await rest(taker, "GET", `/v1/orders/client/${good}`);
    expect(order).toEqual(withoutNulls(readBack.json.order));
    const timeless = (o: Json) => Object.fromEntries(Object.entries(o).filter(([k]) => !/(_id|_at|_ms)$/.test(k)));
    expect(timeless(order)).toEqual(timeless(withoutNulls(restGood.order) as Json));
    expect(placed?.fills).toEqual([]);

    // The refused item: REST's problem, as a Problem message; nothing placed.
    expect(refused?.ok).toBe(false);
    expect(refused?.order).toBeUndefined();
    const problem = refused?.error;
    expect(problem?.code).toBe(restBad.error.code);
    expect(problem?.errorCode).toBe(ErrorCode.INVALID_ORDER);
    expect(problem?.status).toBe(restBad.error.status);
    expect(problem?.title).toBe(restBad.error.title);
    expect(problem?.type).toBe(restBad.error.type);
    expect(problem?.reason).toBe(restBad.error.reason);
    expect(problem?.reason).toBe("price_off_tick");
    expect(problem?.detail).toBe(restBad.error.detail.replaceAll(`${bad}-r`, bad));
    expect(problem?.extensions ?? {}).toEqual(extensionsOf(restBad.error));
    expect((await rest(taker, "GET", `/v1/orders/client/${bad}`)).status).toBe(404);

    await rest(taker, "DELETE", `/v1/orders?instrument=${SYMBOL}`);
  });
});

describe("TradingService.CancelAfter", () => {
  it("arms and disarms as REST does, with the same answers and the same stored outcome", async () => {
    const key = cid("arm-key");
    const before = Date.now();
    const armed = await trading().cancelAfter(
      { timeoutMs: 60_000n },
      { headers: { ...timer.headers, "idempotency-key": key } },
    );
    const after = Date.now();
    expect(Number(armed.cancelAtMs)).toBeGreaterThanOrEqual(before + 60_000 - 1);
    expect(Number(armed.cancelAtMs)).toBeLessThanOrEqual(after + 60_000 + 1);
    expect(armed.cancelAt).toBe(new Date(Number(armed.cancelAtMs)).toISOString());
    // REST's record of the keyed call is exactly the Connect answer.
    const outcome = await rest(timer, "GET", `/v1/requests/${key}`);
    expect(outcome.status).toBe(200);
    expect(outcome.json.operation).toBe("cancel_after");
    expect(outcome.json.response).toEqual({ cancel_at: armed.cancelAt, cancel_at_ms: Number(armed.cancelAtMs) });

    // REST arms with the same shape of answer.
    const restArmed = await rest(timer, "POST", "/v1/orders/cancel-after", { timeout_ms: 60_000 });
    expect(restArmed.status).toBe(200);
    expect(Object.keys(restArmed.json).sort()).toEqual(["cancel_at", "cancel_at_ms"]);
    expect(restArmed.json.cancel_at_ms).toBeGreaterThanOrEqual(Number(armed.cancelAtMs));

    // Disarm over Connect (timeout 0, proto3's default) and over REST: nothing armed in either answer.
    const disarmed = await trading().cancelAfter({ timeoutMs: 0n }, { headers: timer.headers });
    const restDisarmed = await rest(timer, "POST", "/v1/orders/cancel-after", { timeout_ms: 0 });
    expect(restDisarmed.json).toEqual({ cancel_at: null, cancel_at_ms: null });
    expect({ cancel_at: disarmed.cancelAt ?? null, cancel_at_ms: disarmed.cancelAtMs ?? null }).toEqual(
      restDisarmed.json,
    );
  });

  it("a timer armed over Connect cancels the open orders; one disarmed over Connect does not", async () => {
    const place = async (id: string) => {
      const order = { ...restOrder, client_order_id: id, side: "buy", price: "95.00", size: "1" };
      expect((await rest(timer, "POST", "/v1/orders", order)).status).toBe(201);
    };
    const status = async (id: string) => (await rest(timer, "GET", `/v1/orders/client/${id}`)).json.order.status;

    const doomed = cid("doomed");
    await place(doomed);
    await trading().cancelAfter({ timeoutMs: 1_000n }, { headers: timer.headers });
    const deadline = Date.now() + 10_000;
    while ((await status(doomed)) !== "cancelled" && Date.now() < deadline) await sleep(200);
    expect(await status(doomed)).toBe("cancelled");

    const kept = cid("kept");
    await place(kept);
    expect((await rest(timer, "POST", "/v1/orders/cancel-after", { timeout_ms: 1_000 })).status).toBe(200);
    await trading("grpc-web").cancelAfter({ timeoutMs: 0n }, { headers: timer.headers });
    await sleep(2_000);
    expect(await status(kept)).toBe("new");
    await rest(timer, "DELETE", `/v1/orders/client/${kept}`);
  }, 30_000);

  it("a timeout outside the range is refused with REST's code and fields", async () => {
    for (const timeout of [86_400_001, 500]) {
      const restAnswer = await rest(timer, "POST", "/v1/orders/cancel-after", { timeout_ms: timeout });
      expect(restAnswer.status).toBe(400);
      const err = await refusal(trading().cancelAfter({ timeoutMs: BigInt(timeout) }, { headers: timer.headers }));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.metadata.get("p3-error-code")).toBe(restAnswer.json.code);
      const [problem] = err.findDetails(ProblemSchema);
      expect(problem?.status).toBe(400);
      const errors = problem?.extensions?.errors as { field: string; message: string }[];
      expect(errors.map((e) => e.message)).toEqual(restAnswer.json.errors.map((e: Json) => e.message));
      // A field's issue is named alike; an issue of the whole input (500: the refinement "0 or at least
      // 1000") is "body" on REST and "arguments" in the operations layer (operations/define.ts invalidInput).
      const restFields = restAnswer.json.errors.map((e: Json) => e.field);
      expect(errors.map((e) => e.field)).toEqual(timeout === 500 ? ["arguments"] : restFields);
      expect(restFields).toEqual(timeout === 500 ? ["body"] : ["timeout_ms"]);
    }
  });
});

describe("reads after a trade between two traders", () => {
  let tradeStart = 0;

  it("ListFills: the taker's and the maker's fills equal REST's, by instrument and by order", async () => {
    tradeStart = Date.now();
    const sell = cid("maker");
    const resting = { ...restOrder, client_order_id: sell, side: "sell", price: "100.00", size: "2" };
    expect((await rest(maker, "POST", "/v1/orders", resting)).status).toBe(201);
    const buy = await trading().placeOrder(
      { ...protoOrder, clientOrderId: cid("taker"), side: Side.BUY, price: "100.00", size: "3" },
      { headers: taker.headers },
    );
    expect(buy.fills).toHaveLength(1);
    expect(buy.order?.filledSize).toBe("2");

    const fills = asRest(
      ListFillsResponseSchema,
      await trading().listFills({ instrument: SYMBOL }, { headers: taker.headers }),
    );
    const restFills = await rest(taker, "GET", `/v1/fills?instrument=${SYMBOL}`);
    expect(fills).toEqual(withoutNulls(restFills.json));
    expect(fills.fills).toHaveLength(1);
    expect(fills.fills[0]).toMatchObject({
      side: "buy",
      price: "100.00",
      size: "2",
      liquidity: "taker",
      fee: restFills.json.fills[0].fee,
      order_id: buy.order?.orderId,
    });
    expect(fills.fills[0]).toEqual(asRest(FillSchema, buy.fills[0] as never));

    const makerFills = asRest(
      ListFillsResponseSchema,
      await trading("grpc-web").listFills({}, { headers: maker.headers }),
    );
    const restMakerFills = await rest(maker, "GET", "/v1/fills");
    expect(makerFills).toEqual(withoutNulls(restMakerFills.json));
    expect(makerFills.fills[0]).toMatchObject({ side: "sell", liquidity: "maker", client_order_id: sell });
    expect(makerFills.fills[0].trade_id).toBe(fills.fills[0].trade_id);

    const byOrder = await trading("connect-binary").listFills(
      { orderId: buy.order?.orderId as string, limit: 1 },
      { headers: taker.headers },
    );
    const restByOrder = await rest(taker, "GET", `/v1/fills?order_id=${buy.order?.orderId}&limit=1`);
    expect(asRest(ListFillsResponseSchema, byOrder)).toEqual(withoutNulls(restByOrder.json));
    await rest(taker, "DELETE", "/v1/orders");
  });

  it("GetCandles: the same candles as REST's over the same window, the trade in them", async () => {
    const start = Math.floor((tradeStart - 600_000) / 60_000) * 60_000;
    const end = Date.now() + 60_000;
    const candles = asRest(
      GetCandlesResponseSchema,
      await market("connect-binary").getCandles({
        symbol: SYMBOL,
        interval: "1m",
        start: BigInt(start),
        end: BigInt(end),
      }),
    );
    const restCandles = await rest(
      taker,
      "GET",
      `/v1/instruments/${SYMBOL}/candles?interval=1m&start=${start}&end=${end}`,
    );
    expect(restCandles.status).toBe(200);
    expect(candles).toEqual(withoutNulls(restCandles.json));
    expect(candles).toMatchObject({ instrument: SYMBOL, interval: "1m", start, end });
    expect(candles.candles.at(-1)).toMatchObject({ close: "100.00", high: "100.00", low: "100.00" });

    const restBad = await rest(taker, "GET", `/v1/instruments/${SYMBOL}/candles?interval=7m`);
    const err = await refusal(market().getCandles({ symbol: SYMBOL, interval: "7m" }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.metadata.get("p3-error-code")).toBe(restBad.json.code);
    expect(err.findDetails(ProblemSchema)[0]?.extensions?.errors).toEqual(restBad.json.errors);
  });

  it("ListLedgerEntries: the taker's ledger equals REST's, whole, by asset and page by page", async () => {
    const ledger = asRest(
      ListLedgerEntriesResponseSchema,
      await account().listLedgerEntries({}, { headers: taker.headers }),
    );
    const restLedger = await rest(taker, "GET", "/v1/accounts/me/ledger");
    expect(ledger).toEqual(withoutNulls(restLedger.json));
    const types = new Set(ledger.entries.map((e: Json) => e.type));
    for (const type of ["deposit", "hold", "release", "trade", "fee"]) expect(types, type).toContain(type);

    const page = asRest(
      ListLedgerEntriesResponseSchema,
      await account("connect-binary").listLedgerEntries({ asset: "USD", limit: 2 }, { headers: taker.headers }),
    );
    const restPage = await rest(taker, "GET", "/v1/accounts/me/ledger?asset=USD&limit=2");
    expect(page).toEqual(withoutNulls(restPage.json));
    expect(page.entries).toHaveLength(2);
    expect(typeof page.next_cursor).toBe("string");
    const next = asRest(
      ListLedgerEntriesResponseSchema,
      await account("grpc-web").listLedgerEntries(
        { asset: "USD", limit: 2, cursor: page.next_cursor },
        { headers: taker.headers },
      ),
    );
    const restNext = await rest(taker, "GET", `/v1/accounts/me/ledger?asset=USD&limit=2&cursor=${page.next_cursor}`);
    expect(next).toEqual(withoutNulls(restNext.json));
    expect(next.entries[0].entry_id).toBeLessThan(page.entries[1].entry_id);
  });
});

describe("TradingService.PlaceOrder without a client_order_id", () => {
  it("the empty id means none: the server names the order srv-…, the same one again under the same key", async () => {
    const headers = { ...timer.headers, "idempotency-key": `${cid("gen")}-key` };
    const order = { ...protoOrder, side: Side.BUY, price: "90.00", size: "1" };
    const first = await trading().placeOrder({ ...order, clientOrderId: "" }, { headers });
    expect(first.order?.clientOrderId).toMatch(/^srv-[0-9a-f]{32}$/);
    const again = await trading("grpc-web").placeOrder({ ...order, clientOrderId: "" }, { headers });
    expect(again.order?.orderId).toBe(first.order?.orderId);
  });
});

describe("MarketDataService.GetSessions", () => {
  it("the open and upcoming sessions equal REST's /v1/sessions", async () => {
    const sessions = asRest(GetSessionsResponseSchema, await market().getSessions({}));
    const restSessions = await rest(taker, "GET", "/v1/sessions");
    expect(restSessions.status).toBe(200);
    expect(sessions.open).toEqual(withoutNulls(restSessions.json.open));
    expect(sessions.next).toEqual(withoutNulls(restSessions.json.next));
    expect(sessions.open.length + sessions.next.length).toBeGreaterThan(0);
    expect(Math.abs(sessions.epoch_ms - restSessions.json.epoch_ms)).toBeLessThan(10_000);
    expect(sessions.time).toBe(new Date(sessions.epoch_ms).toISOString());
  });
});

describe("refusals of the chain, rewritten into Connect errors", () => {
  it("a body over the limit: resource_exhausted with REST's 413 code; nothing placed", async () => {
    const id = cid("huge");
    const pad = "x".repeat(300_000);
    const restAnswer = await rest(taker, "POST", "/v1/orders", {
      ...restOrder,
      client_order_id: id,
      side: "buy",
      price: "95.00",
      size: "1",
      pad,
    });
    expect(restAnswer.status).toBe(413);
    for (const kind of ["connect-json", "connect-binary", "grpc-web"] as const) {
      const err = await refusal(
        trading(kind).placeOrder(
          { ...protoOrder, clientOrderId: `${id}-${pad}`, side: Side.BUY, price: "95.00", size: "1" },
          { headers: taker.headers },
        ),
      );
      expect(err.code, kind).toBe(Code.ResourceExhausted);
      expect(err.metadata.get("p3-error-code"), kind).toBe(restAnswer.json.code);
      const [problem] = err.findDetails(ProblemSchema);
      expect(problem?.code, kind).toBe(restAnswer.json.code);
      expect(problem?.errorCode, kind).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
      expect(problem?.status, kind).toBe(413);
    }
    expect((await rest(taker, "GET", `/v1/orders?instrument=${SYMBOL}&status=open`)).json.orders).toEqual([]);
  });

  it("a caller past its rate limit: resource_exhausted with REST's 429 code and Retry-After", async () => {
    // The `account` class allows 120 requests a minute per key (DEFAULT_LIMITS): spend them over REST.
    let restRefused: { status: number; json: Json; retryAfter: string | null } | undefined;
    for (let wave = 0; wave < 10 && !restRefused; wave++) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const res = await fetch(`${base}/v1/accounts/me/balances`, { headers: limited.headers });
          return { status: res.status, json: (await res.json()) as Json, retryAfter: res.headers.get("retry-after") };
        }),
      );
      restRefused = answers.find((a) => a.status === 429);
    }
    expect(restRefused?.status).toBe(429);
    expect(restRefused?.retryAfter).toMatch(/^\d+$/);

    for (const kind of ["connect-json", "grpc-web"] as const) {
      const err = await refusal(account(kind).getBalances({}, { headers: limited.headers }));
      expect(err.code, kind).toBe(Code.ResourceExhausted);
      expect(err.metadata.get("p3-error-code"), kind).toBe(restRefused?.json.code);
      expect(err.metadata.get("retry-after"), kind).toMatch(/^\d+$/);
      const [problem] = err.findDetails(ProblemSchema);
      expect(problem?.code, kind).toBe(restRefused?.json.code);
      expect(problem?.errorCode, kind).toBe(ErrorCode.RATE_LIMITED);
      expect(problem?.status, kind).toBe(429);
      // The same members as REST's problem (`instance` the RPC's path, `retry_after` counting down).
      const extensions = problem?.extensions ?? {};
      expect(Object.keys(extensions).sort(), kind).toEqual(Object.keys(extensionsOf(restRefused?.json ?? {})).sort());
      expect(extensions.limit, kind).toEqual(restRefused?.json.limit);
      expect(extensions.instance, kind).toBe("/platform3.v1.AccountService/GetBalances");
    }
    // Another key's budget is its own: the taker still reads.
    expect((await account().getBalances({}, { headers: taker.headers })).balances.length).toBeGreaterThan(0);
  }, 30_000);
});
