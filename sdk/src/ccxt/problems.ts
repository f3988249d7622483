/**
 * ccxt's `handleErrors()` for the API's problem documents (`{code, reason?, …}`): the exact
 * `code:reason` match, else the exact `code`, else a broad match on part of the code, else
 * `ExchangeError`. The tables are `exchange.exceptions` (errors.ts, unless the caller overrode them).
 */
import { type Dict, type Exchange, ExchangeError } from "ccxt";

/** Throws the error `response` names; returns (letting ccxt's HTTP status mapping decide) when it is not a problem. */
export function throwForProblem(exchange: Exchange, status: number, body: string, response: unknown): undefined {
  if (status < 400 || response === undefined || response === null || typeof response !== "object") return undefined;
  const code = exchange.safeString(response as Dict, "code");
  if (code === undefined) return undefined; // not a problem document: ccxt's HTTP status mapping decides
  const why = exchange.safeString(response as Dict, "reason");
  const feedback = `${exchange.id} ${body}`;
  if (why !== undefined) exchange.throwExactlyMatchedException(exchange.exceptions.exact, `${code}:${why}`, feedback);
  exchange.throwExactlyMatchedException(exchange.exceptions.exact, code, feedback);
  exchange.throwBroadlyMatchedException(exchange.exceptions.broad, code, feedback);
  throw new ExchangeError(feedback);
}
