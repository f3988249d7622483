/**
 * Turning an API call into an HTTP request: the URL below `/v1/`, the query or JSON body, and
 * for private calls the HMAC-SHA256 headers (X-P3-Key, X-P3-Timestamp, X-P3-Nonce, X-P3-Signature).
 */
import { type Dict, type Exchange, ExchangeError, type Str } from "ccxt";
import { sha256 } from "./sha256.ts";

export type Api = "public" | "private";
export type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** ccxt's hash argument (a `@noble/hashes` hasher); ours has that shape. */
type CcxtHash = Parameters<Exchange["hash"]>[1];
const SHA256 = sha256 as unknown as CcxtHash;

/** The deployment's origin, `urls.api.rest` (a plain string `urls.api` works too), without a trailing `/`. */
export function restOrigin(exchange: Exchange): string {
  const api: unknown = exchange.urls.api;
  const url = typeof api === "string" ? api : exchange.safeString(api as Dict, "rest");
  if (url === undefined) throw new ExchangeError(`${exchange.id}: urls.api.rest is not set`);
  return url.replace(/\/+$/, "");
}

/**
 * ccxt's `sign()`: `path`'s `{param}` placeholders are filled from `params`, the rest go in the
 * query (GET, DELETE) or a JSON body. The signed payload is timestamp, nonce, method, path, query
 * and the body's SHA-256, one a line.
 */
export function signRequest(
  exchange: Exchange,
  origin: string,
  path: string,
  api: Api,
  method: string,
  params: Dict,
  headers: Dict | undefined,
  body: Str,
): Dict {
  const query = exchange.omit(params, exchange.extractParams(path));
  let url = `${origin}/v1/${exchange.implodeParams(path, params)}`;
  const outHeaders: Dict = { ...headers };
  if (method === "GET" || method === "DELETE") {
    if (Object.keys(query).length > 0) url += `?${exchange.urlencode(query)}`;
  } else if (body === undefined) {
    body = exchange.json(query);
    outHeaders["Content-Type"] = "application/json";
  }
  if (api === "private") {
    exchange.checkRequiredCredentials();
    const signed = new URL(url);
    const timestamp = String(exchange.milliseconds() - (exchange.safeInteger(exchange.options, "timeDifference") ?? 0));
    const nonce = exchange.uuid().replace(/-/g, "");
    const payload = [
      timestamp,
      nonce,
      method,
      signed.pathname,
      signed.search.slice(1),
      exchange.hash(exchange.encode(body ?? ""), SHA256, "hex"),
    ].join("\n");
    // The HMAC key is SHA-256 of the secret (the server keeps only that).
    const key = exchange.hash(exchange.encode(exchange.secret), SHA256, "binary");
    outHeaders["X-P3-Key"] = exchange.apiKey;
    outHeaders["X-P3-Timestamp"] = timestamp;
    outHeaders["X-P3-Nonce"] = nonce;
    outHeaders["X-P3-Signature"] = exchange.hmac(exchange.encode(payload), key, SHA256, "hex");
  }
  return { url, method, body, headers: outHeaders };
}
