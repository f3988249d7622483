/** Redis keys of the edge's uses, all under one prefix so a shared database stays tidy. */
export const REDIS_PREFIX = "p3:";

/** The latest ticker of an instrument: `{at, body}` JSON, `PX` = `MARKET_DATA_CACHE_MS`. */
export const tickerKey = (symbol: string) => `${REDIS_PREFIX}ticker:${symbol}`;
/** The top of book (level 1) of an instrument: `{at, body}` JSON, `PX` = `MARKET_DATA_CACHE_MS`. */
export const bboKey = (symbol: string) => `${REDIS_PREFIX}bbo:${symbol}`;
/** A revoked refresh family of an account (a family speaks only for its account): `1`, `PX` = the longest life left to its access tokens. */
export const revokedKey = (ref: { account: string; family: string }) =>
  `${REDIS_PREFIX}revoked:${ref.account}:${ref.family}`;
/** The outcome stored under an Idempotency-Key: `{operation, outcome, created_at}` JSON, `PX` ≤ 24 h. */
export const idempotencyKey = (account: string, key: string) => `${REDIS_PREFIX}idem:${account}:${key}`;
