/**
 * The server-streaming RPCs with real clients (`@connectrpc/connect-node`:
 * Connect JSON, Connect binary, gRPC-Web) against the Worker and its objects
 * in workerd (Miniflare, bench/runtime.ts): the feed's sequences, snapshots
 * equal to REST, updates that keep a client's book equal to REST's L2,
 * resume from a seq, heartbeats, the private stream, refusals with REST's
 * codes, and a cancelled stream giving its feed socket back.
 */
import { type Client, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTraders, listInstrument, RUN, SYMBOL, type Trader } from "../../bench/orders/setup.ts";
import { startServer, stopServer } from "../../bench/runtime.ts";
import { Side } from "../../shared/proto/gen/platform3/v1/common_pb.ts";
import {
  MarketDataService,
  type StreamBookResponse,
  type StreamTradesResponse,
} from "../../shared/proto/gen/platform3/v1/market_data_pb.ts";
import { type StreamUserEventsResponse, TradingService } from "../../shared/proto/gen/platform3/v1/trading_pb.ts";
import { StreamReader } from "./stream-reader.ts";
import { placeLimit, restCall } from "./venue-rest.ts";

const MAX_SOCKETS_PER_IP = 4;
let base: string;
let maker: Trader;
let taker: Trader;
const _n = 0;

beforeAll(async () => {
  const server = await startServer({
    runtime: "miniflare",
    label: "connect-streams",
    vars: { FEED_HEARTBEAT_MS: "1000", FEED_MAX_SOCKETS_PER_IP: String(MAX_SOCKETS_PER_IP) },
  });
  base = server.base;
  await listInstrument(base, SYMBOL);
  [maker, taker] = (await createTraders(base, 2, `cs-${RUN}`)) as [Trader, Trader];
}, 240_000);

afterAll(() => stopServer());

type Kind = "connect-json" | "connect-binary" | "grpc-web";

function transport(kind: Kind): Transport {
  if (kind === "grpc-web") return createGrpcWebTransport({ baseUrl: base, httpVersion: "1.1" });
  return createConnectTransport({ baseUrl: base, httpVersion: "1.1", useBinaryFormat: kind === "connect-binary" });
}
const market = (kind: Kind): Client<typeof MarketDataService> => createClient(MarketDataService, transport(kind));
const trading = (kind: Kind): Client<typeof TradingService> => createClient(TradingService, transport(kind));

/** Anonymous callers each from their own address, so the per-address cap test counts only its own streams. */
const anonymous = (ip: string) => ({ headers: { "cf-connecting-ip": ip } });

const rest = (trader: Trader | undefined, method: string, path: string, body?: unknown) =>
  restCall(base, trader, method, path, body);
const place = (trader: Trader, side: "buy" | "sell", price: string, size: string) =>
  placeLimit(base, trader, side, price, size);

/** A level-2 book kept from a stream's snapshot and updates, checking that sequences are contiguous. */
class LocalBook {
  seq = -1;
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();

  apply(message: StreamBookResponse): void {
    const { event } = message;
    if (event.case === "snapshot") {
      this.bids.clear();
      this.asks.clear();
      for (const l of event.value.bids) this.bids.set(l.price, l.size);
      for (const l of event.value.asks) this.asks.set(l.price, l.size);
      this.seq = Number(event.value.seq);
    } else if (event.case === "update") {
      expect(Number(event.value.firstSeq)).toBe(this.seq + 1);
      for (const c of event.value.changes) {
        const side = c.side === Side.BUY ? this.bids : this.asks;
        if (c.size === "0") side.delete(c.price);
        else side.set(c.price, c.size);
      }
      this.seq = Number(event.value.seq);
    }
  }

  /** As REST's level 2: best first. */
  levels(): { bids: [string, string][]; asks: [string, string][] } {
    const sorted = (m: Map<string, string>, desc: boolean) =>
      [...m].sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
    return { bids: sorted(this.bids, true), asks: sorted(this.asks, false) };
  }
}

/** Reads `book` until it reaches REST's current level-2 seq, then compares the two. */
async function expectEqualToRest(reader: StreamReader<StreamBookResponse>, book: LocalBook): Promise<number> {
  const l2 = await rest(undefined, "GET", `/v1/instruments/${SYMBOL}/book?level=2&depth=1000`, undefined);
  while (book.seq < l2.seq) book.apply(await reader.next());
  expect(book.seq).toBe(l2.seq);
  expect(book.levels()).toEqual({ bids: l2.bids, asks: l2.asks });
  return l2.seq;
}

