/**
 * The `feed` section: the feed shards' limits (shared/feed/limits.ts), each key optional and
 * laid over the `FEED_*` vars, which stay the defaults.
 */
import { z } from "zod";
import { type FeedLimits, type FeedLimitsEnv, feedLimits } from "../feed/limits.ts";

const positive = z.number().int().min(1);

/** Document key → the var it overrides. */
export const FEED_KEYS = {
  max_sockets_per_shard: "FEED_MAX_SOCKETS_PER_SHARD",
  heartbeat_ms: "FEED_HEARTBEAT_MS",
  max_subscriptions: "FEED_MAX_SUBSCRIPTIONS",
  slow_soft_limit: "FEED_SLOW_SOFT_LIMIT",
  slow_hard_limit: "FEED_SLOW_HARD_LIMIT",
  orders_per_second: "FEED_ORDERS_PER_SECOND",
  max_sockets_per_ip: "FEED_MAX_SOCKETS_PER_IP",
  max_sockets_per_account: "FEED_MAX_SOCKETS_PER_ACCOUNT",
  idle_timeout_ms: "FEED_IDLE_TIMEOUT_MS",
  unauthenticated_share: "FEED_UNAUTHENTICATED_SHARE",
} as const satisfies Record<string, keyof FeedLimitsEnv>;

export const FeedDocumentSchema = z
  .strictObject({
    max_sockets_per_shard: positive.optional(),
    heartbeat_ms: positive.optional(),
    max_subscriptions: positive.optional(),
    slow_soft_limit: positive.optional(),
    slow_hard_limit: positive.optional(),
    orders_per_second: positive.optional(),
    max_sockets_per_ip: positive.optional(),
    max_sockets_per_account: positive.optional(),
    idle_timeout_ms: positive.optional(),
    unauthenticated_share: z.number().gt(0).max(1).optional(),
  })
  .superRefine((doc, ctx) => {
    if (doc.slow_soft_limit !== undefined && doc.slow_hard_limit !== undefined) {
      if (doc.slow_hard_limit <= doc.slow_soft_limit) {
        ctx.addIssue({ code: "custom", path: ["slow_hard_limit"], message: "must exceed slow_soft_limit" });
      }
    }
  });

export type FeedDocument = z.infer<typeof FeedDocumentSchema>;

/** The vars with the document laid over them. */
export function feedEnvWith(env: FeedLimitsEnv, doc: FeedDocument | undefined): FeedLimitsEnv {
  const out: FeedLimitsEnv = {};
  for (const name of Object.values(FEED_KEYS)) if (env[name] !== undefined) out[name] = env[name];
  for (const [key, name] of Object.entries(FEED_KEYS)) {
    const value = doc?.[key as keyof FeedDocument];
    if (value !== undefined) out[name] = String(value);
  }
  return out;
}

/**
 * The limits in force: the document over the vars. A document that only fails together with
 * the vars (a soft limit above the vars' hard one) leaves the vars' limits, and says why.
 */
export function feedLimitsWith(
  env: FeedLimitsEnv,
  doc: FeedDocument | undefined,
): { limits: FeedLimits; error?: string } {
  try {
    return { limits: feedLimits(feedEnvWith(env, doc)) };
  } catch (err) {
    return { limits: feedLimits(env), error: (err as Error).message };
  }
}
