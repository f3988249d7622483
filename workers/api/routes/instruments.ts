/**
 * Public instrument and market-data routes. Reads go to the instrument's book
 * object; responses are cached at the edge for a moment (see edge-cache).
 */
import { Hono } from "hono";
import { z } from "zod";
import { CANDLE_INTERVALS, MAX_CANDLES, MAX_TRADES_PAGE } from "../../../durable-objects/order-book/market-data.ts";
import type { AppEnv } from "../env.ts";
import { bookFor, instrumentOr404, listInstruments } from "../instruments.ts";
import { edgeCache } from "../middleware/edge-cache/index.ts";
import { methodNotAllowed } from "../routing.ts";
import { parseOr400 } from "../validation.ts";

export const instruments = new Hono<AppEnv>();

const cacheMs = (env: AppEnv["Bindings"]) => Number(env.MARKET_DATA_CACHE_MS ?? 1000);
instruments.use("/instruments/:symbol/*", edgeCache({ ttlMs: cacheMs }));

const Cursor = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const BookQuery = z
  .object({
    level: z.enum(["1", "2", "3"], { message: "level must be 1, 2 or 3" }).default("2"),
    depth: z.coerce
      .number()
      .int()
      .min(1, "depth must be at least 1")
      .max(1000, "depth must be at most 1000")
      .default(50),
  })
  .strict();

const TradesQuery = z
  .object({
    before: Cursor.optional(),
    after: Cursor.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_TRADES_PAGE, `limit must be at most ${MAX_TRADES_PAGE}`).default(100),
  })
  .strict()
  .refine((q) => q.before === undefined || q.after === undefined, { message: "use before or after, not both" });

const intervals = Object.keys(CANDLE_INTERVALS) as [
  keyof typeof CANDLE_INTERVALS,
  ...(keyof typeof CANDLE_INTERVALS)[],
];
const CandlesQuery = z
  .object({
    interval: z.enum(intervals, { message: `interval must be one of ${intervals.join(", ")}` }),
    start: z.coerce.number().int().nonnegative().optional(),
    end: z.coerce.number().int().positive().optional(),
  })
  .strict();

instruments.get("/instruments", async (c) => c.json({ instruments: await listInstruments(c.env) }));
instruments.all("/instruments", methodNotAllowed(["GET"]));

instruments.get("/instruments/:symbol", async (c) => c.json(await instrumentOr404(c.env, c.req.param("symbol"))));
instruments.all("/instruments/:symbol", methodNotAllowed(["GET"]));

instruments.get("/instruments/:symbol/book", async (c) => {
  const q = parseOr400(BookQuery, c.req.query(), "query");
  const instrument = await instrumentOr404(c.env, c.req.param("symbol"));
  const level = Number(q.level) as 1 | 2 | 3;
  return c.json(await bookFor(c.env, instrument).book(level, q.depth));
});
instruments.all("/instruments/:symbol/book", methodNotAllowed(["GET"]));

instruments.get("/instruments/:symbol/trades", async (c) => {
  const q = parseOr400(TradesQuery, c.req.query(), "query");
  const instrument = await instrumentOr404(c.env, c.req.param("symbol"));
  const page = await bookFor(c.env, instrument).trades(q);
  return c.json({ instrument: instrument.symbol, ...page });
});
instruments.all("/instruments/:symbol/trades", methodNotAllowed(["GET"]));

instruments.get("/instruments/:symbol/ticker", async (c) => {
  const instrument = await instrumentOr404(c.env, c.req.param("symbol"));
  return c.json(await bookFor(c.env, instrument).ticker());
});
instruments.all("/instruments/:symbol/ticker", methodNotAllowed(["GET"]));

instruments.get("/instruments/:symbol/candles", async (c) => {
  const q = parseOr400(CandlesQuery, c.req.query(), "query");
  const width = CANDLE_INTERVALS[q.interval];
  const end = q.end ?? Date.now();
  // Default window: the most recent MAX_CANDLES candles.
  const start = q.start ?? end - width * MAX_CANDLES;
  if (start >= end) parseOr400(z.never({ message: "start must be before end" }), 0, "query");
  const instrument = await instrumentOr404(c.env, c.req.param("symbol"));
  const candles = await bookFor(c.env, instrument).candles(q.interval, start, end);
  return c.json({ instrument: instrument.symbol, interval: q.interval, start, end, candles });
});
instruments.all("/instruments/:symbol/candles", methodNotAllowed(["GET"]));
