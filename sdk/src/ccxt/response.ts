/** Reading the API's JSON answers: lists and objects that may be absent. */
import type { Dict, Exchange } from "ccxt";

/** `obj[key]` as a list of objects (empty when absent). */
export function listOf(exchange: Exchange, obj: unknown, key: string): Dict[] {
  return (exchange.safeList(obj as Dict, key, []) ?? []) as Dict[];
}

/** `obj[key]` as an object (empty when absent). */
export function dictOf(exchange: Exchange, obj: unknown, key: string): Dict {
  return exchange.safeDict(obj as Dict, key) ?? {};
}
