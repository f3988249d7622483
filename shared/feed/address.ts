/**
 * Which client address a feed socket counts under, and which shard is that address's
 * home. The edge sends an address's upgrades to its home shard first, so its sockets
 * sit together and the shard can count them (durable-objects/feed/admission.ts).
 */

import { parseIp } from "../auth/ip.ts";
import { fnv1a } from "../encoding.ts";

/**
 * On a shard's 503 (full), how many sockets the upgrade's address holds on that shard; on
 * an upgrade the edge forwards, how many it holds on the shards tried before. The edge
 * sets it on every forward, so a client's own value never reaches a shard.
 */
export const ADDRESS_SOCKETS_HEADER = "x-feed-address-sockets";

/** Sockets whose address the edge could not trust count together under this name. */
export const UNKNOWN_ADDRESS = "unknown";

/**
 * The group an address's sockets count in: an IPv4 address as is, an IPv6 address by
 * its /64 (one customer's allocation, which an attacker can rotate within freely),
 * anything else (none, unparsable) as {@link UNKNOWN_ADDRESS}.
 */
export function addressGroup(ip: string | undefined): string {
  const bytes = ip === undefined ? undefined : parseIp(ip.trim());
  if (!bytes) return UNKNOWN_ADDRESS;
  if (bytes.length === 4) return bytes.join(".");
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  return `${groups.join(":")}::/64`;
}

/** The index (0 ≤ i < `shards`) of the home shard of an address group: FNV-1a of its name. */
export function homeShard(group: string, shards: number): number {
  return fnv1a(group) % shards;
}
