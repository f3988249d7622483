/**
 * The SDK's feed client (sdk/src/ws/) against the Worker and its objects in workerd
 * (Miniflare, bench/runtime.ts), over real sockets on a loopback port:
 * - a maintained level-2 book equal to REST's L2 while orders are placed and cancelled,
 *   through a forced socket drop with orders arriving while the client is away
 *   (it reconnects, resumes with `resume_from` and passes on no gap);
 * - order entry over the socket (place, amend, cancel; refusals as typed errors);
 * - the private `user` channel (a crossing trade's order and fill, contiguous seqs);
 * - every subscription, the session and the user channel restored after a reconnect.
 */

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WsSocket from "ws";
import { createTraders, listInstrument, RUN, SYMBOL, type Trader } from "../../bench/orders/setup.ts";
import { CLIENT_HEADERS, startServer, stopServer } from "../../bench/runtime.ts";
import {
  ConflictError,
  FeedClient,
  type FeedClientOptions,
  InvalidRequestError,
  type MarketMessage,
  NotFoundError,
  type UserEvent,
  type WebSocketLike,
} from "../../sdk/src/index.ts";

let base: string;
let wsUrl: string;
let maker: Trader;
let taker: Trader;
let n = 0;

beforeAll(async () => {
  const server = await startServer({ runtime: "miniflare", label: "sdk-ws", vars: { FEED_HEARTBEAT_MS: "1000" } });
  base = server.base;
  wsUrl = `${base.replace(/^http/, "ws")}/v1/ws`;
  await listInstrument(base, SYMBOL);
  [maker, taker] = (await createTraders(base, 2, `sdkws-${RUN}`)) as [Trader, Trader];
}, 240_000);

afterAll(() => stopServer());

const clients: FeedClient[] = [];
afterEach(() => {
  TestSocket.hold = undefined;
  for (const c of clients.splice(0)) c.close();
});

// ── a WebSocket the test can hold back and cut ───────────────────────────

/**
 * A standard WebSocket over the `ws` package, injected into the client: it sends a
 * client address header (which a browser's WebSocket cannot), can be cut without a
 * closing handshake (`terminate`), and while {@link TestSocket.hold} is set, new
 * sockets wait before they connect (so orders can arrive while the client is away).
 */
class TestSocket implements WebSocketLike {
  static readonly all: TestSocket[] = [];
  static hold: Promise<void> | undefined;
  static ip = "10.66.0.1";
  readyState = 0;
  binaryType = "arraybuffer";
  private inner: WsSocket | undefined;
  private closing: { code?: number; reason?: string } | undefined;
  private readonly listeners = new Map<string, ((e: unknown) => void)[]>();

  constructor(url: string) {
    TestSocket.all.push(this);
    const headers = { "cf-connecting-ip": TestSocket.ip };
    const open = () => {
      if (this.closing) return this.fire("close", { code: 1006, reason: "closed before connecting" });
      const ws = new WsSocket(url, { headers });
      this.inner = ws;
      ws.on("open", () => {
        this.readyState = 1;
        this.fire("open", {});
      });
      ws.on("message", (data: Buffer, binary: boolean) =>
        this.fire("message", { data: binary ? data : data.toString() }),
      );
      ws.on("close", (code: number, reason: Buffer) => {
        this.readyState = 3;
        this.fire("close", { code, reason: reason.toString() });
      });
      ws.on("error", () => this.fire("error", {}));
    };
    if (TestSocket.hold) void TestSocket.hold.then(open);
    else open();
  }

  send(data: string): void {
    this.inner?.send(data);
  }

  close(code?: number, reason?: string): void {
    this.closing = { code, reason };
    this.readyState = 2;
    this.inner?.close(code, reason);
  }

  /** Cuts the TCP connection: no closing handshake (the client sees 1006). */
  terminate(): void {
    this.inner?.terminate();
  }

  addEventListener(type: string, listener: (e: unknown) => void): void {
    const list = this.listeners.get(type) ?? [];
    list.push(listener);
    this.listeners.set(type, list);
  }

  private fire(type: string, event: unknown): void {
    for (const l of this.listeners.get(type) ?? []) l(event);
  }
}

