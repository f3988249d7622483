/**
 * The protobuf services over Connect and gRPC-Web with real clients
 * (`@connectrpc/connect-node`), against the Worker and its objects in workerd
 * (Miniflare, bench/runtime.ts) on a loopback port: orders placed, amended and
 * cancelled over Connect (JSON and binary) and gRPC-Web read back over REST;
 * market data equal to REST's; the same bad input refused with REST's problem
 * code; auth refusals; unknown methods and plain gRPC answered with a clear
 * `unimplemented`. The server streams are in connect-streams.test.ts.
 */

import { createServer as createH2cServer, type ServerHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { toJson } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTraders, listInstrument, RUN, SYMBOL, type Trader } from "../../bench/orders/setup.ts";
import { CLIENT_HEADERS, startServer, stopServer } from "../../bench/runtime.ts";
import { AccountService } from "../../shared/proto/gen/platform3/v1/account_pb.ts";
import { OrderSchema, OrderType, ProblemSchema, Side } from "../../shared/proto/gen/platform3/v1/common_pb.ts";
import { MarketDataService } from "../../shared/proto/gen/platform3/v1/market_data_pb.ts";
import { TradingService } from "../../shared/proto/gen/platform3/v1/trading_pb.ts";

let base: string;
let trader: Trader;
let n = 0;

beforeAll(async () => {
  const server = await startServer({
    runtime: "miniflare",
    label: "connect",
    verbose: process.env.CONNECT_VERBOSE === "1",
  });
  base = server.base;
  await listInstrument(base, SYMBOL);
  [trader] = (await createTraders(base, 1, `connect-${RUN}`)) as [Trader];
}, 240_000);

afterAll(() => stopServer());

