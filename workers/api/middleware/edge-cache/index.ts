/**
 * Caches successful public GET responses at the edge (Cache API), so a burst of readers does
 * not reach the book object or the region's replica:
 *
 * - for `ttlMs` a cached answer is served as is (`X-Cache: HIT`);
 * - after that, for up to `staleMs` more, it is kept as the last good answer: the request goes
 *   on (replica or book), and only if that fails with a 5xx is the kept answer served instead,
 *   `X-Cache: STALE` and `X-Data-Stale: true` (stale-if-error);
 * - `Cache-Control: no-cache` skips the cache.
 *
 * A hit's `X-Data-Age-Ms` counts from its `X-Data-As-Of` (workers/api/replicas). The key holds
 * the caller's serving region: on Cloudflare each location has its own cache anyway, and locally
 * one cache serves every simulated region.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env.ts";
import { servingRegion } from "../../feed/regions.ts";
import { DATA_HEADERS } from "../../replicas/index.ts";

/** When the cached copy was stored (epoch ms); not sent to clients. */
const STORED_AT = "x-edge-stored-at";

export interface EdgeCacheOptions {
  ttlMs: (env: AppEnv["Bindings"]) => number;
  /** How long past `ttlMs` an answer is kept for when the origin fails, ms (0: not at all). */
  staleMs?: (env: AppEnv["Bindings"]) => number;
}

export function edgeCache(options: EdgeCacheOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const ttl = options.ttlMs(c.env);
    const bypass = /\bno-cache\b/i.test(c.req.header("cache-control") ?? "");
    if (c.req.method !== "GET" || ttl <= 0 || bypass) {
      await next();
      return;
    }
    const keep = ttl + Math.max(0, options.staleMs?.(c.env) ?? 0);
    const cache = caches.default;
    const key = edgeCacheKey(c.req.url, servingRegion(c.env, c.req.raw).region);
    const kept = await cache.match(key);
    const age = kept ? Date.now() - Number(kept.headers.get(STORED_AT) ?? 0) : Number.POSITIVE_INFINITY;
    if (kept && age < ttl) return served(kept, ttl, "HIT");
    await next();
    if (c.res.status >= 500 && kept && age < keep) {
      const stale = served(kept, ttl, "STALE");
      stale.headers.set(DATA_HEADERS.stale, "true");
      c.res = stale;
      return;
    }
    if (c.res.status !== 200) return;
    const seconds = Math.max(1, Math.ceil(ttl / 1000));
    c.res.headers.set("cache-control", `public, max-age=${seconds}`);
    c.res.headers.set("x-cache", "MISS");
    store(c, cache, key, keep);
  };
}

/** The Cache API key of a GET of `url` served in `region`. */
export function edgeCacheKey(url: string, region: string): Request {
  const keyed = new URL(url);
  keyed.searchParams.set("_region", region);
  return new Request(keyed, { method: "GET" });
}

/** The cached copy as a client gets it: its own max-age, the data's age counted to now. */
function served(kept: Response, ttl: number, how: "HIT" | "STALE"): Response {
  const res = new Response(kept.body, kept);
  res.headers.delete(STORED_AT);
  res.headers.set("cache-control", `public, max-age=${Math.max(1, Math.ceil(ttl / 1000))}`);
  res.headers.set("x-cache", how);
  const asOf = Number(res.headers.get(DATA_HEADERS.asOf));
  if (asOf > 0) res.headers.set(DATA_HEADERS.age, String(Math.max(0, Date.now() - asOf)));
  return res;
}

/** Stores the answer for `keepMs` (the Cache API drops it then), stamped with when. */
function store(c: Context<AppEnv>, cache: Cache, key: Request, keepMs: number): void {
  const copy = c.res.clone();
  const stored = new Response(copy.body, copy);
  stored.headers.set("cache-control", `public, max-age=${Math.max(1, Math.ceil(keepMs / 1000))}`);
  stored.headers.set(STORED_AT, String(Date.now()));
  c.executionCtx.waitUntil(cache.put(key, stored));
}
