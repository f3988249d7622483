/**
 * Where feed pushes go, by the subscriber's name: a regional relay
 * (`relay-<region>-<symbol>`, the FEED_RELAY namespace) or a feed shard (FEED_SHARD).
 * With simulated geography each push first waits the one-way time from the sender's
 * region to the subscriber's (shared/geo/placement.ts); pushes to one subscriber are
 * one at a time (push-lanes.ts), so the wait never reorders them.
 */
import {
  feedObjectRegion,
  type GeoLatencyEnv,
  inFlight,
  isRelayName,
  simulatedOneWayMs,
} from "../../shared/geo/placement.ts";
import type { FeedShardRpc } from "./push-lanes.ts";

export interface FeedTargetsEnv extends GeoLatencyEnv {
  FEED_SHARD?: DurableObjectNamespace;
  /** Regional feed relays (`relay-<region>-<symbol>`), which subscribe like shards. */
  FEED_RELAY?: DurableObjectNamespace;
}

export function feedTarget(env: FeedTargetsEnv, name: string, from: string | undefined): FeedShardRpc {
  const ns = isRelayName(name) ? env.FEED_RELAY : env.FEED_SHARD;
  if (!ns) throw new Error(`${isRelayName(name) ? "FEED_RELAY" : "FEED_SHARD"} binding is missing`);
  const target = ns.get(ns.idFromName(name)) as unknown as FeedShardRpc;
  const wait = simulatedOneWayMs(env, from, feedObjectRegion(name));
  if (wait === 0) return target;
  return {
    publish: async (instrument, messages) => {
      await inFlight(wait);
      return target.publish(instrument, messages);
    },
  };
}