function feed(options: Partial<FeedClientOptions> = {}): FeedClient {
  const c = new FeedClient({ url: wsUrl, WebSocket: TestSocket, reconnect: { baseMs: 50, maxMs: 500 }, ...options });
  clients.push(c);
  return c;
}

/** The socket a client uses now (the newest one opened). */
const lastSocket = (): TestSocket => TestSocket.all.at(-1) as TestSocket;

// ── REST ─────────────────────────────────────────────────────────────────

// biome-ignore lint/suspicious/noExplicitAny: REST answers are read field by field.
async function rest(trader: Trader | undefined, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...CLIENT_HEADERS,
      ...trader?.headers,
      "cache-control": "no-cache",
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const place = (trader: Trader, side: "buy" | "sell", price: string, size: string) =>
  rest(trader, "POST", "/v1/orders", {
    client_order_id: `sdkws-${RUN}-${n++}`,
    instrument: SYMBOL,
    side,
    type: "limit",
    price,
    size,
  });

const cancel = (trader: Trader, orderId: string) => rest(trader, "DELETE", `/v1/orders/${orderId}`);

const restL2 = () => rest(undefined, "GET", `/v1/instruments/${SYMBOL}/book?level=2&depth=1000`);

/** Waits until the client's book reaches REST's current seq, then compares the two. */
async function expectBookEqualsRest(client: FeedClient): Promise<number> {
  const l2 = await restL2();
  const book = client.book(SYMBOL);
  await book.waitFor(l2.seq, 10_000);
  expect(book.levels()).toEqual({ seq: l2.seq, bids: l2.bids, asks: l2.asks });
  return l2.seq;
}

/** Resting orders that never cross, inside the price band: bids 95.00–98.99, asks 101.00–104.99. */
function restingOrder(i: number): ["buy" | "sell", string, string] {
  const side = i % 2 === 0 ? "buy" : "sell";
  const cents = (i * 37) % 400;
  const p = side === "buy" ? 9500 + cents : 10100 + cents;
  return [side, `${Math.floor(p / 100)}.${String(p % 100).padStart(2, "0")}`, String(1 + (i % 4))];
}

/** Places and cancels resting orders: `count` operations, about one cancel in three. */
async function churn(trader: Trader, count: number, from: number, open: string[]): Promise<void> {
  for (let i = from; i < from + count; i++) {
    if (i % 3 === 2 && open.length > 0) {
      await cancel(trader, open.splice(i % open.length, 1)[0] as string);
    } else {
      const [side, price, size] = restingOrder(i);
      open.push((await place(trader, side, price, size)).order.order_id);
    }
  }
}

function until<T>(client: FeedClient, event: "ready" | "resumed" | "close", ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    client.once(event, ((x: T) => {
      clearTimeout(timer);
      resolve(x);
    }) as never);
  });
}

/** Checks that level2 messages passed on continue each other exactly; returns the count of snapshots. */
function expectContiguous(messages: readonly MarketMessage[]): number {
  let last: number | undefined;
  let snapshots = 0;
  for (const m of messages) {
    if (m.type === "snapshot") snapshots++;
    else expect(m.first_seq, `update ${m.first_seq}..${m.seq} after ${last}`).toBe((last ?? Number.NaN) + 1);
    last = m.seq;
  }
  return snapshots;
}

// ── tests ────────────────────────────────────────────────────────────────

