import type { Account } from "../../durable-objects/account/index.ts";
import type { ConfigStore } from "../../durable-objects/config/index.ts";
import type { FeedShard } from "../../durable-objects/feed/index.ts";
import type { FeedRelay } from "../../durable-objects/feed-relay/index.ts";
import type { FeesCollector } from "../../durable-objects/fees/index.ts";
import type { InstrumentRegistry } from "../../durable-objects/instrument-registry/index.ts";
import type { MetricsHub } from "../../durable-objects/metrics-hub/index.ts";
import type { OrderBook } from "../../durable-objects/order-book/index.ts";
import type { RateLimiter } from "../../durable-objects/rate-limiter/index.ts";
import type { TraceContext } from "../../shared/trace/traceparent.ts";
import type { AuthContext } from "./auth-context.ts";
import type { DeclaredRoute } from "./openapi/define.ts";

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
  FEED_RELAY: DurableObjectNamespace<FeedRelay>;
  ACCOUNT: DurableObjectNamespace<Account>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  FEES: DurableObjectNamespace<FeesCollector>;
  /** The live configuration (durable-objects/config, docs/configuration.md); the vars below are its defaults. */
  CONFIG: DurableObjectNamespace<ConfigStore>;
  /** How old an isolate's copy of the configuration may get before it is refreshed in the background, ms (default 1000). */
  CONFIG_CACHE_TTL_MS?: string;
  /** Longest wait of an isolate's first request for the configuration, ms (default 1000); then the vars answer. */
  CONFIG_FIRST_LOAD_TIMEOUT_MS?: string;
  /** Metrics hub shards `hub-0` … (durable-objects/metrics-hub): isolates and the consumer push there. */
  METRICS_HUB: DurableObjectNamespace<MetricsHub>;
  /** Workers Analytics Engine dataset `platform3_metrics`: a data point per request and per book call. */
  ANALYTICS?: AnalyticsEngineDataset;
  /** Shards of the metrics hub (default 4). */
  METRICS_HUB_SHARDS?: string;
  /** Most one push per this many ms per isolate and per consumer, to the metrics hub (default 5000). */
  METRICS_PUSH_INTERVAL_MS?: string;
  /** Deadline of each source `GET /v1/admin/metrics` reads (a book, a feed shard, a hub shard), ms (default 2000). */
  METRICS_SCRAPE_TIMEOUT_MS?: string;
  /** Open orders an account may have per instrument (default 200). */
  MAX_OPEN_ORDERS?: string;
  /** Live (not revoked, not expired) API keys an account may have (default 20); the next is 409 `api_key_limit`. */
  MAX_API_KEYS_PER_ACCOUNT?: string;
  /** Bearer token of the operator routes (a secret outside development). */
  OPERATOR_TOKEN?: string;
  /** "true": list the demo instruments on first start. */
  SEED_INSTRUMENTS?: string;
  /** Events each book keeps for resume (default 100 000). */
  BOOK_EVENT_RETENTION?: string;
  /** Feed shards per region WebSockets spread over (workers/api/feed/regions.ts). */
  FEED_SHARDS?: string;
  /** Regions with feed shards and relays, comma-separated (default all nine); the first is the fallback. */
  FEED_REGIONS?: string;
  /** "true": believe the `X-P3-Region` header (always believed in development). */
  GEO_REGION_OVERRIDE?: string;
  /** "false": regional shards subscribe at the book, not at their region's relay. */
  FEED_RELAYS?: string;
  /** "simulate": objects of different regions wait the one-way time between them (shared/geo/placement.ts). */
  GEO_LATENCY?: string;
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
  /** Feed sockets one client address (IPv6: its /64) may hold across the shards (default 50; 429 feed_ip_limit past it). */
  FEED_MAX_SOCKETS_PER_IP?: string;
  /** Authenticated feed sockets one account may hold across the shards (default 200; feed_account_limit past it). */
  FEED_MAX_SOCKETS_PER_ACCOUNT?: string;
  /** A feed socket that has neither authenticated nor subscribed for this long is closed with 4001, ms (default 10000). */
  FEED_IDLE_TIMEOUT_MS?: string;
  /** Share of a shard's sockets unauthenticated ones may fill; the rest is kept for authenticated ones (default 0.8). */
  FEED_UNAUTHENTICATED_SHARE?: string;
  /** A book's feed batching tick, ms. */
  FEED_TICK_MS?: string;
  /** How long committed events wait to go to the Queue together, ms (default 100). */
  EVENT_STREAM_DELAY_MS?: string;
  /** "true": mount the benchmark's routes (`/v1/bench/*`); only the benchmarks and the profiler set it. */
  BENCH_ROUTES?: string;
  /** "true": count every SQL statement and give it its own call site in CPU profiles (durable-objects/runtime/sql-profile.ts); only `npm run profile:orders` sets it. */
  SQL_PROFILE?: string;
  /** "true": mount the fault-injection routes (`/v1/faults/*`) and let objects obey them; only `npm run bench:load -- --faults` sets it. */
  FAULT_ROUTES?: string;
  /** Deadline of one call from the edge into a Durable Object, ms (default 30000; workers/api/objects/guard.ts). */
  OBJECT_CALL_TIMEOUT_MS?: string;
  /**
   * JSON rate-limit budgets merged over the defaults (`RateLimitLimits` in middleware/rate-limit/policy.ts), e.g.
   * `{"classes":{"order_entry":{"limit":1000,"window":"10s"}},"accountOrders":{"limit":400,"window":"10s"}}`: the
   * edge's per-IP and per-key budgets, and the per-account `accountOrders` and `accountCancels` the Account objects
   * enforce (shared/rate-limit/budget.ts). Validated whole when the app is built.
   */
  RATE_LIMITS?: string;
  /** How long public market data is cached at the edge, ms (0 disables). */
  MARKET_DATA_CACHE_MS?: string;
  /** How long past that the edge keeps the last answer, served marked stale when the book and the replica fail, ms. */
  MARKET_DATA_STALE_MS?: string;
  /** "false": public market data always from the home book, never from the caller's regional relay (workers/api/replicas). */
  MARKET_DATA_REPLICAS?: string;
  // ── gateway hygiene (workers/api/middleware, docs/gateway-and-auth.md, docs/operations.md) ──
  /**
   * Whose word the client address is (shared/auth/client-address.ts): `cloudflare` trusts
   * `CF-Connecting-IP` (Cloudflare's edge sets it); `local` believes only a loopback value.
   * Default: `cloudflare` in staging and production, `local` elsewhere.
   */
  CLIENT_IP_SOURCE?: string;
  /** Deadline of each readiness probe of `GET /v1/health/ready`, ms (default 2000). */
  READY_PROBE_TIMEOUT_MS?: string;
  /** Largest request body, bytes (default 262144 = 256 KiB); larger bodies get 413. */
  MAX_BODY_BYTES?: string;
  /** Origins allowed to call the API from browsers, comma-separated (empty: no CORS headers). */
  CORS_ORIGINS?: string;
  // ── gateway auth (workers/api/auth, docs/gateway-and-auth.md) ──
  /** JSON array of private JWKs (Ed25519 or P-256) with `kid`: the first signs access tokens, all verify. A secret outside development. */
  JWT_SIGNING_KEYS?: string;
  /** `iss` of access tokens (default "urn:platform3:edge"). */
  JWT_ISSUER?: string;
  /** Access-token lifetime, seconds (300–900, default 600). */
  ACCESS_TOKEN_TTL_SECONDS?: string;
  /** Refresh-token lifetime, seconds (default 30 days). */
  REFRESH_TOKEN_TTL_SECONDS?: string;
  /** Accepted clock difference of signed requests, ms (up to 60 000, default 5 000). */
  SIGNATURE_WINDOW_MS?: string;
  /** How long an isolate trusts that a refresh family is not revoked, ms (default 5 000). */
  AUTH_REVOCATION_CACHE_MS?: string;
  /** External OIDC issuer whose access tokens are accepted (unset: OIDC off). */
  OIDC_ISSUER?: string;
  /** Required `aud` of OIDC tokens. */
  OIDC_AUDIENCE?: string;
  /** Accepted OIDC signing algorithms, comma-separated (default "RS256"). */
  OIDC_ALGORITHMS?: string;
  /** The issuer's JWKS URL (fetched and cached). */
  OIDC_JWKS_URL?: string;
  /** Inline JWK set JSON instead of a URL (tests, air-gapped issuers). */
  OIDC_JWKS?: string;
  /** Claim holding the account id (default "sub"). */
  OIDC_ACCOUNT_CLAIM?: string;
  /** Prefix of our scopes in the `scope`/`scp` claims (e.g. "platform3:"; default none). */
  OIDC_SCOPE_PREFIX?: string;
  /** Upstash Redis REST endpoint (a secret): rate limits shared by every location. Unset: the RateLimiter Durable Object. */
  UPSTASH_REDIS_REST_URL?: string;
  /** Bearer token of `UPSTASH_REDIS_REST_URL` (a secret). */
  UPSTASH_REDIS_REST_TOKEN?: string;
  /** Longest wait for Redis on a rate-limit check before falling back to the Durable Object, ms (default 1000). */
  RATE_LIMIT_REDIS_TIMEOUT_MS?: string;
  /** Longest wait for one Redis command of the other uses (market data, revocations, idempotency), ms (default 500). */
  REDIS_TIMEOUT_MS?: string;
  /** How long an isolate skips Redis after a failure, ms (default 30 000). */
  REDIS_COOLOFF_MS?: string;
  // ── persistence and streaming (workers/consumer, docs "Persistence and streaming") ──
  /** The event Queue: the books and accounts send their events; this Worker's `queue` handler consumes them. */
  EVENTS?: Queue;
  /** The dead-letter queue: events that fail their schema check go there with the reason (docs/events.md). */
  EVENTS_DLQ?: Queue;
  /** Postgres (Neon) connection string, a secret: the consumer writes every event there. */
  DATABASE_URL?: string;
  /** Local and CI only: the WebSocket-to-TCP bridge the Neon driver goes through (host:port/path). */
  NEON_WS_PROXY?: string;
  /** Optional Kafka sink: the Confluent REST v3 base URL (a secret), with the cluster id and basic-auth pair. */
  KAFKA_REST_URL?: string;
  KAFKA_CLUSTER_ID?: string;
  KAFKA_REST_USERNAME?: string;
  KAFKA_REST_PASSWORD?: string;
  /** Kafka topics are `<prefix>book` and `<prefix>account` (default "platform3."). */
  KAFKA_TOPIC_PREFIX?: string;
  /** Seconds before a batch that failed is delivered again (default 5). */
  EVENTS_RETRY_DELAY_SECONDS?: string;
  // ── traces (shared/trace/export.ts, docs/operations.md "Traces"); every object reads the same vars ──
  /** OTLP/HTTP collector base URL, e.g. `http://127.0.0.1:4318`: spans go to `<it>/v1/traces` as JSON. Unset: no spans. */
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  /** Full traces URL instead (used as it is). */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  /** Headers of every export, `k=v,k2=v2`, values percent-encoded (a secret when it holds a token). */
  OTEL_EXPORTER_OTLP_HEADERS?: string;
  /** Deadline of one export, ms (default 10 000). */
  OTEL_EXPORTER_OTLP_TIMEOUT?: string;
  /** Resource `service.name` (default "platform3-edge"). */
  OTEL_SERVICE_NAME?: string;
}

/** Hono generics for every router of the API. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** Set by the auth middleware on authenticated requests. */
    auth?: AuthContext;
    /** Set first thing on every request (honours a valid incoming X-Request-Id). */
    requestId?: string;
    /** W3C trace context of this request's span (middleware/trace); `traceHeaders(c)` continues it. */
    trace?: TraceContext;
    /** The declared route the request matched: scope, route class, path template (routing.ts). */
    route?: DeclaredRoute;
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
