/**
 * Contracts of the public instrument and market-data routes. The query schemas
 * are the validation: a bad parameter is a 400 `invalid_request` naming it.
 */
import { z } from "@hono/zod-openapi";
import { InstrumentSchema as InstrumentRecord } from "../../../../shared/instruments/schema.ts";
import { CANDLE_INTERVAL_NAMES, MAX_CANDLES, MAX_TRADES_PAGE } from "../../../../shared/market/candles.ts";
import { defineRoute } from "../define.ts";
import { queryInteger } from "../query-params.ts";
import { json, problems, SymbolParams } from "../schemas.ts";

// Schemas built outside this module may predate `@hono/zod-openapi`'s zod extension: clone them to name them.
export const InstrumentSchema = InstrumentRecord.clone().openapi("Instrument", {
  description: "An instrument: grids and limits (decimal strings), fees, home region, trading calendar and status.",
});

export { CANDLE_INTERVAL_NAMES, MAX_CANDLES, MAX_TRADES_PAGE };

const Decimal = z.string().openapi({ example: "65000.00" });
const EpochMs = z.number().int().openapi({ description: "Epoch milliseconds.", example: 1773063000000 });
const Cursor = queryInteger({ min: 1, max: Number.MAX_SAFE_INTEGER });

export const PriceSizeSchema = z.array(Decimal).length(2).openapi("PriceSize", { description: "[price, size]" });
export const L3OrderSchema = z
  .object({ order_id: z.string(), price: Decimal, size: Decimal })
  .openapi("L3Order", { description: "A resting order (never its account)." });

export const BookSchema = z
  .object({
    instrument: z.string(),
    level: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    seq: z.number().int().openapi({ description: "The level2 channel sequence this view is at." }),
    time: EpochMs,
    bids: z.union([z.array(PriceSizeSchema), z.array(L3OrderSchema)]),
    asks: z.union([z.array(PriceSizeSchema), z.array(L3OrderSchema)]),
  })
  .openapi("Book");

export const TradeSchema = z
  .object({
    trade_id: z.number().int(),
    price: Decimal,
    size: Decimal,
    side: z.string().openapi({ description: "The aggressor's side.", example: "buy" }),
    time: EpochMs,
  })
  .openapi("Trade");

export const TradesPageSchema = z
  .object({
    instrument: z.string(),
    trades: z.array(TradeSchema),
    next_before: z.number().int().nullable(),
    next_after: z.number().int().nullable(),
  })
  .openapi("TradesPage");

const MaybeDecimal = z.string().nullable();
export const TickerSchema = z
  .object({
    instrument: z.string(),
    best_bid: MaybeDecimal,
    best_bid_size: MaybeDecimal,
    best_ask: MaybeDecimal,
    best_ask_size: MaybeDecimal,
    last: MaybeDecimal,
    open_24h: MaybeDecimal,
    high_24h: MaybeDecimal,
    low_24h: MaybeDecimal,
    volume_24h: Decimal,
    trades_24h: z.number().int(),
    time: EpochMs,
  })
  .openapi("Ticker");

const intervals = CANDLE_INTERVAL_NAMES;

export const CandleSchema = z
  .object({
    start: EpochMs,
    open: Decimal,
    high: Decimal,
    low: Decimal,
    close: Decimal,
    volume: Decimal,
    trades: z.number().int(),
  })
  .openapi("Candle");

export const CandlesSchema = z
  .object({
    instrument: z.string(),
    interval: z.enum(intervals),
    start: EpochMs,
    end: EpochMs,
    candles: z.array(CandleSchema),
  })
  .openapi("Candles");

export const BookQuery = z
  .object({
    level: z
      .enum(["1", "2", "3"], { message: "level must be 1, 2 or 3" })
      .default("2")
      .openapi({ description: "1: best bid/ask; 2: aggregated levels; 3: every order." }),
    depth: queryInteger({ name: "depth", min: 1, max: 1000 })
      .default(50)
      .openapi({ description: "Levels (or orders) per side, 1–1000." }),
  })
  .strict();

