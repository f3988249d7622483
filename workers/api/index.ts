/** Entry point of the edge Worker (wrangler.toml `main`). */
import { queue } from "../consumer/index.ts";
import { createApp } from "./app.ts";
import type { Env } from "./env.ts";

const app = createApp();

export { Account } from "../../durable-objects/account/index.ts";
export { ConfigStore } from "../../durable-objects/config/index.ts";
export { FeedShard } from "../../durable-objects/feed/index.ts";
export { FeedRelay } from "../../durable-objects/feed-relay/index.ts";
export { FeesCollector } from "../../durable-objects/fees/index.ts";
export { InstrumentRegistry } from "../../durable-objects/instrument-registry/index.ts";
export { MetricsHub } from "../../durable-objects/metrics-hub/index.ts";
export { OrderBook } from "../../durable-objects/order-book/index.ts";
export { RateLimiter } from "../../durable-objects/rate-limiter/index.ts";

export default {
  fetch: app.fetch,
  /** The EVENTS Queue's consumer: every event to Postgres (and Kafka when configured). */
  queue,
} satisfies ExportedHandler<Env>;
