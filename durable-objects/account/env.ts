/** The bindings and settings an Account object reads. */
import type { ConfigStore } from "../config/index.ts";
import type { FeesCollector } from "../fees/index.ts";
import type { InstrumentRegistry } from "../instrument-registry/index.ts";
import type { OrderBook } from "../order-book/index.ts";
import type { AccountMetricsEnv } from "./metrics.ts";

/** `METRICS_HUB*`: where the account pushes its metrics (metrics.ts); unbound, it counts nothing out. */
export interface AccountEnv extends AccountMetricsEnv {
  ORDER_BOOK: DurableObjectNamespace<OrderBook>;
  INSTRUMENTS: DurableObjectNamespace<InstrumentRegistry>;
  /** Feed shards, reached as `UserShardRpc` (user-feed.ts): typed by that contract, not the class, as the shards call back. */
  FEED_SHARD: DurableObjectNamespace;
  FEES: DurableObjectNamespace<FeesCollector>;
  /** The live configuration (docs/configuration.md): risk limits, account budgets; unbound: the vars alone. */
  CONFIG?: DurableObjectNamespace<ConfigStore>;
  /** The event stream's Queue (Postgres, Kafka); unbound: nothing is streamed. */
  EVENTS?: Queue;
  /**
   * Budgets (JSON, docs/gateway-and-auth.md "Rate limiting"): the Account enforces its
   * `accountOrders` (default 200 per 10 s) and `accountCancels` (default 1000 per 10 s).
   */
  RATE_LIMITS?: string;
  /** Live (not revoked, not expired) API keys an account may have (default 20). */
  MAX_API_KEYS_PER_ACCOUNT?: string;
  /** Open orders an account may have per instrument (default 200). */
  MAX_OPEN_ORDERS?: string;
  /** How long committed events wait to go to the Queue together, ms (default 100). */
  EVENT_STREAM_DELAY_MS?: string;
  /** "true": obey `suffer` (the load run's fault injection). */
  FAULT_ROUTES?: string;
}
