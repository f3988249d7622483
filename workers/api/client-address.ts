/**
 * The client address of a request at the edge, decided once per request by the
 * deployment's trust model (shared/auth/client-address.ts; `CLIENT_IP_SOURCE`).
 * Auth (IP allowlists, development credentials), the per-IP limits and the feed
 * shards all use this answer, never the raw `CF-Connecting-IP` header.
 */
import type { Context } from "hono";
import { type ClientAddress, clientAddress, clientIpTrust } from "../../shared/auth/client-address.ts";

const decided = new WeakMap<Request, ClientAddress>();

/** The address of `c`'s request (memoised on the request). */
export function clientAddressOf(c: Context): ClientAddress {
  let address = decided.get(c.req.raw);
  if (!address) {
    address = clientAddress(c.req.raw.headers.get("cf-connecting-ip"), clientIpTrust(c.env ?? {}));
    decided.set(c.req.raw, address);
  }
  return address;
}

/** The client IP allowlists and per-IP limits use; undefined when it cannot be trusted. */
export function clientIp(c: Context): string | undefined {
  return clientAddressOf(c).ip;
}
