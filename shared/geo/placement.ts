/**
 * Names of the regional feed objects, and the simulated distance between them.
 *
 * - A feed shard is `feed-<region>-<n>`: the Worker hands a client to a shard of its own region.
 * - A relay is `relay-<region>-<symbol>`: one per instrument and region, the only subscriber
 *   the book pushes to for that region.
 *
 * Miniflare runs every object in one process, so with `GEO_LATENCY = "simulate"` each hop
 * between objects of different regions waits the one-way time of `rttMs` (regions.ts).
 */
import { isRegion, oneWayMs, type Region } from "./regions.ts";

const RELAY_PREFIX = "relay-";

export function shardName(region: Region, index: number): string {
  return `feed-${region}-${index}`;
}

/** The region in a shard's name; undefined for a name without one (`feed-3`, older deployments). */
export function shardRegion(name: string): Region | undefined {
  const match = /^feed-([a-z]+)-\d+$/.exec(name);
  return match && isRegion(match[1]) ? match[1] : undefined;
}

export function relayName(region: Region, symbol: string): string {
  return `${RELAY_PREFIX}${region}-${symbol}`;
}

export function isRelayName(name: string): boolean {
  return name.startsWith(RELAY_PREFIX);
}

/** The region and instrument a relay's name holds; undefined when it is not one. */
export function parseRelayName(name: string): { region: Region; symbol: string } | undefined {
  if (!isRelayName(name)) return undefined;
  const rest = name.slice(RELAY_PREFIX.length);
  const dash = rest.indexOf("-");
  const region = rest.slice(0, dash);
  const symbol = rest.slice(dash + 1);
  return dash > 0 && isRegion(region) && symbol.length > 0 ? { region, symbol } : undefined;
}

/** The region of any feed object's name: a relay's or a shard's. */
export function feedObjectRegion(name: string): Region | undefined {
  return parseRelayName(name)?.region ?? shardRegion(name);
}

export interface GeoLatencyEnv {
  /** "simulate": objects of different regions wait `oneWayMs` per hop (local runs and bench:geo only). */
  GEO_LATENCY?: string;
}

/** How long a message from `from` to `to` waits in the simulation; 0 when it is off or a region is unknown. */
export function simulatedOneWayMs(env: GeoLatencyEnv, from: string | undefined, to: string | undefined): number {
  if (env.GEO_LATENCY !== "simulate" || !isRegion(from) || !isRegion(to)) return 0;
  return oneWayMs(from, to);
}

/** Waits `ms` (nothing when 0), the simulated flight of one message. */
export function inFlight(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
