/** The candle intervals the API serves (milliseconds each) and the page limits of market-data reads. */
export const CANDLE_INTERVALS = {
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "1h": 3_600_000,
  "6h": 21_600_000,
  "1d": 86_400_000,
} as const;
export type CandleInterval = keyof typeof CANDLE_INTERVALS;
/** The interval names, in order (for enums in schemas). */
export const CANDLE_INTERVAL_NAMES = Object.keys(CANDLE_INTERVALS) as [CandleInterval, ...CandleInterval[]];

/** Most candles one request returns. */
export const MAX_CANDLES = 1_000;
/** Most trades one page returns. */
export const MAX_TRADES_PAGE = 1_000;
