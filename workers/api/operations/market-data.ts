/**
 * Public reads of instruments and market data: the registry (behind the
 * isolate's short cache), and each instrument's book object or, for callers
 * outside its home region and while it is unreachable, the caller's regional
 * replica (replicas/index.ts; level 3 always reads the book). The ticker and
 * top of book also go through Redis when configured and the operation runs in
 * an HTTP request (redis/market-data.ts).
 */
import { z } from "zod";
import { CANDLE_INTERVALS, MAX_CANDLES } from "../../../shared/market/candles.ts";
import type { Env } from "../env.ts";
import { bookFor, instrumentOr404, listInstruments as registryList } from "../instruments.ts";
import { BookQuery, CandlesQuery, TradesQuery } from "../openapi/contracts/market-data.ts";
import { SymbolParams } from "../openapi/schemas.ts";
import { problemException } from "../problem.ts";
import { bboKey, readThrough, tickerKey } from "../redis/index.ts";
import { marketDataAnswer, noteUnreachable, readMarketData, stamp } from "../replicas/index.ts";
import type { OperationContext } from "./context.ts";
import { defineOperation } from "./define.ts";

/** How long a market-data answer may be reused at the edge, ms (`MARKET_DATA_CACHE_MS`, default 1000). */
export const cacheMs = (env: Env) => Number(env.MARKET_DATA_CACHE_MS ?? 1000);

/** How long after that the last answer is kept, served marked stale if the book and replica fail, ms (`MARKET_DATA_STALE_MS`, default 60 000). */
export const staleMs = (env: Env) => Number(env.MARKET_DATA_STALE_MS ?? 60_000);

/** `load()`, through Redis when the operation runs in an HTTP request (the cache is keyed on it). */
function cached<T>(ctx: OperationContext, key: string, load: () => Promise<T>): Promise<T> {
  return ctx.http ? readThrough(ctx.http, key, cacheMs(ctx.env), load) : load();
}

const market = { scope: "public", routeClass: "market_data", idempotency: "read" } as const;

export const listInstruments = defineOperation({
  ...market,
  name: "instruments.list",
  input: z.object({}).strict(),
  run: async (ctx) => ({ instruments: await registryList(ctx.env) }),
});

export const getInstrument = defineOperation({
  ...market,
  name: "instruments.get",
  input: SymbolParams,
  run: (ctx, { symbol }) => instrumentOr404(ctx.env, symbol),
});

export const getBook = defineOperation({
  ...market,
  name: "market.book",
  input: SymbolParams.extend(BookQuery.shape),
  async run(ctx, q) {
    const instrument = await instrumentOr404(ctx.env, q.symbol);
    const level = Number(q.level) as 1 | 2 | 3;
    const read = () => bookFor(ctx.env, instrument).book(level, q.depth);
    if (level === 3) {
      return read().catch((err: unknown) => {
        noteUnreachable(ctx.env, instrument, err);
        throw err;
      });
    }
    // Level 1 ignores depth: one top of book per instrument.
    const fromBook = level === 1 ? () => cached(ctx, bboKey(instrument.symbol), read) : read;
    return readMarketData(ctx, instrument, { kind: "book", level, depth: q.depth }, fromBook);
  },
});

export const getTrades = defineOperation({
  ...market,
  name: "market.trades",
  input: z.object({ symbol: SymbolParams.shape.symbol, query: TradesQuery }),
  async run(ctx, { symbol, query }) {
    const instrument = await instrumentOr404(ctx.env, symbol);
    const page = await readMarketData(ctx, instrument, { kind: "trades", query }, () =>
      bookFor(ctx.env, instrument).trades(query),
    );
    return { instrument: instrument.symbol, ...page };
  },
});

export const getTicker = defineOperation({
  ...market,
  name: "market.ticker",
  input: SymbolParams,
  async run(ctx, { symbol }) {
    const instrument = await instrumentOr404(ctx.env, symbol);
    return readMarketData(ctx, instrument, { kind: "ticker" }, () =>
      cached(ctx, tickerKey(instrument.symbol), () => bookFor(ctx.env, instrument).ticker()),
    );
  },
});

export const listTickers = defineOperation({
  ...market,
  name: "market.tickers",
  input: z.object({}).strict(),
  /**
   * Every listed instrument's ticker in one answer, each read as `market.ticker` reads it (the
   * caller's regional replica, Redis, the book). An instrument whose ticker cannot be read now is
   * named in `unavailable` instead of failing the whole answer.
   */
  async run(ctx) {
    const listed = await registryList(ctx.env);
    const answers = await Promise.all(
      listed.map((instrument) =>
        marketDataAnswer(ctx, instrument, { kind: "ticker" }, () =>
          cached(ctx, tickerKey(instrument.symbol), () => bookFor(ctx.env, instrument).ticker()),
        ).catch(() => undefined),
      ),
    );
    const read = answers.filter((a) => a !== undefined);
    stamp(ctx, ...read);
    return {
      tickers: read.map((a) => a.body),
      unavailable: listed.filter((_, i) => answers[i] === undefined).map((i) => i.symbol),
    };
  },
});

export const getCandles = defineOperation({
  ...market,
  name: "market.candles",
  input: SymbolParams.extend(CandlesQuery.shape),
  async run(ctx, q) {
    const width = CANDLE_INTERVALS[q.interval];
    const end = q.end ?? Date.now();
    // Default window: the most recent MAX_CANDLES candles.
    const start = q.start ?? end - width * MAX_CANDLES;
    if (start >= end) {
      throw problemException("invalid_request", "Invalid query: start: start must be before end", {
        extensions: { errors: [{ field: "start", message: "start must be before end" }] },
      });
    }
    const instrument = await instrumentOr404(ctx.env, q.symbol);
    const candles = await readMarketData(ctx, instrument, { kind: "candles", interval: q.interval, start, end }, () =>
      bookFor(ctx.env, instrument).candles(q.interval, start, end),
    );
    return { instrument: instrument.symbol, interval: q.interval, start, end, candles };
  },
});
