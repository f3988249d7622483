/**
 * The API's instruments as ccxt's markets and currencies. Ids are the API's `BASE-QUOTE`,
 * symbols ccxt's `BASE/QUOTE`; fees come in basis points.
 */
import { type Currencies, type Dict, type Exchange, type Market, Precise } from "ccxt";

/** An instrument (`GET /v1/instruments`) as a ccxt spot market. */
export function parseMarket(exchange: Exchange, market: Dict): Market {
  const id = exchange.safeString(market, "symbol") as string;
  const baseId = exchange.safeString(market, "base") as string;
  const quoteId = exchange.safeString(market, "quote") as string;
  const base = exchange.safeCurrencyCode(baseId);
  const quote = exchange.safeCurrencyCode(quoteId);
  const bps = (key: string) => {
    const value = exchange.safeString(market, key);
    return value === undefined ? undefined : exchange.parseNumber(Precise.stringDiv(value, "10000"));
  };
  return exchange.safeMarketStructure({
    id,
    symbol: `${base}/${quote}`,
    base,
    quote,
    settle: undefined,
    baseId,
    quoteId,
    settleId: undefined,
    type: "spot",
    spot: true,
    margin: false,
    swap: false,
    future: false,
    option: false,
    // Orders that may take liquidity are accepted only while `open`.
    active: exchange.safeString(market, "status") === "open",
    contract: false,
    linear: undefined,
    inverse: undefined,
    taker: bps("taker_fee_bps"),
    maker: bps("maker_fee_bps"),
    percentage: true,
    tierBased: false,
    feeSide: "quote",
    contractSize: undefined,
    expiry: undefined,
    expiryDatetime: undefined,
    strike: undefined,
    optionType: undefined,
    precision: {
      amount: exchange.safeNumber(market, "lot_size"),
      price: exchange.safeNumber(market, "tick_size"),
    },
    limits: {
      leverage: { min: undefined, max: undefined },
      amount: { min: exchange.safeNumber(market, "min_qty"), max: exchange.safeNumber(market, "max_qty") },
      price: { min: exchange.safeNumber(market, "tick_size"), max: undefined },
      cost: { min: exchange.safeNumber(market, "min_notional"), max: undefined },
    },
    marginModes: { cross: false, isolated: false },
    created: undefined,
    info: market,
  });
}

/**
 * The assets the instruments trade. The API publishes no asset list of its own, so
 * precision and limits are unknown here (balances carry each asset's full precision).
 */
export function parseCurrencies(exchange: Exchange, instruments: Dict[]): Currencies {
  const result: Dict = {};
  for (const instrument of instruments) {
    for (const key of ["base", "quote"]) {
      const id = exchange.safeString(instrument, key);
      if (id === undefined || result[id] !== undefined) continue;
      const code = exchange.safeCurrencyCode(id) as string;
      result[code] = exchange.safeCurrencyStructure({
        id,
        code,
        name: code,
        type: "crypto",
        active: true,
        deposit: undefined,
        withdraw: undefined,
        fee: undefined,
        precision: undefined,
        limits: { amount: { min: undefined, max: undefined }, withdraw: { min: undefined, max: undefined } },
        networks: {},
        info: { id },
      });
    }
  }
  return result as Currencies;
}