describe("the maintained level-2 book", () => {
  it("stays equal to REST's L2 while orders are placed and cancelled, through a forced socket drop", async () => {
    TestSocket.ip = "10.66.1.1";
    const client = feed();
    const seen: MarketMessage[] = [];
    const gaps: unknown[] = [];
    const resumed: unknown[] = [];
    client.on("level2", (m) => seen.push(m));
    client.on("gap", (g) => gaps.push(g));
    client.on("resumed", (m) => resumed.push(m));
    const book = client.book(SYMBOL);
    const changes = book.changes();
    await book.waitFor(0);
    const first = await changes.next();
    expect(first.value?.type).toBe("snapshot");

    const open: string[] = [];
    await churn(maker, 12, 0, open);
    const before = await expectBookEqualsRest(client);
    expect(book.bids.length + book.asks.length).toBeGreaterThan(0);

    // Cut the socket while orders keep arriving, and hold the reconnect back until more have.
    let release = () => {};
    TestSocket.hold = new Promise<void>((r) => {
      release = r;
    });
    const closed = until<{ code: number }>(client, "close");
    const running = churn(maker, 20, 12, open);
    await new Promise((r) => setTimeout(r, 30));
    lastSocket().terminate();
    expect((await closed).code).toBe(1006);
    await running;
    const missed = (await restL2()).seq;
    expect(missed).toBeGreaterThan(book.seq);
    expect(client.connected).toBe(false);
    const ready = until(client, "ready");
    const resumedOnce = until(client, "resumed");
    TestSocket.hold = undefined;
    release();
    await ready;
    await resumedOnce;
    expect(client.connections).toBe(2);

    // More orders on the new socket, then the book equals REST again.
    await churn(maker, 9, 32, open);
    const after = await expectBookEqualsRest(client);
    expect(after).toBeGreaterThan(missed);
    // Resumed from where it was: one snapshot only, every update continuing the last, no gap.
    expect(resumed).toHaveLength(1);
    expect(expectContiguous(seen)).toBe(1);
    expect(gaps).toEqual([]);
    expect(seen.some((m) => m.type === "update" && m.first_seq <= missed && m.seq >= missed)).toBe(true);
    // The async iterator of changes saw the same sequence.
    let seq = (first.value as { seq: number }).seq;
    while (seq < after) {
      const next = (await changes.next()).value;
      expect(next?.type).toBe("update");
      if (next?.type === "update") expect(next.first_seq).toBe(seq + 1);
      seq = next?.seq ?? Number.NaN;
    }
    expect(seq).toBe(after);
    expect(before).toBeLessThan(missed);

    for (const id of open) await cancel(maker, id);
    await expectBookEqualsRest(client);
  });
});

describe("order entry over the socket", () => {
  it("places, amends and cancels; a refused order throws the typed error with its code", async () => {
    TestSocket.ip = "10.66.2.1";
    const client = feed({ token: taker.token });
    await client.connect();
    expect(client.session?.account).toBe(taker.account);

    const placed = await client.placeOrder({
      instrument: SYMBOL,
      side: "buy",
      type: "limit",
      price: "96.00",
      size: "2",
    });
    expect(placed.order.status).toBe("new");
    expect(placed.order.client_order_id).toMatch(/.+/);
    expect(placed.replayed).toBe(false);
    const id = placed.order.order_id;
    expect((await rest(taker, "GET", `/v1/orders/${id}`)).order.status).toBe("new");

    const amended = await client.amendOrder({ order_id: id, price: "96.50", size: "3" });
    expect(amended.order.order_id).toBe(id);
    expect(amended.order.price).toBe("96.50");
    const stored = (await rest(taker, "GET", `/v1/orders/${id}`)).order;
    expect([stored.price, stored.size]).toEqual(["96.50", amended.order.size]);
    expect(Number(stored.size)).toBe(3);

    const cancelled = await client.cancelOrder({ order_id: id });
    expect(cancelled.order.status).toBe("cancelled");
    expect((await rest(taker, "GET", `/v1/orders/${id}`)).order.status).toBe("cancelled");

    // Off the tick grid: invalid_order, a 400 kind of error.
    const offTick = await client
      .placeOrder({ instrument: SYMBOL, side: "buy", type: "limit", price: "96.005", size: "1" })
      .catch((e: unknown) => e);
    expect(offTick).toBeInstanceOf(InvalidRequestError);
    expect(offTick).toMatchObject({ code: "invalid_order", status: 400 });
    // An order that does not exist.
    const missing = await client.cancelOrder({ order_id: "no-such-order" }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ code: "order_not_found", status: 404 });
    // Not open any more.
    const again = await client.cancelOrder({ order_id: id }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ConflictError);
    expect((again as ConflictError).code).toMatch(/^(order_not_open|cancel_rejected)$/);

    const rest1 = await client.placeOrder({
      instrument: SYMBOL,
      side: "buy",
      type: "limit",
      price: "95.10",
      size: "1",
    });
    const all = await client.cancelAll({ instrument: SYMBOL });
    expect(all.cancelled.map((o) => o.order_id)).toContain(rest1.order.order_id);
  });
});

