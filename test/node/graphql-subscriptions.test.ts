/**
 * GraphQL subscriptions with real clients against the Worker and its objects in
 * workerd (Miniflare, bench/runtime.ts): graphql-ws's own client over
 * WebSocket (`graphql-transport-ws`) and a plain HTTP client reading yoga's
 * Server-Sent Events. The feed's sequences and resume, the private stream
 * with a token in `connectionParams`, and refusals with REST's codes.
 */
import { type Client, createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTraders, listInstrument, RUN, SYMBOL, type Trader } from "../../bench/orders/setup.ts";
import { CLIENT_HEADERS, startServer, stopServer } from "../../bench/runtime.ts";
import { StreamReader } from "./stream-reader.ts";
import { placeLimit, restCall } from "./venue-rest.ts";

let base: string;
let maker: Trader;
let taker: Trader;
const _n = 0;
const clients: Client[] = [];

beforeAll(async () => {
  const server = await startServer({ runtime: "miniflare", label: "graphql-subscriptions" });
  base = server.base;
  await listInstrument(base, SYMBOL);
  [maker, taker] = (await createTraders(base, 2, `gs-${RUN}`)) as [Trader, Trader];
}, 240_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  stopServer();
});

// biome-ignore lint/suspicious/noExplicitAny: GraphQL and REST answers are read field by field.
type Any = any;

const rest = (trader: Trader | undefined, method: string, path: string, body?: unknown) =>
  restCall(base, trader, method, path, body);
const place = (trader: Trader, side: "buy" | "sell", price: string, size: string) =>
  placeLimit(base, trader, side, price, size);

/** A graphql-ws client; `closed` resolves with the close event's code. */
function wsClient(connectionParams?: Record<string, unknown>): { client: Client; closed: Promise<number> } {
  let onClosed: (code: number) => void = () => {};
  const closed = new Promise<number>((resolve) => {
    onClosed = resolve;
  });
  const client = createClient({
    url: `${base.replace(/^http/, "ws")}/v1/graphql`,
    retryAttempts: 0,
    lazy: false,
    ...(connectionParams && { connectionParams }),
    on: { closed: (event) => onClosed((event as { code: number }).code) },
  });
  clients.push(client);
  return { client, closed };
}

/** The results of one subscription as a readable stream. */
function subscribe(client: Client, query: string, variables: Record<string, unknown> = {}): StreamReader<Any> {
  return new StreamReader(client.iterate({ query, variables }));
}

/** The events of an SSE response (`event: next` data), as a readable stream. */
async function* sse(res: Response): AsyncGenerator<Any> {
  const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (\S+)/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event === "complete") return;
      if (event === "next" && data) yield JSON.parse(data);
      end = buffer.indexOf("\n\n");
    }
  }
}

const LEVEL2 = /* GraphQL */ `
  subscription ($instrument: String!, $resume_from: Long) {
    level2(instrument: $instrument, resume_from: $resume_from) {
      type instrument seq first_seq from_seq reason
      bids { price size } asks { price size } changes { side price size }
    }
  }
`;

