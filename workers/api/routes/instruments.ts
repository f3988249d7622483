/**
 * Public instrument and market-data routes. Reads go to the instrument's book
 * object; responses are cached at the edge for a moment (see edge-cache), and
 * the ticker and top of book also in Redis when configured, shared by every
 * location (redis/market-data.ts). The contracts
 * (`openapi/contracts/market-data.ts`) validate every parameter.
 */
import { CANDLE_INTERVALS, MAX_CANDLES } from "../../../shared/market/candles.ts";
import type { AppEnv } from "../env.ts";
import { bookFor, instrumentOr404, listInstruments } from "../instruments.ts";
import { edgeCache } from "../middleware/edge-cache/index.ts";
import {
  getBook,
  getCandles,
  getInstrument,
  getTicker,
  getTrades,
  listInstruments as listRoute,
} from "../openapi/contracts/market-data.ts";
import { createRouter } from "../openapi/router.ts";
import { problemException } from "../problem.ts";
import { bboKey, readThrough, tickerKey } from "../redis/index.ts";

export const instruments = createRouter();

const cacheMs = (env: AppEnv["Bindings"]) => Number(env.MARKET_DATA_CACHE_MS ?? 1000);
instruments.use("/instruments/:symbol/*", edgeCache({ ttlMs: cacheMs }));

instruments.openapi(listRoute, async (c) => c.json({ instruments: await listInstruments(c.env) }, 200));

instruments.openapi(getInstrument, async (c) => c.json(await instrumentOr404(c.env, c.req.valid("param").symbol), 200));

instruments.openapi(getBook, async (c) => {
  const q = c.req.valid("query");
  const instrument = await instrumentOr404(c.env, c.req.valid("param").symbol);
  const level = Number(q.level) as 1 | 2 | 3;
  const read = () => bookFor(c.env, instrument).book(level, q.depth);
  // Level 1 ignores depth: one top of book per instrument.
  const view = level === 1 ? await readThrough(c, bboKey(instrument.symbol), cacheMs(c.env), read) : await read();
  return c.json(view, 200);
});

instruments.openapi(getTrades, async (c) => {
  const q = c.req.valid("query");
  const instrument = await instrumentOr404(c.env, c.req.valid("param").symbol);
  const page = await bookFor(c.env, instrument).trades(q);
  return c.json({ instrument: instrument.symbol, ...page }, 200);
});

instruments.openapi(getTicker, async (c) => {
  const instrument = await instrumentOr404(c.env, c.req.valid("param").symbol);
  const ticker = await readThrough(c, tickerKey(instrument.symbol), cacheMs(c.env), () =>
    bookFor(c.env, instrument).ticker(),
  );
  return c.json(ticker, 200);
});

instruments.openapi(getCandles, async (c) => {
  const q = c.req.valid("query");
  const width = CANDLE_INTERVALS[q.interval];
  const end = q.end ?? Date.now();
  // Default window: the most recent MAX_CANDLES candles.
  const start = q.start ?? end - width * MAX_CANDLES;
  if (start >= end) {
    throw problemException("invalid_request", "Invalid query: start: start must be before end", {
      extensions: { errors: [{ field: "start", message: "start must be before end" }] },
    });
  }
  const instrument = await instrumentOr404(c.env, c.req.valid("param").symbol);
  const candles = await bookFor(c.env, instrument).candles(q.interval, start, end);
  return c.json({ instrument: instrument.symbol, interval: q.interval, start, end, candles }, 200);
});