async function refusal(call: () => Promise<unknown>): Promise<ConnectError> {
  try {
    await call();
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("the call succeeded");
}

describe("StreamBook", () => {
  const recorded: StreamBookResponse[] = [];
  let snapshotSeq = 0;

  it("starts with REST's L2 at its seq and its updates keep a client's book equal to REST's (Connect JSON, gRPC-Web)", async () => {
    const stop = new AbortController();
    const json = new StreamReader(
      market("connect-json").streamBook({ instrument: SYMBOL }, { ...anonymous("10.97.1.1"), signal: stop.signal }),
    );
    const web = new StreamReader(
      market("grpc-web").streamBook({ instrument: SYMBOL }, { ...anonymous("10.97.1.2"), signal: stop.signal }),
    );
    const [a, b] = [new LocalBook(), new LocalBook()];
    const first = await json.next(10_000);
    expect(first.event.case).toBe("snapshot");
    a.apply(first);
    snapshotSeq = a.seq;
    b.apply(await web.until((m) => m.event.case === "snapshot", 10_000));

    await place(maker, "buy", "99.00", "5");
    await place(maker, "buy", "98.50", "2");
    await place(maker, "sell", "101.00", "3");
    await place(maker, "buy", "99.00", "1");
    await expectEqualToRest(json, a);
    await expectEqualToRest(web, b);
    recorded.push(...json.seen.filter((m) => m.event.case === "update"));
    expect(recorded.length).toBeGreaterThan(0);
    // Both transports carried the same updates.
    const seqs = (r: StreamReader<StreamBookResponse>) =>
      r.seen.flatMap((m) => (m.event.case === "update" ? [`${m.event.value.firstSeq}..${m.event.value.seq}`] : []));
    expect(seqs(web)).toEqual(seqs(json));
    stop.abort();
  });

  it("resume_from replays the updates after it from the log, after a resumed message", async () => {
    const stop = new AbortController();
    const reader = new StreamReader(
      market("connect-binary").streamBook(
        { instrument: SYMBOL, resumeFrom: BigInt(snapshotSeq) },
        { ...anonymous("10.97.1.3"), signal: stop.signal },
      ),
    );
    const first = await reader.next(10_000);
    expect(first.event.case).toBe("resumed");
    expect(Number((first.event.value as { fromSeq: bigint }).fromSeq)).toBe(snapshotSeq + 1);
    const seqOf = (m: StreamBookResponse | undefined) => (m?.event.case === "update" ? m.event.value.seq : -1n);
    const last = seqOf(recorded.at(-1));
    const replayed: StreamBookResponse[] = [];
    while (seqOf(replayed.at(-1)) < last) {
      const m = await reader.next();
      if (m.event.case === "update") replayed.push(m);
    }
    const changes = (ms: StreamBookResponse[]) =>
      ms.flatMap((m) => (m.event.case === "update" ? m.event.value.changes.map((c) => [c.side, c.price, c.size]) : []));
    expect(changes(replayed)).toEqual(changes(recorded));
    stop.abort();
  });

  it("heartbeats carry the stream's last seq", async () => {
    const stop = new AbortController();
    const reader = new StreamReader(
      market("connect-json").streamBook({ instrument: SYMBOL }, { ...anonymous("10.97.1.1"), signal: stop.signal }),
    );
    const book = new LocalBook();
    book.apply(await reader.next(10_000));
    const beat = await reader.until((m) => m.event.case === "heartbeat", 5_000);
    expect(Number((beat.event.value as { seq?: bigint }).seq)).toBe(book.seq);
    stop.abort();
  });
});

describe("StreamTrades, StreamTicker, StreamCandles", () => {
  it("a crossing order shows as a trades update with REST's trade, and in the ticker and candles", async () => {
    const stop = new AbortController();
    const opts = { ...anonymous("10.97.2.1"), signal: stop.signal };
    const trades = new StreamReader<StreamTradesResponse>(
      market("connect-json").streamTrades({ instrument: SYMBOL }, opts),
    );
    const ticker = new StreamReader(market("grpc-web").streamTicker({ instrument: SYMBOL }, opts));
    const candles = new StreamReader(market("connect-binary").streamCandles({ instrument: SYMBOL }, opts));
    const snap = await trades.next(10_000);
    expect(snap.event.case).toBe("snapshot");
    const tick0 = await ticker.next(10_000);
    expect(tick0.event.case === "ticker" && tick0.event.value.snapshot).toBe(true);
    const candle0 = await candles.next(10_000);
    expect(candle0.event.case === "candles" && candle0.event.value.snapshot).toBe(true);

    await place(taker, "sell", "99.00", "2");
    const update = await trades.until((m) => m.event.case === "update");
    const latest = (await rest(undefined, "GET", `/v1/instruments/${SYMBOL}/trades?limit=1`)).trades[0];
    const streamed = update.event.case === "update" ? update.event.value.trades.at(-1) : undefined;
    expect(Number(streamed?.tradeId)).toBe(latest.trade_id);
    expect([streamed?.price, streamed?.size, streamed?.side]).toEqual([latest.price, latest.size, Side.SELL]);
    expect(latest.side).toBe("sell");

    const tick = await ticker.until((m) => m.event.case === "ticker" && !m.event.value.snapshot);
    expect(tick.event.case === "ticker" && tick.event.value.ticker?.last).toBe("99.00");
    const candle = await candles.until((m) => m.event.case === "candles" && !m.event.value.snapshot);
    expect(candle.event.case === "candles" && candle.event.value.candles.at(-1)?.close).toBe("99.00");
    stop.abort();
  });
});

describe("StreamUserEvents", () => {
  it("a snapshot equal to REST, then the order, fill and balance messages of each change in one contiguous seq", async () => {
    const stop = new AbortController();
    const reader = new StreamReader<StreamUserEventsResponse>(
      trading("connect-binary").streamUserEvents({}, { headers: taker.headers, signal: stop.signal }),
    );
    const first = await reader.next(10_000);
    expect(first.event.case).toBe("snapshot");
    const snapshot = first.event.case === "snapshot" ? first.event.value : undefined;
    const balances = await rest(taker, "GET", "/v1/accounts/me/balances");
    const usd = (list: { asset: string; total: string }[]) => list.find((b) => b.asset === "USD")?.total;
    expect(usd(snapshot?.balances ?? [])).toBe(usd(balances.balances));

    // Crosses the maker's 99.00 bid (what is left of it) and 98.50: fills.
    const placed = await place(taker, "sell", "98.50", "3");
    let seq = Number(snapshot?.seq);
    const kinds: string[] = [];
    while (!kinds.includes("balance")) {
      const m = await reader.until((x) => x.event.case !== "heartbeat");
      const value = m.event.value as { seq: bigint };
      expect(Number(value.seq)).toBe(seq + 1);
      seq = Number(value.seq);
      kinds.push(String(m.event.case));
      if (m.event.case === "order") expect(m.event.value.order?.orderId).toBe(placed.order.order_id);
    }
    expect(kinds[0]).toBe("order");
    expect(kinds).toContain("fill");
    const fills = await rest(taker, "GET", `/v1/fills?order_id=${placed.order.order_id}`);
    const streamedFills = reader.seen.flatMap((m) => (m.event.case === "fill" ? [m.event.value.fill] : []));
    expect(streamedFills.map((f) => [f?.price, f?.size])).toEqual(
      fills.fills.map((f: { price: string; size: string }) => [f.price, f.size]).reverse(),
    );
    stop.abort();
  });

  it("needs credentials: unauthenticated with REST's code", async () => {
    const err = await refusal(async () => {
      for await (const _ of trading("connect-json").streamUserEvents({}, anonymous("10.98.0.9"))) break;
    });
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.metadata.get("p3-error-code")).toBe("unauthorized");
  });
});

