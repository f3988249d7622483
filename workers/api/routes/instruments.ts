/**
 * Public instrument and market-data routes: adapters of the market-data
 * operations (`operations/market-data.ts`), which every protocol shares.
 * Responses are cached at the edge for a moment (see edge-cache), and the
 * ticker and top of book also in Redis when configured, shared by every
 * location (redis/market-data.ts). The contracts
 * (`openapi/contracts/market-data.ts`) validate every parameter.
 */
import { edgeCache } from "../middleware/edge-cache/index.ts";
import {
  getBook,
  getCandles,
  getInstrument,
  getTicker,
  getTrades,
  listInstruments as listRoute,
  listTickers,
} from "../openapi/contracts/market-data.ts";
import { createRouter } from "../openapi/router.ts";
import { contextOf } from "../operations/context.ts";
import * as ops from "../operations/market-data.ts";

export const instruments = createRouter();

instruments.use("/instruments/:symbol/*", edgeCache({ ttlMs: ops.cacheMs, staleMs: ops.staleMs }));
instruments.use("/tickers", edgeCache({ ttlMs: ops.cacheMs, staleMs: ops.staleMs }));

instruments.openapi(listRoute, async (c) => c.json(await ops.listInstruments.run(contextOf(c), {}), 200));

instruments.openapi(getInstrument, async (c) =>
  c.json(await ops.getInstrument.run(contextOf(c), c.req.valid("param")), 200),
);

instruments.openapi(getBook, async (c) =>
  c.json(await ops.getBook.run(contextOf(c), { ...c.req.valid("param"), ...c.req.valid("query") }), 200),
);

instruments.openapi(getTrades, async (c) =>
  c.json(await ops.getTrades.run(contextOf(c), { ...c.req.valid("param"), query: c.req.valid("query") }), 200),
);

instruments.openapi(getTicker, async (c) => c.json(await ops.getTicker.run(contextOf(c), c.req.valid("param")), 200));

instruments.openapi(listTickers, async (c) => c.json(await ops.listTickers.run(contextOf(c), {}), 200));

instruments.openapi(getCandles, async (c) =>
  c.json(await ops.getCandles.run(contextOf(c), { ...c.req.valid("param"), ...c.req.valid("query") }), 200),
);
