/**
 * A test client of the market-data WebSocket: real sockets through the Worker
 * (`exports.default.fetch("/v1/ws")`), with helpers to await messages,
 * replies and the close.
 */
import { env, exports } from "cloudflare:workers";
import { registryStub } from "../../durable-objects/instrument-registry/index.ts";
import type { BatchResult } from "../../durable-objects/order-book/contract.ts";
import { orderBookStub } from "../../durable-objects/order-book/stub.ts";

// biome-ignore lint/suspicious/noExplicitAny: test messages are inspected loosely.
export type Msg = any;

const open = new Set<FeedClient>();

export class FeedClient {
  readonly ws: WebSocket;
  /** Every message received, parsed (non-JSON frames such as "pong" as strings); `batch` frames unpacked. */
  readonly received: Msg[] = [];
  /** The messages of each `batch` frame received, as they came. */
  readonly batches: Msg[][] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private consumed = new Set<number>();
  private waiters: Array<() => void> = [];
  private nextId = 1;
  isClosed = false;

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.accept();
    ws.addEventListener("message", (e) => {
      const text = typeof e.data === "string" ? e.data : new TextDecoder().decode(e.data as ArrayBuffer);
      let value: Msg;
      try {
        value = JSON.parse(text);
      } catch {
        value = text;
      }
      // A `batch` frame carries several messages of one commit: record them one by one, in order.
      if (value?.type === "batch" && Array.isArray(value.messages)) {
        this.batches.push(value.messages);
        this.received.push(...value.messages);
      } else {
        this.received.push(value);
      }
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", (e) => {
        this.isClosed = true;
        open.delete(this);
        this.wake();
        resolve({ code: e.code, reason: e.reason });
      });
    });
    open.add(this);
  }

  /** Connects through the Worker; throws with the response body unless it upgrades. */
  static async connect(query = ""): Promise<FeedClient> {
    const res = await exports.default.fetch(`http://feed.test/v1/ws${query}`, { headers: { Upgrade: "websocket" } });
    if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
    return new FeedClient(res.webSocket);
  }

  /** Connects straight to one shard (tests that need two sockets on the same shard). */
  static async connectShard(shard: string, query = ""): Promise<FeedClient> {
    const stub = env.FEED_SHARD.get(env.FEED_SHARD.idFromName(shard));
    const res = await stub.fetch(`http://feed.test/v1/ws${query}`, {
      headers: { Upgrade: "websocket", "x-feed-shard": shard },
    });
    if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
    return new FeedClient(res.webSocket);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** The first not yet consumed message matching `match`, waiting up to `ms`. */
  async next(match: (m: Msg) => boolean, ms = 3000, what = "a matching message"): Promise<Msg> {
    const deadline = Date.now() + ms;
    for (;;) {
      for (const [i, m] of this.received.entries()) {
        if (!this.consumed.has(i) && match(m)) {
          this.consumed.add(i);
          return m;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.isClosed) {
        throw new Error(`no ${what} within ${ms} ms; received: ${JSON.stringify(this.received).slice(-1500)}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a request and awaits its reply (`result` or `error`). */
  async request(method: string, params?: unknown): Promise<Msg> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify(params === undefined ? { id, method } : { id, method, params }));
    return this.next((m) => m?.id === id, 3000, `reply to ${method} #${id}`);
  }

  /** Sends raw text and awaits the reply with `id: null`. */
  async raw(text: string): Promise<Msg> {
    this.ws.send(text);
    return this.next((m) => typeof m === "object" && m !== null && m.id === null, 3000, "error reply");
  }

  /** Market-data messages of one stream received so far (consumed or not). */
  stream(channel: string, instrument: string, type?: string): Msg[] {
    return this.received.filter(
      (m) => m?.channel === channel && m?.instrument === instrument && (type === undefined || m.type === type),
    );
  }

  /** Waits until a stream's latest update or snapshot reaches `seq`. */
  async until(channel: string, instrument: string, seq: number, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    while (
      !this.stream(channel, instrument).some((m) => m.seq >= seq && (m.type === "update" || m.type === "snapshot"))
    ) {
      if (Date.now() > deadline) {
        throw new Error(
          `${channel}:${instrument} never reached seq ${seq}: ${JSON.stringify(this.received).slice(-1500)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    if (!this.isClosed) this.ws.close(1000, "test done");
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, 1000))]);
  }
}

/** Closes every client a test left open (call in afterEach). */
export async function closeAll(): Promise<void> {
  await Promise.all([...open].map((c) => c.close()));
  // Let the shards process the closes before the next test counts sockets.
  await new Promise((r) => setTimeout(r, 20));
}

/**
 * Lists the seed instruments (and configures their books). The tests trade on
 * the seed books at any hour, so books with exchange hours get an always-open
 * calendar (their books refuse orders outside it; the registry keeps the real one).
 */
export async function seedInstruments(): Promise<void> {
  const listed = await registryStub(env.INSTRUMENTS).list();
  const timed = listed.filter((i) => i.symbol in HOME && i.calendar.kind !== "24x7");
  await Promise.all(timed.map((i) => book(i.symbol).configure({ ...i, calendar: { kind: "24x7" } })));
}

const HOME: Record<string, string> = { "BTC-USD": "enam", "EUR-USD": "weur", "AAPL-USD": "enam", "BHP-AUD": "apac" };

/** The book of a seed instrument. */
export function book(symbol: string) {
  return orderBookStub(env.ORDER_BOOK, { symbol, home_region: HOME[symbol] as "enam" });
}

let orderSeq = 0;

/** Places one limit order on a seed instrument's book. */
export async function place(
  symbol: string,
  side: "buy" | "sell",
  price: string,
  size: string,
  account = side === "buy" ? "buyer" : "seller",
): Promise<BatchResult> {
  const result = await book(symbol).execute([
    { type: "place", order_id: `t${++orderSeq}`, account, side, order_type: "limit", price, size },
  ]);
  if (!result.results.every((r) => r.ok)) throw new Error(`order refused: ${JSON.stringify(result.results)}`);
  return result;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asserts that updates of one stream are contiguous from `from` and returns the last seq. */
export function contiguous(messages: Msg[], from: number): number {
  let last = from;
  for (const m of messages) {
    if (m.type !== "update") continue;
    if (m.first_seq !== last + 1) throw new Error(`gap or overlap: after ${last} got ${m.first_seq}..${m.seq}`);
    last = m.seq;
  }
  return last;
}
