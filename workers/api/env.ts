import type { Account } from "../../durable-objects/account/index.ts";
import type { FeedShard } from "../../durable-objects/feed/index.ts";
import type { InstrumentRegistry } from "../../durable-objects/instrument-registry/index.ts";
import type { OrderBook } from "../../durable-objects/order-book/index.ts";
import type { RateLimiter } from "../../durable-objects/rate-limiter/index.ts";
import type { AuthContext } from "./auth-context.ts";

/**
 * Bindings of the edge Worker (see wrangler.toml). Durable Object namespaces,
 * queues and secrets are added here as the issues that need them land.
 */
export interface Env {
  /** "development" | "staging" | "production" */
  ENVIRONMENT: string;
  /** Release version reported by /v1/health. */
  API_VERSION: string;
  ORDER_BOOK: DurableObjectNamespace<OrderBook>;
  INSTRUMENTS: DurableObjectNamespace<InstrumentRegistry>;
  FEED_SHARD: DurableObjectNamespace<FeedShard>;
  ACCOUNT: DurableObjectNamespace<Account>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  /** Bearer token of the operator routes (a secret outside development). */
  OPERATOR_TOKEN?: string;
  /** "true": list the demo instruments on first start. */
  SEED_INSTRUMENTS?: string;
  /** Events each book keeps for resume (default 100 000). */
  BOOK_EVENT_RETENTION?: string;
  /** Number of feed shards WebSockets spread over. */
  FEED_SHARDS?: string;
  /** Most sockets one feed shard holds. */
  FEED_MAX_SOCKETS_PER_SHARD?: string;
  /** Feed heartbeat interval, ms (default 5000). */
  FEED_HEARTBEAT_MS?: string;
  /** Most streams one feed socket may subscribe (default 100). */
  FEED_MAX_SUBSCRIPTIONS?: string;
  /** Messages sent to a socket without a frame back before its level2 deltas pause (default 2000). */
  FEED_SLOW_SOFT_LIMIT?: string;
  /** Messages sent to a socket without a frame back before it is closed (default 10000). */
  FEED_SLOW_HARD_LIMIT?: string;
  /** A book's feed batching tick, ms. */
  FEED_TICK_MS?: string;
  /** How long public market data is cached at the edge, ms (0 disables). */
  MARKET_DATA_CACHE_MS?: string;
}

/** Hono generics for every router of the API. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** Set by the auth middleware on authenticated requests. */
    auth?: AuthContext;
    /** Set first thing on every request (honours a valid incoming X-Request-Id). */
    requestId?: string;
  };
}

type ApiEnv = Env;

declare global {
  namespace Cloudflare {
    // `env` from "cloudflare:workers" / "cloudflare:test" has our bindings.
    interface Env extends ApiEnv {}
    // Types `exports` from "cloudflare:workers" (loopback bindings to the main module's exports).
    interface GlobalProps {
      mainModule: typeof import("./index.ts");
    }
  }
}
