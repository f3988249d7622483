/**
 * Which region's feed shards a WebSocket goes to: the client's region (from `request.cf`,
 * or the `X-P3-Region` override where the deployment allows it: shared/geo/client-region.ts),
 * or, when no shards run there, the listed region nearest to it by round trip.
 * `FEED_REGIONS` lists the regions with shards (default: all nine); `FEED_SHARDS` is
 * the number of shards per region.
 */
import { clientRegion, REGION_HEADER, type RegionSource } from "../../../shared/geo/client-region.ts";
import { feedRegions } from "../../../shared/geo/feed-regions.ts";
import { shardName } from "../../../shared/geo/placement.ts";
import { type Region, rttMs } from "../../../shared/geo/regions.ts";

export { feedRegions } from "../../../shared/geo/feed-regions.ts";

export interface FeedRegionsEnv {
  ENVIRONMENT?: string;
  FEED_REGIONS?: string;
  FEED_SHARDS?: string;
  /** "true": believe `X-P3-Region` (always believed in development). */
  GEO_REGION_OVERRIDE?: string;
}

/** Shards per region. */
export function shardsPerRegion(env: FeedRegionsEnv): number {
  const n = Number(env.FEED_SHARDS ?? "16");
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new Error(`FEED_SHARDS="${env.FEED_SHARDS}" is not a positive integer: fix it in wrangler.toml [vars].`);
  }
  return n;
}

/** Every feed shard's name, region by region (what the scrape reads). */
export function allShardNames(env: FeedRegionsEnv): string[] {
  const n = shardsPerRegion(env);
  return feedRegions(env).flatMap((region) => Array.from({ length: n }, (_, i) => shardName(region, i)));
}

export interface ServingRegion {
  /** The region whose shards take the socket. */
  region: Region;
  /** Where the client is, and what decided it. */
  client: Region;
  source: RegionSource;
}

/** The region serving a request's feed socket. */
export function servingRegion(env: FeedRegionsEnv, request: Request): ServingRegion {
  const regions = feedRegions(env);
  const allowOverride = env.ENVIRONMENT === "development" || env.GEO_REGION_OVERRIDE === "true";
  const cf = (request as { cf?: Record<string, unknown> }).cf;
  const found = clientRegion(cf as Parameters<typeof clientRegion>[0], request.headers.get(REGION_HEADER), {
    allowOverride,
    fallback: regions[0] as Region,
  });
  return { region: nearestServed(found.region, regions), client: found.region, source: found.source };
}

function nearestServed(client: Region, regions: readonly Region[]): Region {
  if (regions.includes(client)) return client;
  let best = regions[0] as Region;
  for (const r of regions) if (rttMs(client, r) < rttMs(client, best)) best = r;
  return best;
}
