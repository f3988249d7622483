/**
 * `@platform3/client/ccxt`: Platform3 Edge as a ccxt exchange class (ccxt is a peer dependency).
 *
 * ```ts
 * import platform3 from "@platform3/client/ccxt";
 * const exchange = new platform3({ apiKey, secret, urls: { api: { rest: "https://edge.example.com" } } });
 * await exchange.createOrder("BTC/USD", "limit", "buy", 0.01, 65000);
 * ```
 */
export { BROAD as PROBLEM_CODES_BROAD, EXACT as PROBLEM_CODES } from "./errors.ts";
export { platform3, platform3 as default } from "./platform3.ts";
export { sha256 } from "./sha256.ts";