export const TradesQuery = z
  .object({
    before: Cursor.optional().openapi({ description: "Trades older than this trade id." }),
    after: Cursor.optional().openapi({ description: "Trades newer than this trade id (still newest first)." }),
    limit: queryInteger({ name: "limit", min: 1, max: MAX_TRADES_PAGE }).default(100),
  })
  .strict()
  .refine((q) => q.before === undefined || q.after === undefined, { message: "use before or after, not both" });

export const CandlesQuery = z
  .object({
    interval: z.enum(intervals, { message: `interval must be one of ${intervals.join(", ")}` }),
    start: queryInteger({ min: 0, max: Number.MAX_SAFE_INTEGER })
      .optional()
      .openapi({ description: "Window start, epoch ms." }),
    end: queryInteger({ min: 1, max: Number.MAX_SAFE_INTEGER })
      .optional()
      .openapi({ description: "Window end, epoch ms (default now)." }),
  })
  .strict();

const tags = ["market data"];

export const listInstruments = defineRoute({
  method: "get",
  path: "/instruments",
  operationId: "listInstruments",
  tags,
  summary: "All instruments",
  scope: "public",
  routeClass: "market_data",
  responses: { 200: json(z.object({ instruments: z.array(InstrumentSchema) }), "The listed instruments.") },
});

export const getInstrument = defineRoute({
  method: "get",
  path: "/instruments/{symbol}",
  operationId: "getInstrument",
  tags,
  summary: "One instrument",
  scope: "public",
  routeClass: "market_data",
  request: { params: SymbolParams },
  responses: { 200: json(InstrumentSchema, "The instrument."), ...problems(404) },
});

export const getBook = defineRoute({
  method: "get",
  path: "/instruments/{symbol}/book",
  operationId: "getBook",
  tags,
  summary: "Order book, L1/L2/L3",
  description:
    "Cached at the edge for `MARKET_DATA_CACHE_MS` (`X-Cache: HIT|MISS`); `Cache-Control: no-cache` reads through.",
  scope: "public",
  routeClass: "market_data",
  request: { params: SymbolParams, query: BookQuery },
  responses: { 200: json(BookSchema, "The book at `seq`."), ...problems(400, 404) },
});

export const getTrades = defineRoute({
  method: "get",
  path: "/instruments/{symbol}/trades",
  operationId: "getTrades",
  tags,
  summary: "Trades, newest first, with cursors",
  scope: "public",
  routeClass: "market_data",
  request: { params: SymbolParams, query: TradesQuery },
  responses: { 200: json(TradesPageSchema, "A page of trades."), ...problems(400, 404) },
});

export const getTicker = defineRoute({
  method: "get",
  path: "/instruments/{symbol}/ticker",
  operationId: "getTicker",
  tags,
  summary: "Best bid/ask, last and rolling 24 h figures",
  scope: "public",
  routeClass: "market_data",
  request: { params: SymbolParams },
  responses: { 200: json(TickerSchema, "The ticker."), ...problems(404) },
});

export const TickersSchema = z
  .object({
    tickers: z.array(TickerSchema).openapi({ description: "Every listed instrument's ticker, by symbol." }),
    unavailable: z.array(z.string()).openapi({
      description: "Instruments whose ticker could not be read just now (their book and replica did not answer).",
    }),
  })
  .openapi("Tickers");

export const listTickers = defineRoute({
  method: "get",
  path: "/tickers",
  operationId: "listTickers",
  tags,
  summary: "Every instrument's ticker in one call",
  description:
    "Each ticker as `GET /v1/instruments/{symbol}/ticker` reads it (from the caller's regional replica, Redis or the " +
    "book). `X-Data-As-Of` is the oldest of them; `X-Data-Stale` is true if any is stale.",
  scope: "public",
  routeClass: "market_data",
  responses: { 200: json(TickersSchema, "The tickers."), ...problems() },
});

export const getCandles = defineRoute({
  method: "get",
  path: "/instruments/{symbol}/candles",
  operationId: "getCandles",
  tags,
  summary: "OHLCV candles",
  description: `Aggregated from one-minute candles; at most ${MAX_CANDLES} per request (default: the latest ${MAX_CANDLES}).`,
  scope: "public",
  routeClass: "market_data",
  request: { params: SymbolParams, query: CandlesQuery },
  responses: { 200: json(CandlesSchema, "Candles in the window."), ...problems(400, 404) },
});
