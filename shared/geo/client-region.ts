/**
 * The region a request comes from, for routing it to the feed shards, relays and market-data
 * replicas of that region (issue 22). On Cloudflare, `request.cf` says where the client is:
 * its coordinates when present, else its continent. `X-P3-Region` overrides both where the
 * deployment allows it (tests and local runs, where there is no `request.cf`; docs/geography.md).
 */
import { isRegion, nearestRegion, type Region } from "./regions.ts";

/** The override header: a region name (`weur`, `apac` …). */
export const REGION_HEADER = "x-p3-region";

/** The fields of `request.cf` this reads (all optional: absent locally). */
export interface ClientGeo {
  latitude?: string | number;
  longitude?: string | number;
  continent?: string;
  country?: string;
}

/** Continent codes of `request.cf.continent` to a region, when no coordinates came. */
const CONTINENT_REGION: Readonly<Record<string, Region>> = {
  NA: "enam",
  SA: "sam",
  EU: "weur",
  AS: "apac",
  OC: "oc",
  AF: "afr",
  AN: "oc",
};

/** Countries of Asia served better from the Middle East region than from apac. */
const MIDDLE_EAST = new Set(["AE", "SA", "QA", "KW", "BH", "OM", "IR", "IQ", "JO", "IL", "LB", "SY", "YE", "PK"]);

export type RegionSource = "header" | "coordinates" | "continent" | "default";

export interface ClientRegion {
  region: Region;
  source: RegionSource;
}

/**
 * Decides the client's region. `allowOverride` says whether `X-P3-Region` is believed; a header
 * that names no region is ignored, never an error (routing must not fail on it).
 */
export function clientRegion(
  geo: ClientGeo | undefined,
  header: string | null | undefined,
  options: { allowOverride: boolean; fallback: Region },
): ClientRegion {
  const named = header?.trim().toLowerCase();
  if (options.allowOverride && isRegion(named)) return { region: named, source: "header" };
  const latitude = Number(geo?.latitude);
  const longitude = Number(geo?.longitude);
  if (
    geo?.latitude !== undefined &&
    geo?.longitude !== undefined &&
    Number.isFinite(latitude) &&
    Number.isFinite(longitude)
  ) {
    return { region: nearestRegion({ latitude, longitude }), source: "coordinates" };
  }
  if (geo?.country && MIDDLE_EAST.has(geo.country.toUpperCase())) return { region: "me", source: "continent" };
  const byContinent = geo?.continent ? CONTINENT_REGION[geo.continent.toUpperCase()] : undefined;
  if (byContinent) return { region: byContinent, source: "continent" };
  return { region: options.fallback, source: "default" };
}