describe("refusals and resources", () => {
  it("an unlisted instrument is not_found, a malformed one invalid_argument, with REST's codes", async () => {
    const unknown = await refusal(async () => {
      for await (const _ of market("connect-json").streamBook({ instrument: "NOPE-USD" })) break;
    });
    expect(unknown.code).toBe(Code.NotFound);
    expect(unknown.metadata.get("p3-error-code")).toBe("instrument_not_found");
    const malformed = await refusal(async () => {
      for await (const _ of market("grpc-web").streamTrades({ instrument: "" })) break;
    });
    expect(malformed.code).toBe(Code.InvalidArgument);
    expect(malformed.metadata.get("p3-error-code")).toBe("invalid_request");
  });

  it("streams count against the address's feed sockets, and a cancelled stream gives its socket back", async () => {
    const ip = "10.97.0.1";
    const open = async () => {
      const stop = new AbortController();
      const reader = new StreamReader(
        market("connect-json").streamTicker({ instrument: SYMBOL }, { ...anonymous(ip), signal: stop.signal }),
      );
      await reader.next(10_000);
      return stop;
    };
    const held = [];
    for (let i = 0; i < MAX_SOCKETS_PER_IP; i++) held.push(await open());
    const over = await refusal(open);
    expect(over.code).toBe(Code.ResourceExhausted);
    expect(over.metadata.get("p3-error-code")).toBe("feed_ip_limit");
    for (const stop of held) stop.abort();
    // The shards see the closes shortly: the address can open streams again.
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        (await open()).abort();
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  });
});