describe("graphql-ws", () => {
  const updates: Any[] = [];
  let snapshotSeq = 0;

  it("level2: a snapshot equal to REST's L2, then contiguous updates that keep it equal", async () => {
    const { client } = wsClient();
    const stream = subscribe(client, LEVEL2, { instrument: SYMBOL });
    const first = (await stream.next(10_000)).data.level2;
    expect(first.type).toBe("snapshot");
    const l2 = await rest(undefined, "GET", `/v1/instruments/${SYMBOL}/book?level=2&depth=1000`);
    expect(first.seq).toBe(l2.seq);
    snapshotSeq = first.seq;
    const bids = new Map<string, string>(first.bids.map((l: Any) => [l.price, l.size]));
    const asks = new Map<string, string>(first.asks.map((l: Any) => [l.price, l.size]));

    await place(maker, "buy", "99.00", "4");
    await place(maker, "sell", "101.00", "2");
    const after = await rest(undefined, "GET", `/v1/instruments/${SYMBOL}/book?level=2&depth=1000`);
    let seq = first.seq;
    while (seq < after.seq) {
      const event = (await stream.until((r) => r.data.level2.type === "update")).data.level2;
      expect(event.first_seq).toBe(seq + 1);
      seq = event.seq;
      updates.push(event);
      for (const c of event.changes) {
        const side = c.side === "buy" ? bids : asks;
        if (c.size === "0") side.delete(c.price);
        else side.set(c.price, c.size);
      }
    }
    const levels = (m: Map<string, string>, desc: boolean) =>
      [...m].sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
    expect({ bids: levels(bids, true), asks: levels(asks, false) }).toEqual({ bids: after.bids, asks: after.asks });
    await stream.close();
  });

  it("level2 with resume_from: resumed, then the same updates replayed from the log", async () => {
    const { client } = wsClient();
    const stream = subscribe(client, LEVEL2, { instrument: SYMBOL, resume_from: snapshotSeq });
    const first = (await stream.next(10_000)).data.level2;
    expect(first).toMatchObject({ type: "resumed", from_seq: snapshotSeq + 1 });
    const replayed: Any[] = [];
    while (replayed.length < updates.length) {
      replayed.push((await stream.until((r) => r.data.level2.type === "update")).data.level2);
    }
    expect(replayed.map((u) => [u.first_seq, u.seq, u.changes])).toEqual(
      updates.map((u) => [u.first_seq, u.seq, u.changes]),
    );
    await stream.close();
  });

  it("userEvents with the token in connectionParams: a snapshot, then the order, fill and balance of a trade", async () => {
    const { client } = wsClient({ authorization: `Bearer ${taker.token}` });
    const stream = subscribe(
      client,
      /* GraphQL */ `subscription { userEvents { type seq orders { order_id } balances { asset total }
        order { order_id status } fill { price size liquidity } } }`,
    );
    const snapshot = (await stream.next(10_000)).data.userEvents;
    expect(snapshot.type).toBe("snapshot");
    const balances = await rest(taker, "GET", "/v1/accounts/me/balances");
    expect(snapshot.balances).toEqual(balances.balances.map((b: Any) => ({ asset: b.asset, total: b.total })));

    const placed = await place(taker, "sell", "99.00", "1");
    let seq = snapshot.seq;
    const kinds: string[] = [];
    while (!kinds.includes("balance")) {
      const event = (await stream.until((r) => r.data.userEvents.type !== "heartbeat")).data.userEvents;
      expect(event.seq).toBe(seq + 1);
      seq = event.seq;
      kinds.push(event.type);
      if (event.type === "order") expect(event.order.order_id).toBe(placed.order.order_id);
      if (event.type === "fill") expect(event.fill).toEqual({ price: "99.00", size: "1", liquidity: "taker" });
    }
    expect(kinds).toEqual(["order", "fill", "balance"]);
    await stream.close();
  });

  it("refusals: an unlisted instrument and a missing scope carry REST's codes; a query is refused; a bad token closes 4403", async () => {
    const { client } = wsClient();
    const unknown = await subscribe(client, LEVEL2, { instrument: "NOPE-USD" }).next(10_000);
    expect(unknown.errors[0].extensions).toMatchObject({ code: "instrument_not_found", status: 404 });
    const anonymous = await subscribe(client, "subscription { userEvents { type } }").next(10_000);
    expect(anonymous.errors[0].extensions).toMatchObject({ code: "unauthorized", status: 401 });
    const query = await subscribe(client, "{ sessions { time } }")
      .next(10_000)
      .catch((err: Any) => ({ errors: err }));
    expect(query.errors[0].extensions).toMatchObject({ code: "invalid_request" });
    // The HTTP endpoint's limits hold here too: 50 aliases (graphql-armor), variables over 64 KiB.
    const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: type`).join(" ");
    const hostile = await subscribe(client, `subscription { userEvents { ${aliases} } }`)
      .next(10_000)
      .catch((err: Any) => ({ errors: err }));
    expect(hostile.errors[0].message).toMatch(/alias/i);
    const huge = await subscribe(client, LEVEL2, { instrument: SYMBOL, pad: "x".repeat(70_000) })
      .next(10_000)
      .catch((err: Any) => ({ errors: err }));
    expect(huge.errors[0].extensions.code).toBe("payload_too_large");
    expect(hostile.errors[0].extensions.code).toBe("invalid_request");

    const refused = wsClient({ authorization: "Bearer not-a-token" });
    refused.client
      .iterate({ query: "subscription { userEvents { type } }" })
      .next()
      .catch(() => {});
    expect(await refused.closed).toBe(4403);
  });
});

describe("Server-Sent Events", () => {
  it("trades over SSE (a plain HTTP client): the snapshot, then a crossing order's trade as REST lists it", async () => {
    const stop = new AbortController();
    const res = await fetch(`${base}/v1/graphql`, {
      method: "POST",
      headers: { ...CLIENT_HEADERS, "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({
        query: `subscription ($i: String!) { trades(instrument: $i) { type seq first_seq trades { trade_id price size side } } }`,
        variables: { i: SYMBOL },
      }),
      signal: stop.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const stream = new StreamReader(sse(res));
    const snapshot = (await stream.next(10_000)).data.trades;
    expect(snapshot.type).toBe("snapshot");
    await place(taker, "sell", "99.00", "1");
    const update = (await stream.until((r) => r.data.trades.type === "update")).data.trades;
    const latest = (await rest(undefined, "GET", `/v1/instruments/${SYMBOL}/trades?limit=1`)).trades[0];
    expect(update.trades.at(-1)).toEqual({
      trade_id: latest.trade_id,
      price: latest.price,
      size: latest.size,
      side: latest.side,
    });
    expect(update.first_seq).toBe(snapshot.seq + 1);
    stop.abort();
  });

  it("an SSE subscription refused before it starts answers one error with REST's code", async () => {
    const res = await fetch(`${base}/v1/graphql`, {
      method: "POST",
      headers: { ...CLIENT_HEADERS, "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: `subscription { ticker(instrument: "NOPE-USD") { type } }` }),
    });
    const events: Any[] = [];
    for await (const event of sse(res)) events.push(event);
    expect(events).toHaveLength(1);
    expect(events[0].errors[0].extensions).toMatchObject({ code: "instrument_not_found", status: 404 });
  });
});
