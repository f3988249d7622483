/**
 * The queries of the public market-data calls: book depth, trades and candles. The API gives
 * at most 1000 rows a call, newest first without a time filter.
 */
import type { Dict, Exchange, Int, MarketInterface } from "ccxt";

/** `instruments/{symbol}/book` at level 2, `depth` clamped to 1..1000. */
export function orderBookRequest(market: MarketInterface, limit: Int): Dict {
  const request: Dict = { symbol: market.id, level: "2" };
  if (limit !== undefined) request.depth = String(Math.min(Math.max(limit, 1), 1000));
  return request;
}

/** `instruments/{symbol}/trades`. */
export function tradesRequest(market: MarketInterface, since: Int, limit: Int): Dict {
  const request: Dict = { symbol: market.id };
  // Newest first without a time filter: with `since`, ask for the most the API gives and filter here.
  if (limit !== undefined || since !== undefined)
    request.limit = String(since === undefined ? Math.min(limit ?? 1000, 1000) : 1000);
  return request;
}

/**
 * `instruments/{symbol}/candles`: from `since`, `limit` candles (at most 1000, not past the
 * current one); without `since`, the last `limit` candles.
 */
export function ohlcvRequest(
  exchange: Exchange,
  market: MarketInterface,
  timeframe: string,
  since: Int,
  limit: Int,
): Dict {
  const interval = exchange.safeString(exchange.timeframes, timeframe, timeframe) as string;
  const duration = exchange.parseTimeframe(timeframe) * 1000;
  const request: Dict = { symbol: market.id, interval };
  const now = exchange.milliseconds();
  const count = Math.min(limit ?? 1000, 1000);
  if (since !== undefined) {
    request.start = String(since);
    request.end = String(Math.min(since + count * duration, now + duration));
  } else if (limit !== undefined) {
    request.start = String(Math.max(0, now - count * duration));
  }
  return request;
}