describe("the user channel", () => {
  it("shows the order and fill of a crossing trade with contiguous seqs", async () => {
    TestSocket.ip = "10.66.3.1";
    const client = feed({ token: async () => taker.token });
    const events = client.userEvents();
    const snapshot = (await events.next()).value as UserEvent;
    expect(snapshot.type).toBe("snapshot");

    const resting = await place(maker, "sell", "100.50", "2");
    const taken = await client.placeOrder({
      instrument: SYMBOL,
      side: "buy",
      type: "limit",
      price: "100.50",
      size: "1",
    });
    expect(taken.fills).toHaveLength(1);
    expect(taken.order.status).toBe("filled");

    let seq = snapshot.seq;
    const got: UserEvent[] = [];
    while (!(got.some((e) => e.type === "fill") && got.some((e) => e.type === "balance"))) {
      const e = (await events.next()).value as UserEvent;
      expect(e.seq).toBe(seq + 1);
      seq = e.seq;
      got.push(e);
    }
    const orderMsg = got.find((e) => e.type === "order" && e.order.order_id === taken.order.order_id);
    expect(orderMsg).toBeDefined();
    const fill = got.find((e) => e.type === "fill");
    expect(fill?.type === "fill" && [fill.fill.order_id, fill.fill.price, fill.fill.liquidity]).toEqual([
      taken.order.order_id,
      "100.50",
      "taker",
    ]);
    expect(client.lastSeq("user")).toBe(seq);
    await cancel(maker, resting.order.order_id);
  });
});

describe("reconnects", () => {
  it("resubscribes every stream and the user channel, and authenticates again, after a reconnect", async () => {
    TestSocket.ip = "10.66.4.1";
    let tokenCalls = 0;
    const client = feed({
      token: async () => {
        tokenCalls++;
        return taker.token;
      },
    });
    const auths: string[] = [];
    client.on("auth", (s) => auths.push(s.account));
    const trades = client.stream("trades", SYMBOL);
    await client.subscribe("ticker", SYMBOL);
    client.book(SYMBOL);
    const user = client.userEvents();
    expect((await trades.next()).value?.type).toBe("snapshot");
    expect((await user.next()).value?.type).toBe("snapshot");
    const want = [`trades:${SYMBOL}`, `ticker:${SYMBOL}`, `level2:${SYMBOL}`, "user"].sort();
    expect((await client.request<{ subscriptions: string[] }>("list")).subscriptions.sort()).toEqual(want);
    expect(auths).toEqual([taker.account]);

    const ready = until(client, "ready");
    lastSocket().terminate();
    await ready;
    expect(client.connections).toBe(2);
    // The server's own list on the new socket: everything is back.
    expect((await client.request<{ subscriptions: string[] }>("list")).subscriptions.sort()).toEqual(want);
    expect(auths).toEqual([taker.account, taker.account]);
    expect(tokenCalls).toBe(2);
    // The user channel starts again with a snapshot; the trades stream continues without one.
    expect((await user.next()).value?.type).toBe("snapshot");
    const lastTrades = client.lastSeq("trades", SYMBOL) as number;
    const resting = await place(maker, "sell", "100.75", "1");
    await place(taker, "buy", "100.75", "1");
    const update = (await trades.next()).value;
    expect(update?.type).toBe("update");
    expect(update?.type === "update" && [update.first_seq, update.trades.at(-1)?.price]).toEqual([
      lastTrades + 1,
      "100.75",
    ]);
    expect(resting.order.status).toBe("new");
    // Leaving the loop releases the stream: the server drops it (the unsubscribe goes out at once).
    await trades.return?.();
    const rest3 = want.filter((s) => !s.startsWith("trades:"));
    let listed: string[] = [];
    for (let i = 0; i < 20; i++) {
      listed = (await client.request<{ subscriptions: string[] }>("list")).subscriptions.sort();
      if (listed.length === rest3.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(listed).toEqual(rest3);
    expect(client.subscriptions().sort()).toEqual(rest3);
  });
});
