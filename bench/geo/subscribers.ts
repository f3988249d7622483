/**
 * bench:geo's market-data subscribers, spread across the simulated regions: each socket
 * asks for its region with the `X-P3-Region` header on `GET /v1/ws` (believed in
 * development and with `GEO_REGION_OVERRIDE`), so the edge hands it to a shard of that
 * region, from one of `addresses` client addresses (`cf-connecting-ip`): each address's
 * sockets start at its home shard, so a few dozen addresses spread them over the region's
 * shards. Not one address per socket: every address costs a RateLimiter object (three open
 * SQLite files in workerd), which would use up workerd's open files long before the sockets. The sockets are bench/load's subscribers (sequence checks,
 * trade counts for the reconciliation, delivery latency from the book's trade time to
 * receipt on this machine's clock), with one latency histogram per region.
 */
import { REGION_HEADER } from "../../shared/geo/client-region.ts";
import type { Region } from "../../shared/geo/regions.ts";
import { sleep } from "../../test/client/index.ts";
import { wsPackage } from "../../test/client/node.ts";
import { Histogram, Subscriber } from "../load/subscribers.ts";

export interface RegionalPool {
  /** Every socket, in opening order. */
  subscribers: Subscriber[];
  /** The sockets of each region. */
  byRegion: Map<Region, Subscriber[]>;
  /** Delivery latency (book trade time → receipt, ms) of each region's sockets. */
  latency: Map<Region, Histogram>;
  /** Latency samples count only while `on` (the measured windows). */
  counting: { on: boolean };
  /** Terminates every socket and stops the pings. */
  close(): void;
  /** With `tolerant`: why opening stopped before `count` (the pool holds the sockets opened until then). */
  error: string | undefined;
}

export interface PoolOptions {
  base: string;
  symbol: string;
  regions: readonly Region[];
  /** Sockets in all, dealt to the regions in turn (socket i goes to regions[i % n]). */
  count: number;
  /** Every `level2Every`-th socket subscribes `level2` beside `trades` (1: all of them). */
  level2Every: number;
  /** Second octet of the sockets' client addresses (one pool per value, so addresses never collide). */
  addressBlock: number;
  /** Distinct client addresses (default 64); socket i has address i % addresses, so each is in one region. */
  addresses?: number;
  /** Sockets being opened at once. */
  wave?: number;
  /** A wave that fails ends the opening instead of the run: the pool keeps what opened before it. */
  tolerant?: boolean;
  log?: (line: string) => void;
}

/** Client address number `a`: `10.<block>.<a / 250>.<a % 250 + 1>`. */
function address(block: number, a: number): string {
  return `10.${block}.${Math.floor(a / 250) % 250}.${(a % 250) + 1}`;
}

/**
 * Opens `count` subscribers of `symbol` across `regions`, waits for their snapshots, and pings
 * every socket every 2 s (a client that keeps up: the shard never takes it for a slow consumer).
 */
export async function openRegionalSubscribers(o: PoolOptions): Promise<RegionalPool> {
  const url = `${o.base.replace(/^http/, "ws")}/v1/ws`;
  const counting = { on: false };
  const latency = new Map<Region, Histogram>(o.regions.map((r) => [r, new Histogram()]));
  const byRegion = new Map<Region, Subscriber[]>(o.regions.map((r) => [r, []]));
  const subscribers: Subscriber[] = [];
  const wave = o.wave ?? 100;
  const addresses = o.addresses ?? 64;
  const one = async (i: number): Promise<Subscriber> => {
    const region = o.regions[i % o.regions.length] as Region;
    const s = new Subscriber(o.symbol, i, latency.get(region) as Histogram, counting);
    const headers = { [REGION_HEADER]: region, "cf-connecting-ip": address(o.addressBlock, i % addresses) };
    for (let attempt = 1; ; attempt++) {
      try {
        await s.socket.connect(wsPackage(url, { headers, perMessageDeflate: false, timeoutMs: 30_000 }));
        break;
      } catch (err) {
        if (attempt >= 3) throw new Error(`subscriber ${i} (${region}): ${(err as Error).message}`);
        await sleep(500 * attempt);
      }
    }
    const channels = i % o.level2Every === 0 ? ["trades", "level2"] : ["trades"];
    const reply = await s.socket.request("subscribe", { channels, instruments: [o.symbol] });
    if (reply.error) {
      s.socket.terminate();
      throw new Error(`subscriber ${i} (${region}): ${JSON.stringify(reply.error)}`);
    }
    byRegion.get(region)?.push(s);
    return s;
  };
  const started = Date.now();
  let lastLog = started;
  let error: string | undefined;
  for (let i = 0; i < o.count; i += wave) {
    const opened = await Promise.allSettled(Array.from({ length: Math.min(wave, o.count - i) }, (_, k) => one(i + k)));
    for (const r of opened) if (r.status === "fulfilled") subscribers.push(r.value);
    const failed = opened.find((r) => r.status === "rejected");
    if (failed) {
      error = String((failed as PromiseRejectedResult).reason?.message ?? failed);
      if (!o.tolerant) {
        for (const s of subscribers) s.socket.terminate();
        throw new Error(error);
      }
      break;
    }
    if (o.log && Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      o.log(`  ${subscribers.length} of ${o.count} subscribers open (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  // The snapshots follow the subscribe replies.
  await sleep(Math.min(5_000, 500 + o.count / 10));
  const pinger = setInterval(() => {
    for (const s of subscribers) if (!s.socket.isClosed) s.socket.ping();
  }, 2_000);
  return {
    subscribers,
    byRegion,
    latency,
    counting,
    error,
    close: () => {
      clearInterval(pinger);
      for (const s of subscribers) s.socket.terminate();
    },
  };
}

/** Sockets of the pool that closed or saw a gap or resync so far. */
export function troubled(pool: RegionalPool): number {
  return pool.subscribers.filter((s) => s.gaps > 0 || s.interruptions > 0 || s.socket.isClosed).length;
}
