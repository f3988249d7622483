/**
 * bench:geo's model of geography: which regions the run lists, the vars every stack of the
 * run starts with (the simulated latency, the regions, the override of the client's
 * region, failover's threshold), the one-way times the simulation waits
 * (shared/geo/regions.ts), and the assumptions and caveats the JSON carries in `model`
 * and `notes`, so a figure is never read without them.
 */
import { isRegion, oneWayMs, type Region } from "../../shared/geo/regions.ts";

/** The regions listed by default: the development three and one farther away. */
export const DEFAULT_REGIONS = "enam,weur,apac,sam";

/** `--regions`' value checked: known regions, no repeats, at least two. */
export function parseRegions(value: string): Region[] {
  const listed = value.split(",").map((r) => r.trim().toLowerCase());
  const bad = listed.filter((r) => !isRegion(r));
  if (bad.length > 0) throw new Error(`--regions: not a region: ${bad.join(", ")}`);
  const regions = [...new Set(listed)] as Region[];
  if (regions.length < 2) throw new Error("--regions needs at least two regions");
  return regions;
}

/** How long the book's failover waits for an unreachable book before it flags it (the failover contract). */
export const FAILOVER_AFTER_MS = 2_000;
/** The edge's deadline on a call into an object: a book cut off fails its callers within it. */
export const OBJECT_CALL_TIMEOUT_MS = 5_000;

/** What every stack of the run adds to wrangler.toml's vars (the first region is the fallback and the home). */
export function geoVars(regions: readonly Region[]): Record<string, string> {
  return {
    GEO_LATENCY: "simulate",
    FEED_REGIONS: regions.join(","),
    GEO_REGION_OVERRIDE: "true",
  };
}

/** The vars of a latency stack: relays on (run A) or off (run B), the failover contract's threshold. */
export function stackVars(regions: readonly Region[], relays: boolean): Record<string, string> {
  return {
    ...geoVars(regions),
    FEED_RELAYS: relays ? "true" : "false",
    FAILOVER_AFTER_MS: String(FAILOVER_AFTER_MS),
    OBJECT_CALL_TIMEOUT_MS: String(OBJECT_CALL_TIMEOUT_MS),
  };
}

/** The simulated one-way time from the home region to each listed region, ms. */
export function oneWayFromHome(regions: readonly Region[]): Record<string, number> {
  const home = regions[0] as Region;
  return Object.fromEntries(regions.map((r) => [r, oneWayMs(home, r)]));
}

export interface ModelInputs {
  regions: readonly Region[];
  perRegion: number;
  latencySeconds: number;
  pairsPerSecond: number;
  loadSeconds: number;
  accounts: number;
  fanoutTrades: number;
  fanoutRate: number;
  outageMs: number;
}

/** The `model` object of the JSON: every assumption a figure depends on. */
export function model(i: ModelInputs): Record<string, unknown> {
  return {
    runtime: "Miniflare: one workerd process, every object in one isolate and thread, on this machine's 2 cores",
    geo_latency: "simulate: every hop between objects of different regions waits the one-way time",
    one_way_ms_from_home: oneWayFromHome(i.regions),
    home_region: i.regions[0],
    regions: i.regions,
    client_to_edge: "loopback, not simulated (0 ms): each region's figure is book → its sockets only",
    latency_subscribers_per_region: i.perRegion,
    latency_window_s: i.latencySeconds,
    crossing_pairs_per_s: i.pairsPerSecond,
    relays_run: "FEED_RELAYS=true: book → one relay per region → the region's shards",
    direct_run: "FEED_RELAYS=false: book → every shard of every region",
    load_s: i.loadSeconds,
    load_accounts: i.accounts,
    load_channel: "HTTP only (a refusal over the WebSocket is not retried by bench/load's traders)",
    fanout_trades_per_window: i.fanoutTrades,
    fanout_trades_per_s: i.fanoutRate,
    fanout_frame: "one trade, paced so that each is its own push from the book",
    fanout_cpu: "V8 samples of the isolate counted per area (OrderBook, FeedRelay, feed shards) × the sampling period",
    failover_after_ms: FAILOVER_AFTER_MS,
    outage_ms: i.outageMs,
    object_call_timeout_ms: OBJECT_CALL_TIMEOUT_MS,
  };
}

/** Caveats printed with the figures and carried in the JSON's `notes`. */
export function notes(): string[] {
  return [
    "Latency is injected only between objects (book, relays, shards); the client → edge hop is local loopback, so each region's delivery latency is the book → socket path without the last mile.",
    "Relays on and off run on two stacks one after the other (vars are fixed at start): the ratio compares two runs of the same traffic on the same machine, not interleaved windows.",
    "Timings on a shared 2-core machine are noisy: read the ratios, not the absolute figures. A p99 over one window is set by its two or three slowest trades (each reaches every socket of a region at once).",
    "The book's µs per frame is the time its code ran (V8 samples × period). It tends to fall when the isolate is kept busy (the many-subscriber window: warmer caches and clocks), so a fanout_cost_ratio below 1 means the book's work did not grow, not that it shrank.",
  ];
}
