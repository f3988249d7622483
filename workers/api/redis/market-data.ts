/**
 * The latest ticker and top of book of each instrument in Redis, so a reader
 * anywhere reaches the one book object at most once per `MARKET_DATA_CACHE_MS`
 * between all edge locations, not once per location.
 *
 * It sits behind the Cache API (middleware/edge-cache), not in place of it:
 * the Cache API absorbs a burst within one location for free, Redis absorbs
 * the locations between them, and the book answers what both miss. A value is
 * used while younger than `MARKET_DATA_CACHE_MS` (its `at`; the key also
 * expires then). `Cache-Control: no-cache` skips the read and refreshes the
 * value. A Redis failure costs nothing but the read: the book answers.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import { inBackground, redisCall, redisSettings } from "./client.ts";
import { count } from "./health.ts";

interface Stamped<T> {
  /** Epoch ms the book answered. */
  at: number;
  body: T;
}

/**
 * `load()`'s answer, through Redis under `key` for `ttlMs` (0 or less: no
 * Redis). Fresh values are served from Redis; anything else asks `load` and
 * writes its answer back after the response.
 */
export async function readThrough<T>(
  c: Context<AppEnv>,
  key: string,
  ttlMs: number,
  load: () => Promise<T>,
): Promise<T> {
  if (!(ttlMs > 0) || !redisSettings(c.env)) return load();
  const bypass = /\bno-cache\b/i.test(c.req.header("cache-control") ?? "");
  if (!bypass) {
    const read = await redisCall(c.env, "market_data", "read", (redis) => redis.get<string>(key));
    if (read.ok && typeof read.value === "string") {
      const stamped = parse<T>(read.value);
      if (stamped && Date.now() - stamped.at < ttlMs) {
        count("market_data", "hits");
        return stamped.body;
      }
    }
    // Redis failed or is skipped (the breaker logged it): the book answers, and nothing is written back.
    if (!read.ok) return load();
  }
  const body = await load();
  const value = JSON.stringify({ at: Date.now(), body } satisfies Stamped<T>);
  inBackground(
    c,
    redisCall(c.env, "market_data", "write", (redis) => redis.set(key, value, { px: Math.ceil(ttlMs) })),
  );
  return body;
}

function parse<T>(text: string): Stamped<T> | undefined {
  try {
    const value = JSON.parse(text) as Stamped<T>;
    return typeof value === "object" && value !== null && typeof value.at === "number" && "body" in value
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}
