/**
 * Regional market-data replicas (issue 22): public REST reads of a caller outside the book's
 * home region are answered by that region's relay, with the data's age in headers; callers in
 * the home region, and `Cache-Control: no-cache`, read the book. The answers are the book's own.
 * While the book is unreachable the replica answers the last state it knew, marked stale, and
 * the edge cache serves its last answer where no replica has state.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { OUTAGE_KEY } from "../../durable-objects/runtime/fault-injection.ts";
import { relayName } from "../../shared/geo/placement.ts";
import { book, bookShards, place, seedInstruments } from "./feed-client.ts";

beforeAll(seedInstruments);

/** Home: weur. */
const SYMBOL = "EUR-USD";
let ip = 0;

function get(path: string, region?: string, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`http://platform3.test/v1/instruments/${SYMBOL}${path}`, {
    headers: {
      "cf-connecting-ip": `203.0.113.${++ip % 250}`,
      ...(region ? { "x-p3-region": region } : {}),
      ...headers,
    },
  });
}

/** Polls `path` (each time with a different `depth`, past the edge cache) until `done` holds for its body. */
async function eventually<T>(
  path: (i: number) => string,
  region: string,
  done: (body: T) => boolean,
): Promise<{ res: Response; body: T }> {
  for (let i = 0; i < 100; i++) {
    const res = await get(path(i), region);
    const body = (await res.json()) as T;
    if (res.status === 200 && done(body)) return { res, body };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${path(0)} from ${region} never got there`);
}

describe("regional replicas", () => {
  it("answer callers outside the home region from their region's relay; the home region and no-cache read the book", async () => {
    await place(SYMBOL, "sell", "1.10020", "3000");
    await place(SYMBOL, "buy", "1.09980", "2000");
    const seq = (await book(SYMBOL).sequences()).level2;

    const { res, body } = await eventually<{ seq: number }>(
      (i) => `/book?level=2&depth=${10 + i}`,
      "apac",
      (b) => b.seq === seq,
    );
    expect(res.headers.get("x-data-source")).toBe("replica");
    expect(res.headers.get("x-data-stale")).toBe("false");
    expect(Number(res.headers.get("x-data-age-ms"))).toBeGreaterThanOrEqual(0);
    expect(Number(res.headers.get("x-data-as-of"))).toBeLessThanOrEqual(Date.now());
    const own = await book(SYMBOL).book(2, 10);
    expect({ ...body, time: 0 }).toEqual({ ...own, time: 0 });
    // The relay subscribed at the book for its region's readers, with no socket in the region.
    expect(await bookShards(SYMBOL)).toContain(relayName("apac", SYMBOL));
    expect((await env.FEED_RELAY.getByName(relayName("apac", SYMBOL)).status()).replica_reads).toBeGreaterThan(0);

    const home = await get("/book?level=2&depth=3", "weur");
    expect(home.headers.get("x-data-source")).toBe("book");
    const fresh = await get("/book?level=2&depth=4", "apac", { "cache-control": "no-cache" });
    expect(fresh.headers.get("x-data-source")).toBe("book");
    // Level 3 is never replicated.
    expect((await get("/book?level=3", "apac")).headers.get("x-data-source")).toBeNull();
  });

  it("answer trades, ticker and candles exactly as the book, once the relay has heard the trade", async () => {
    await place(SYMBOL, "sell", "1.10000", "1000");
    const trade = await place(SYMBOL, "buy", "1.10000", "1000");
    expect(trade.results[0]?.events.some((e) => e.type === "trade")).toBe(true);
    const { trades: bookTrades } = await book(SYMBOL).trades({ limit: 5 });
    const newest = bookTrades[0]?.trade_id;

    const { res, body } = await eventually<{ trades: { trade_id: number }[] }>(
      (i) => `/trades?limit=${5 + i}`,
      "apac",
      (b) => b.trades[0]?.trade_id === newest,
    );
    expect(res.headers.get("x-data-source")).toBe("replica");
    expect(body.trades.slice(0, bookTrades.length)).toEqual(bookTrades);

    const ticker = await get("/ticker", "apac");
    expect(ticker.headers.get("x-data-source")).toBe("replica");
    const { time: _t, ...tickerBody } = (await ticker.json()) as { time: number };
    const { time: _u, ...ownTicker } = await book(SYMBOL).ticker();
    expect(tickerBody).toEqual(ownTicker);

    const end = Date.now() + 60_000;
    const start = end - 3_600_000;
    const candles = await get(`/candles?interval=1m&start=${start}&end=${end}`, "apac");
    expect(candles.headers.get("x-data-source")).toBe("replica");
    expect(((await candles.json()) as { candles: unknown }).candles).toEqual(
      await book(SYMBOL).candles("1m", start, end),
    );
  });
});

/** Cuts the book off for `ms`: every call to it fails as an unreachable object's (fault-injection.ts). */
async function cutOff(ms: number): Promise<void> {
  await runInDurableObject(book(SYMBOL), (_instance, state) => state.storage.put(OUTAGE_KEY, Date.now() + ms));
  await evictDurableObject(book(SYMBOL));
}

describe("an unreachable home book", () => {
  it("is replaced by the replica's last state, marked stale, and by the edge cache's last answer", async () => {
    const head = (await book(SYMBOL).sequences()).level2;
    const { body: known } = await eventually<{ seq: number; bids: unknown; asks: unknown }>(
      (i) => `/book?level=2&depth=${200 + i}`,
      "apac",
      (b) => b.seq === head,
    );
    const homeTicker = await get("/ticker", "weur");
    expect(homeTicker.headers.get("x-data-source")).toBe("book");

    await cutOff(8_000);
    expect(
      await book(SYMBOL)
        .sequences()
        .then(
          () => "answered",
          () => "unreachable",
        ),
    ).toBe("unreachable");
    // Past the relay's probe interval: the next read asks the book, and the one after knows it is gone.
    await new Promise((r) => setTimeout(r, 2_100));
    const { res, body } = await eventually<{ seq: number; bids: unknown; asks: unknown }>(
      (i) => `/book?level=2&depth=${300 + i}`,
      "apac",
      () => true,
    ).then(async (first) =>
      first.res.headers.get("x-data-stale") === "true"
        ? first
        : eventually<{ seq: number; bids: unknown; asks: unknown }>(
            (i) => `/book?level=2&depth=${400 + i}`,
            "apac",
            () => true,
          ),
    );
    expect(res.headers.get("x-data-source")).toBe("replica");
    expect(res.headers.get("x-data-stale")).toBe("true");
    expect(Number(res.headers.get("x-data-age-ms"))).toBeGreaterThanOrEqual(2_000);
    expect({ seq: body.seq, bids: body.bids, asks: body.asks }).toEqual({
      seq: known.seq,
      bids: known.bids,
      asks: known.asks,
    });

    // The home region has no replica with state: its edge cache answers with the last ticker it had.
    const home = await get("/ticker", "weur");
    expect(home.status).toBe(200);
    expect(home.headers.get("x-cache")).toBe("STALE");
    expect(home.headers.get("x-data-stale")).toBe("true");
    // Level 3 has no replica: it waits for the book.
    expect((await get("/book?level=3&depth=5", "apac")).status).toBe(503);
  });
});
