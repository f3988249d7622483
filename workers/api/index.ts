/** Entry point of the edge Worker (wrangler.toml `main`). */
import { createApp } from "./app.ts";
import type { Env } from "./env.ts";

const app = createApp();

export { Account } from "../../durable-objects/account/index.ts";
export { FeedShard } from "../../durable-objects/feed/index.ts";
export { FeesCollector } from "../../durable-objects/fees/index.ts";
export { InstrumentRegistry } from "../../durable-objects/instrument-registry/index.ts";
export { OrderBook } from "../../durable-objects/order-book/index.ts";
export { RateLimiter } from "../../durable-objects/rate-limiter/index.ts";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
