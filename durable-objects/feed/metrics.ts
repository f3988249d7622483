/**
 * A feed shard's series for `GET /v1/admin/metrics`: gauges read off its
 * sockets when scraped (sockets by whether they are authenticated, stream
 * subscriptions, the `user` channel counting as one), and the fan-out's
 * counters and delivery-lag histogram from `FeedTraffic` (traffic.ts).
 */
import { METRICS } from "../../shared/metrics/catalogue.ts";
import { MetricsRegistry, type MetricsSnapshot } from "../../shared/metrics/registry.ts";
import type { FeedSocket } from "./subscriptions.ts";
import type { FeedTraffic } from "./traffic.ts";

export function shardMetrics(shard: string, sockets: Iterable<FeedSocket>, traffic: FeedTraffic): MetricsSnapshot {
  const registry = new MetricsRegistry();
  const held = registry.gauge(METRICS.feedSockets);
  const subscriptions = registry.gauge(METRICS.feedSubscriptions);
  let authenticated = 0;
  let anonymous = 0;
  let streams = 0;
  for (const socket of sockets) {
    if (!socket.open) continue;
    if (socket.session) authenticated++;
    else anonymous++;
    streams += socket.cursors.size + (socket.user ? 1 : 0);
  }
  held.set({ shard, authenticated: "true" }, authenticated);
  held.set({ shard, authenticated: "false" }, anonymous);
  subscriptions.set({ shard }, streams);
  registry.counter(METRICS.feedFrames).inc({ shard }, traffic.frames);
  const drops = registry.counter(METRICS.feedDrops);
  drops.inc({ shard, reason: "slow_consumer" }, traffic.droppedSlow);
  drops.inc({ shard, reason: "closed" }, traffic.droppedClosed);
  registry.counter(METRICS.feedSlowDisconnects).inc({ shard }, traffic.slowDisconnects);
  const gauges = registry
    .snapshot()
    .filter((family) => family.samples.length > 0 && family.name.startsWith("p3_feed_"));
  const lag = METRICS.feedDeliveryLag;
  gauges.push({
    name: lag.name,
    help: lag.help,
    type: "histogram",
    buckets: lag.buckets,
    samples: [{ labels: { shard }, counts: [...traffic.lagBuckets], sum: traffic.lagSum, count: traffic.lagCount }],
  });
  return gauges;
}
