/**
 * One latency run of bench:geo, on a stack already up (relays on or off, fixed when it
 * started): subscribers of an instrument homed in the first region, spread across the
 * listed regions (subscribers.ts), while two traders make paced crossing pairs over REST
 * (pacer.ts). Per region: delivery latency p50/p99, from the trade's time at the book to
 * its receipt by the socket, on this machine's one clock, 1 ms resolution (bench/load's
 * histogram). The subscribers stay open for the caller (the reconciliation counts them).
 */
import type { Region } from "../../shared/geo/regions.ts";
import { sleep } from "../../test/client/index.ts";
import type { Trader } from "../load/setup.ts";
import type { LoadResults } from "../load/traders.ts";
import { type PacedOutcome, pacedCrossings } from "./pacer.ts";
import { openRegionalSubscribers, type RegionalPool, troubled } from "./subscribers.ts";

export interface RegionLatency {
  p50_ms: number;
  p99_ms: number;
  /** Trades received by the region's sockets in the window (one sample each). */
  deliveries: number;
}

export interface LatencyRun {
  regions: Partial<Record<Region, RegionLatency>>;
  traffic: PacedOutcome;
  /** Sockets that closed or saw a gap or resync by the end of the window. */
  troubled: number;
}

export interface LatencyOptions {
  base: string;
  symbol: string;
  regions: readonly Region[];
  perRegion: number;
  seconds: number;
  pairsPerSecond: number;
  seller: Trader;
  buyer: Trader;
  results: LoadResults;
  /** Prefix of the pacer's client order ids. */
  tag: string;
  addressBlock: number;
  log: (line: string) => void;
}

/** Opens the subscribers, runs the paced window, and returns the figures with the pool (still open). */
export async function latencyRun(o: LatencyOptions): Promise<{ run: LatencyRun; pool: RegionalPool }> {
  const pool = await openRegionalSubscribers({
    base: o.base,
    symbol: o.symbol,
    regions: o.regions,
    count: o.perRegion * o.regions.length,
    level2Every: 2,
    addressBlock: o.addressBlock,
  });
  try {
    o.log(
      `  ${pool.subscribers.length} subscribers (${o.perRegion} per region); ${o.pairsPerSecond} crossing pairs/s for ${o.seconds} s …`,
    );
    // A few trades first, so every path (relay syncs, shard links, the edge's caches) is warm.
    await pacedCrossings({ ...o, rate: o.pairsPerSecond, seconds: 1, tag: `${o.tag}w` });
    await sleep(500);
    pool.counting.on = true;
    const traffic = await pacedCrossings({ ...o, rate: o.pairsPerSecond, seconds: o.seconds });
    // The farthest region's deliveries are a one-way flight behind the last trade.
    await sleep(1_000);
    pool.counting.on = false;
    const regions: LatencyRun["regions"] = {};
    for (const region of o.regions) {
      const h = pool.latency.get(region);
      if (h) regions[region] = { p50_ms: h.percentile(50), p99_ms: h.percentile(99), deliveries: h.count };
    }
    return { run: { regions, traffic, troubled: troubled(pool) }, pool };
  } catch (err) {
    pool.close();
    throw err;
  }
}
