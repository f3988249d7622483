/**
 * `FEED_REGIONS`: the regions that have feed shards and relays, in the order listed (the first
 * is the fallback); unset or empty, all nine. Read by the edge (routing sockets and replica
 * reads) and by the registry (the relays a failed-over book pushes to).
 */
import { isRegion, REGIONS, type Region } from "./regions.ts";

/** The regions with feed shards, in the order listed (the first is the fallback). */
export function feedRegions(env: { FEED_REGIONS?: string | undefined }): Region[] {
  if (env.FEED_REGIONS === undefined || env.FEED_REGIONS.trim() === "") return [...REGIONS];
  const listed = env.FEED_REGIONS.split(",").map((r) => r.trim());
  const bad = listed.filter((r) => !isRegion(r));
  if (bad.length > 0 || listed.length === 0) {
    throw new Error(`FEED_REGIONS="${env.FEED_REGIONS}" names no region ${bad.join(", ")}: use ${REGIONS.join(", ")}.`);
  }
  return [...new Set(listed as Region[])];
}
