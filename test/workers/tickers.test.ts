/**
 * Every ticker in one call (issue 23's market data): `GET /v1/tickers` and GraphQL's `tickers`
 * answer one ticker per listed instrument, each equal to that instrument's own ticker, with the
 * data's age and staleness over all of them; an instrument whose ticker cannot be read is named
 * in `unavailable`, and the rest still answer.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { registryStub } from "../../durable-objects/instrument-registry/index.ts";
import { orderBookStub } from "../../durable-objects/order-book/stub.ts";
import { OUTAGE_KEY } from "../../durable-objects/runtime/fault-injection.ts";
import { forgetInstruments } from "../../workers/api/instruments.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";

const tag = Math.random().toString(36).slice(2, 6).toUpperCase();
const NO_CACHE = { "cache-control": "no-cache" };
let ip = 0;
const get = (path: string, headers: Record<string, string> = {}) =>
  exports.default.fetch(`http://platform3.test/v1${path}`, {
    headers: { "cf-connecting-ip": `198.18.0.${++ip % 250}`, ...headers },
  });

type Ticker = { instrument: string; time: number } & Record<string, unknown>;

describe("GET /v1/tickers", () => {
  it("answers every listed instrument's ticker, each as its own route answers it", async () => {
    const symbol = `TK${tag}-USD`;
    await listInstrument(testInstrument(symbol));
    forgetInstruments();
    await orderBookStub(env.ORDER_BOOK, { symbol, home_region: "enam" }).execute([
      { type: "place", order_id: "t1", account: "a", side: "sell", order_type: "limit", price: "10.00", size: "1" },
    ]);
    const res = await get("/tickers", NO_CACHE);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-data-source")).toMatch(/^(book|replica|mixed)$/);
    expect(res.headers.get("x-data-stale")).toBe("false");
    const body = await res.json<{ tickers: Ticker[]; unavailable: string[] }>();
    const listed = (await registryStub(env.INSTRUMENTS).list()).map((i) => i.symbol).sort();
    expect(body.tickers.map((t) => t.instrument).sort()).toEqual(listed);
    expect(body.unavailable).toEqual([]);
    const own = await (await get(`/instruments/${symbol}/ticker`, NO_CACHE)).json<Ticker>();
    const mine = body.tickers.find((t) => t.instrument === symbol) as Ticker;
    expect({ ...mine, time: 0 }).toEqual({ ...own, time: 0 });
    expect(mine.best_ask).toBe("10.00");

    // The same over GraphQL.
    const gql = await exports.default.fetch("http://platform3.test/v1/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": "198.18.1.1" },
      body: JSON.stringify({ query: "{ tickers { tickers { instrument best_ask } unavailable } }" }),
    });
    const data = (await gql.json<{ data: { tickers: { tickers: Ticker[]; unavailable: string[] } } }>()).data;
    expect(data.tickers.tickers.find((t) => t.instrument === symbol)?.best_ask).toBe("10.00");
    expect(data.tickers.tickers.length).toBe(listed.length);
  });

  it("names an instrument whose ticker cannot be read, and answers the others", async () => {
    const symbol = `TD${tag}-USD`;
    await listInstrument(testInstrument(symbol));
    // (The edge keeps the list of instruments for 2 s: forget it, as a new listing through the API does.)
    forgetInstruments();
    const book = orderBookStub(env.ORDER_BOOK, { symbol, home_region: "enam" });
    await runInDurableObject(book, (_instance, state) => state.storage.put(OUTAGE_KEY, Date.now() + 3_000));
    await evictDurableObject(book);
    const body = await (await get("/tickers", { ...NO_CACHE })).json<{ tickers: Ticker[]; unavailable: string[] }>();
    expect(body.unavailable).toEqual([symbol]);
    expect(body.tickers.some((t) => t.instrument === symbol)).toBe(false);
    expect(body.tickers.length).toBeGreaterThan(0);
  });
});