/** A cleartext HTTP/2 server on loopback forwarding each request to `target` over fetch, as the edge does. */
async function startH2Edge(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createH2cServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = { ...CLIENT_HEADERS };
    for (const [name, value] of Object.entries(req.headers)) {
      if (!name.startsWith(":") && typeof value === "string") headers[name] = value;
    }
    const answer = await fetch(`${target}${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) });
    const out: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (name !== "content-length" && name !== "connection" && name !== "transfer-encoding") out[name] = value;
    });
    res.writeHead(answer.status, out);
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (session) => sessions.add(session));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

type Kind = "connect-json" | "connect-binary" | "grpc-web";

function transport(kind: Kind): Transport {
  const baseUrl = base;
  if (kind === "grpc-web") return createGrpcWebTransport({ baseUrl, httpVersion: "1.1" });
  return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: kind === "connect-binary" });
}

function trading(kind: Kind): Client<typeof TradingService> {
  return createClient(TradingService, transport(kind));
}

/** The trader's credentials (and client IP) as request metadata. */
const auth = () => ({ headers: trader.headers });

// biome-ignore lint/suspicious/noExplicitAny: REST answers are read field by field.
async function rest(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...trader.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** A REST JSON object without its null members (proto leaves those fields unset). */
function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}

/** An `Order` message in REST's JSON (proto names; enums and int64 as REST writes them). */
function restView(order: Parameters<typeof toJson<typeof OrderSchema>>[1]): Record<string, unknown> {
  const json = toJson(OrderSchema, order, { useProtoFieldName: true, alwaysEmitImplicit: true }) as Record<
    string,
    unknown
  >;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) {
    if (k === "created_at_ms" || k === "updated_at_ms" || k === "expire_time") out[k] = Number(v);
    else if (typeof v === "string" && /^[A-Z]+(_[A-Z0-9]+)+$/.test(v)) {
      // SIDE_BUY → buy, ORDER_TYPE_LIMIT → limit, ORDER_STATUS_PARTIALLY_FILLED → partially_filled …
      const prefix = {
        side: "SIDE_",
        type: "ORDER_TYPE_",
        time_in_force: "TIME_IN_FORCE_",
        stp: "SELF_TRADE_PREVENTION_",
        status: "ORDER_STATUS_",
      }[k];
      out[k] = prefix && v.startsWith(prefix) ? v.slice(prefix.length).toLowerCase() : v;
    } else out[k] = v;
  }
  return out;
}

const clientOrderId = (tag: string) => `cx-${RUN}-${tag}-${n++}`;

/** The error a call fails with (fails the test if it succeeds). */
async function refusal(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("the call succeeded");
}

describe("order entry over Connect and gRPC-Web, read back over REST", () => {
  it("places (Connect JSON), amends (Connect binary) and cancels (gRPC-Web) one order; REST sees each state", async () => {
    const id = clientOrderId("pac");
    // A resting buy well below the market (the bench flow trades around 100.00).
    const placed = await trading("connect-json").placeOrder(
      { clientOrderId: id, instrument: SYMBOL, side: Side.BUY, type: OrderType.LIMIT, price: "90.00", size: "5" },
      auth(),
    );
    expect(placed.order?.clientOrderId).toBe(id);
    expect(placed.order?.price).toBe("90.00");
    expect(placed.order?.size).toBe("5");
    expect(placed.replayed).toBe(false);
    const orderId = placed.order?.orderId as string;
    const afterPlace = await rest("GET", `/v1/orders/${orderId}`);
    expect(afterPlace.status).toBe(200);
    expect(restView(placed.order as never)).toEqual(withoutNulls(afterPlace.json.order));
    expect(afterPlace.json.order.status).toBe("new");

    const amended = await trading("connect-binary").amendOrder(
      { ref: { case: "orderId", value: orderId }, size: "3" },
      auth(),
    );
    expect(amended.order?.size).toBe("3");
    const afterAmend = await rest("GET", `/v1/orders/client/${id}`);
    expect(restView(amended.order as never)).toEqual(withoutNulls(afterAmend.json.order));

    const cancelled = await trading("grpc-web").cancelOrder({ ref: { case: "clientOrderId", value: id } }, auth());
    expect(restView(cancelled.order as never).status).toBe("cancelled");
    const afterCancel = await rest("GET", `/v1/orders/${orderId}`);
    expect(afterCancel.json.order.status).toBe("cancelled");
    expect(restView(cancelled.order as never)).toEqual(withoutNulls(afterCancel.json.order));

    // And read over Connect: the same order as REST's.
    const got = await trading("connect-binary").getOrder({ ref: { case: "orderId", value: orderId } }, auth());
    expect(restView(got.order as never)).toEqual(withoutNulls(afterCancel.json.order));
  });

  it("a replayed client_order_id answers the same order with replayed = true", async () => {
    const id = clientOrderId("replay");
    const order = {
      clientOrderId: id,
      instrument: SYMBOL,
      side: Side.BUY,
      type: OrderType.LIMIT,
      price: "90.00",
      size: "1",
    };
    const first = await trading("connect-json").placeOrder(order, auth());
    const again = await trading("grpc-web").placeOrder(order, auth());
    expect(again.replayed).toBe(true);
    expect(again.order?.orderId).toBe(first.order?.orderId);
  });

  it("balances, orders and the keyed outcome of a cancel-all equal REST's", async () => {
    const balances = await createClient(AccountService, transport("connect-json")).getBalances({}, auth());
    const restBalances = await rest("GET", "/v1/accounts/me/balances");
    expect(balances.balances.map((b) => ({ asset: b.asset, total: b.total }))).toEqual(
      restBalances.json.balances.map((b: { asset: string; total: string }) => ({ asset: b.asset, total: b.total })),
    );
    const key = `cx-key-${RUN}-${n++}`;
    const cancelled = await trading("connect-binary").cancelAllOrders(
      { instrument: SYMBOL },
      { headers: { ...trader.headers, "idempotency-key": key } },
    );
    expect(cancelled.cancelled.length).toBeGreaterThan(0);
    const outcome = await rest("GET", `/v1/requests/${key}`);
    expect(outcome.status).toBe(200);
    expect(outcome.json.operation).toBe("cancel_all");
    const viaConnect = await trading("connect-json").getRequest({ key }, auth());
    expect(viaConnect.inProgress).toBe(false);
    expect(viaConnect.operation).toBe(outcome.json.operation);
    expect(viaConnect.status).toBe(outcome.json.status);
    const open = await trading("grpc-web").listOrders({ status: "open", instrument: SYMBOL }, auth());
    expect(open.orders).toEqual([]);
  });
});

describe("market data over Connect", () => {
  it("instruments, book, ticker and trades equal REST's", async () => {
    const md = createClient(MarketDataService, transport("connect-binary"));
    // Something on the book: one resting sell.
    await trading("connect-json").placeOrder(
      {
        clientOrderId: clientOrderId("md"),
        instrument: SYMBOL,
        side: Side.SELL,
        type: OrderType.LIMIT,
        price: "150.00",
        size: "2",
      },
      auth(),
    );
    const listed = await md.listInstruments({});
    expect(listed.instruments.map((i) => i.symbol)).toContain(SYMBOL);
    const one = await md.getInstrument({ symbol: SYMBOL });
    expect(one.instrument?.tickSize).toBe("0.01");

    const book = await md.getBook({ symbol: SYMBOL, level: 2, depth: 10 });
    const restBook = (await rest("GET", `/v1/instruments/${SYMBOL}/book?level=2&depth=10`)).json;
    expect(book.level).toBe(2);
    expect(Number(book.seq)).toBe(restBook.seq);
    expect(book.asks.map((e) => [e.price, e.size])).toEqual(restBook.asks);
    expect(book.bids.map((e) => [e.price, e.size])).toEqual(restBook.bids);
    expect(book.asks.some((e) => e.price === "150.00")).toBe(true);

    const ticker = await md.getTicker({ symbol: SYMBOL });
    const restTicker = (await rest("GET", `/v1/instruments/${SYMBOL}/ticker`)).json;
    expect(ticker.ticker?.bestAsk).toBe(restTicker.best_ask);
    // Every ticker in one call, as REST's GET /v1/tickers.
    const all = await md.listTickers({});
    const restAll = (await rest("GET", "/v1/tickers")).json;
    expect(all.tickers.map((t) => t.instrument).sort()).toEqual(
      restAll.tickers.map((t: { instrument: string }) => t.instrument).sort(),
    );
    expect(all.tickers.find((t) => t.instrument === SYMBOL)?.bestAsk).toBe(restTicker.best_ask);

    const trades = await md.getTrades({ symbol: SYMBOL, limit: 5 });
    const restTrades = (await rest("GET", `/v1/instruments/${SYMBOL}/trades?limit=5`)).json;
    expect(trades.trades.map((t) => Number(t.tradeId))).toEqual(
      restTrades.trades.map((t: { trade_id: number }) => t.trade_id),
    );
  });

  it("an unknown instrument is not_found with REST's code", async () => {
    const err = await refusal(
      createClient(MarketDataService, transport("connect-json")).getBook({ symbol: "NOPE-USD" }),
    );
    const restAnswer = await rest("GET", "/v1/instruments/NOPE-USD/book");
    expect(restAnswer.status).toBe(404);
    expect(err.code).toBe(Code.NotFound);
    expect(err.metadata.get("p3-error-code")).toBe(restAnswer.json.code);
    expect(err.findDetails(ProblemSchema)[0]?.code).toBe(restAnswer.json.code);
  });
});

describe("refusals carry REST's problem", () => {
  const bad = [
    {
      name: "a price off the tick grid",
      proto: { instrument: SYMBOL, side: Side.BUY, type: OrderType.LIMIT, price: "90.001", size: "1" },
      rest: { instrument: SYMBOL, side: "buy", type: "limit", price: "90.001", size: "1" },
    },
    {
      name: "a limit order without a price",
      proto: { instrument: SYMBOL, side: Side.BUY, type: OrderType.LIMIT, size: "1" },
      rest: { instrument: SYMBOL, side: "buy", type: "limit", size: "1" },
    },
    {
      name: "an unlisted instrument",
      proto: { instrument: "NOPE-USD", side: Side.BUY, type: OrderType.LIMIT, price: "1.00", size: "1" },
      rest: { instrument: "NOPE-USD", side: "buy", type: "limit", price: "1.00", size: "1" },
    },
  ];
  for (const kind of ["connect-json", "connect-binary", "grpc-web"] as const) {
    for (const c of bad) {
      it(`${kind}: ${c.name}`, async () => {
        const id = clientOrderId("bad");
        const restAnswer = await rest("POST", "/v1/orders", { client_order_id: id, ...c.rest });
        expect(restAnswer.status).toBeGreaterThanOrEqual(400);
        expect(restAnswer.status).toBeLessThan(500);
        const err = await refusal(trading(kind).placeOrder({ clientOrderId: `${id}-c`, ...c.proto }, auth()));
        const expected = { 400: Code.InvalidArgument, 404: Code.NotFound, 422: Code.FailedPrecondition }[
          restAnswer.status as 400 | 404 | 422
        ];
        expect(err.code).toBe(expected);
        expect(err.metadata.get("p3-error-code")).toBe(restAnswer.json.code);
        const [problem] = err.findDetails(ProblemSchema);
        expect(problem?.code).toBe(restAnswer.json.code);
        expect(problem?.status).toBe(restAnswer.status);
        // The fields REST names, named alike (the detail's wording is the operation layer's: "Invalid arguments").
        expect(problem?.extensions?.errors ?? null).toEqual(restAnswer.json.errors ?? null);
      });
    }
  }

  it("no credentials: unauthenticated, unauthorized; a bad token the same; nothing placed", async () => {
    const id = clientOrderId("anon");
    const order = {
      clientOrderId: id,
      instrument: SYMBOL,
      side: Side.BUY,
      type: OrderType.LIMIT,
      price: "90.00",
      size: "1",
    };
    for (const kind of ["connect-json", "grpc-web"] as const) {
      const anonymous = await refusal(trading(kind).placeOrder(order, { headers: CLIENT_HEADERS }));
      expect(anonymous.code).toBe(Code.Unauthenticated);
      expect(anonymous.metadata.get("p3-error-code")).toBe("unauthorized");
      expect(anonymous.findDetails(ProblemSchema)[0]?.status).toBe(401);
      const badToken = await refusal(
        trading(kind).placeOrder(order, { headers: { ...CLIENT_HEADERS, authorization: "Bearer not-a-token" } }),
      );
      expect(badToken.code).toBe(Code.Unauthenticated);
      expect(badToken.metadata.get("p3-error-code")).toBe("unauthorized");
    }
    expect((await rest("GET", `/v1/orders/client/${id}`)).status).toBe(404);
  });

  it("an idempotency key outside the grammar is invalid_argument, invalid_request", async () => {
    const err = await refusal(
      trading("connect-json").cancelAllOrders({}, { headers: { ...trader.headers, "idempotency-key": "has spaces" } }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.metadata.get("p3-error-code")).toBe("invalid_request");
  });
});

describe("what is not served", () => {
  it("a method the service does not have is unimplemented", async () => {
    const res = await fetch(`${base}/platform3.v1.TradingService/Nope`, {
      method: "POST",
      headers: { ...CLIENT_HEADERS, "content-type": "application/json", "connect-protocol-version": "1" },
      body: "{}",
    });
    expect(res.status).toBe(501);
    expect(((await res.json()) as { code: string }).code).toBe("unimplemented");
  });

  it("a plain gRPC client gets unimplemented at once, told to use gRPC-Web or Connect", async () => {
    // gRPC needs HTTP/2; workerd locally speaks HTTP/1.1 only. Cloudflare's edge terminates HTTP/2 and hands the
    // Worker a fetch: this cleartext HTTP/2 server on loopback stands in for it.
    const edge = await startH2Edge(base);
    try {
      const grpc = createClient(MarketDataService, createGrpcTransport({ baseUrl: edge.url }));
      const started = performance.now();
      const err = await refusal(grpc.listInstruments({}, { timeoutMs: 10_000 }));
      expect(err.code, err.message).toBe(Code.Unimplemented);
      expect(err.rawMessage).toMatch(/gRPC-Web/);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      await edge.close();
    }

    const raw = await fetch(`${base}/platform3.v1.MarketDataService/ListInstruments`, {
      method: "POST",
      headers: { ...CLIENT_HEADERS, "content-type": "application/grpc+proto", te: "trailers" },
      body: new Uint8Array([0, 0, 0, 0, 0]),
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get("grpc-status")).toBe("12");
    expect(decodeURIComponent(raw.headers.get("grpc-message") ?? "")).toMatch(/Connect protocol/);
  });
});
