/**
 * A feed shard's gauges for `GET /v1/admin/metrics`, read off its sockets when
 * scraped (nothing is counted on the fan-out path): sockets by whether they are
 * authenticated, and stream subscriptions (the `user` channel counts as one).
 * Frames, drops, slow-consumer closes and delivery lag are in the catalogue but
 * not counted yet (docs/operations.md, Metrics).
 */
import { METRICS } from "../../shared/metrics/catalogue.ts";
import { MetricsRegistry, type MetricsSnapshot } from "../../shared/metrics/registry.ts";
import type { FeedSocket } from "./subscriptions.ts";

export function shardGauges(shard: string, sockets: Iterable<FeedSocket>): MetricsSnapshot {
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
  return registry.snapshot().filter((family) => family.samples.length > 0 && family.name.startsWith("p3_feed_"));
}
