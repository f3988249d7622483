/**
 * Whose address is this request from? The trust model of client IPs
 * (docs/gateway-and-auth.md "Client addresses"):
 *
 * - `cloudflare` (staging and production, and the benchmarks, which stand in for
 *   the edge): Cloudflare's edge sets `CF-Connecting-IP` on every request from the
 *   internet and overwrites whatever the client sent, so the header is the address.
 * - `local` (development: `npm run dev`, `wrangler dev`, tunnels to them): the
 *   header is whatever reached workerd. Miniflare fills it from the socket only when
 *   the client left it out, so a client can choose it. Only a loopback value is
 *   believed (a client on this machine could be anyone on this machine anyway);
 *   any other value is no address at all: IP allowlists do not match it and per-IP
 *   limits count it in one `unknown` bucket.
 *
 * A request with no header at all never crossed a socket (a test's `SELF.fetch`, a
 * service binding): it is from inside this runtime and counts as loopback.
 */
import { parseIp } from "./ip.ts";

export type ClientIpTrust = "cloudflare" | "local";

export interface ClientAddress {
  /** The address allowlists and per-IP limits use; undefined when it cannot be trusted. */
  ip: string | undefined;
  /** From this machine: the only place development credentials are accepted. */
  loopback: boolean;
}

/** The header the edge forwards to objects with the address it decided on (`unknown` when none). */
export const CLIENT_IP_HEADER = "x-p3-client-ip";

/** `CLIENT_IP_SOURCE`, else `cloudflare` in staging and production and `local` anywhere else. */
export function clientIpTrust(env: { CLIENT_IP_SOURCE?: string; ENVIRONMENT?: string }): ClientIpTrust {
  const given = env.CLIENT_IP_SOURCE?.trim();
  if (given === "cloudflare" || given === "local") return given;
  if (given) throw new Error(`CLIENT_IP_SOURCE="${given}" must be "cloudflare" or "local".`);
  return env.ENVIRONMENT === "staging" || env.ENVIRONMENT === "production" ? "cloudflare" : "local";
}

/** The client address of a request whose `CF-Connecting-IP` header is `header` (null when absent). */
export function clientAddress(header: string | null | undefined, trust: ClientIpTrust): ClientAddress {
  if (header === null || header === undefined) return { ip: "127.0.0.1", loopback: true };
  const ip = header.trim();
  const bytes = parseIp(ip);
  if (!bytes) return { ip: undefined, loopback: false };
  const loopback = isLoopback(bytes);
  if (trust === "local" && !loopback) return { ip: undefined, loopback: false };
  return { ip, loopback };
}

/** What the edge forwards in `CLIENT_IP_HEADER`, and what an object reads back from it. */
export function forwardedAddress(value: string | null): ClientAddress {
  if (value === null || value === "unknown") return { ip: undefined, loopback: false };
  const bytes = parseIp(value);
  return bytes ? { ip: value, loopback: isLoopback(bytes) } : { ip: undefined, loopback: false };
}

/** True for a loopback address (127.0.0.0/8, ::1); false for anything else or nothing. */
export function isLoopbackAddress(ip: string | undefined): boolean {
  const bytes = ip === undefined ? undefined : parseIp(ip);
  return bytes !== undefined && isLoopback(bytes);
}

/** 127.0.0.0/8 and ::1 (an IPv4-mapped address arrives here as IPv4). */
function isLoopback(bytes: Uint8Array): boolean {
  if (bytes.length === 4) return bytes[0] === 127;
  return bytes.every((b, i) => (i === 15 ? b === 1 : b === 0));
}
