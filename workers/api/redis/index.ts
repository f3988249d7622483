/**
 * Redis at the edge, beyond rate limits: one client per isolate behind a
 * breaker (client.ts), counters for `GET /v1/health` (health.ts), and the
 * uses: market data (market-data.ts), revoked token families
 * (revocation.ts), idempotency records (idempotency.ts). Keys in keys.ts.
 */
export {
  DEFAULT_REDIS_COOLOFF_MS,
  DEFAULT_REDIS_TIMEOUT_MS,
  inBackground,
  type RedisHealth,
  type RedisOutcome,
  type RedisSettings,
  redisCall,
  redisHealth,
  redisSettings,
  resetRedisClients,
} from "./client.ts";
export { REDIS_USES, type RedisUse, redisCounters, resetRedisCounters, type UseCounters } from "./health.ts";
export { type CachedRequest, cachedRequest, rememberKeyedOutcome, rememberRequest } from "./idempotency.ts";
export { bboKey, idempotencyKey, REDIS_PREFIX, revokedKey, tickerKey } from "./keys.ts";
export { readThrough } from "./market-data.ts";
export { publishRevocation, publishRevocationsLater, revokedInRedis } from "./revocation.ts";
