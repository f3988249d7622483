/** The API's tickers, trades and candles as ccxt's `Ticker`, `Trade` and `OHLCV`. */
import type { Dict, Exchange, Market, OHLCV, Ticker, Trade } from "ccxt";

/** `GET /v1/instruments/{symbol}/ticker`: the top of the book and the last 24 hours. */
export function parseTicker(exchange: Exchange, ticker: Dict, market?: Market): Ticker {
  const timestamp = exchange.safeInteger(ticker, "time");
  const last = exchange.safeString(ticker, "last");
  return exchange.safeTicker(
    {
      symbol: exchange.safeSymbol(exchange.safeString(ticker, "instrument"), market, "-"),
      timestamp,
      datetime: exchange.iso8601(timestamp),
      high: exchange.safeString(ticker, "high_24h"),
      low: exchange.safeString(ticker, "low_24h"),
      bid: exchange.safeString(ticker, "best_bid"),
      bidVolume: exchange.safeString(ticker, "best_bid_size"),
      ask: exchange.safeString(ticker, "best_ask"),
      askVolume: exchange.safeString(ticker, "best_ask_size"),
      vwap: undefined,
      open: exchange.safeString(ticker, "open_24h"),
      close: last,
      last,
      previousClose: undefined,
      change: undefined,
      percentage: undefined,
      average: undefined,
      baseVolume: exchange.safeString(ticker, "volume_24h"),
      quoteVolume: undefined,
      info: ticker,
    },
    market,
  );
}

/** A public trade (`trade_id`, aggressor `side`) or one of the caller's fills (`fill_id`, `fee`, `liquidity`). */
export function parseTrade(exchange: Exchange, trade: Dict, market?: Market): Trade {
  const timestamp = exchange.safeInteger2(trade, "time_ms", "time");
  const feeCost = exchange.safeString(trade, "fee");
  const instrument = exchange.safeString(trade, "instrument");
  return exchange.safeTrade(
    {
      id: exchange.safeString(trade, "trade_id"),
      order: exchange.safeString(trade, "order_id"),
      timestamp,
      datetime: exchange.iso8601(timestamp),
      symbol: exchange.safeSymbol(instrument, market, "-"),
      type: undefined,
      side: exchange.safeString(trade, "side"),
      takerOrMaker: exchange.safeString(trade, "liquidity"),
      price: exchange.safeString(trade, "price"),
      amount: exchange.safeString(trade, "size"),
      cost: exchange.safeString(trade, "value"),
      fee:
        feeCost === undefined
          ? undefined
          : { cost: feeCost, currency: exchange.safeCurrencyCode(exchange.safeString(trade, "fee_asset")) },
      info: trade,
    },
    market,
  );
}

/** A candle (`start`, open, high, low, close, volume) as ccxt's array. */
export function parseOHLCV(exchange: Exchange, ohlcv: Dict): OHLCV {
  return [
    exchange.safeInteger(ohlcv, "start"),
    exchange.safeNumber(ohlcv, "open"),
    exchange.safeNumber(ohlcv, "high"),
    exchange.safeNumber(ohlcv, "low"),
    exchange.safeNumber(ohlcv, "close"),
    exchange.safeNumber(ohlcv, "volume"),
  ] as OHLCV;
}
