/**
 * Caches successful public GET responses at the edge (Cache API) for a short
 * time, so a burst of readers does not reach the book object or the region's
 * replica. A request with `Cache-Control: no-cache` skips the cache. Responses say
 * `X-Cache: HIT|MISS`; a hit's `X-Data-Age-Ms` counts from its `X-Data-As-Of`
 * (workers/api/replicas). The key holds the caller's serving region: on Cloudflare
 * each location has its own cache anyway, and locally one cache serves every
 * simulated region.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env.ts";
import { servingRegion } from "../../feed/regions.ts";
import { DATA_HEADERS } from "../../replicas/index.ts";

export function edgeCache(options: { ttlMs: (env: AppEnv["Bindings"]) => number }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const ttl = options.ttlMs(c.env);
    const bypass = /\bno-cache\b/i.test(c.req.header("cache-control") ?? "");
    if (c.req.method !== "GET" || ttl <= 0 || bypass) {
      await next();
      return;
    }
    const cache = caches.default;
    const url = new URL(c.req.url);
    url.searchParams.set("_region", servingRegion(c.env, c.req.raw).region);
    const key = new Request(url, { method: "GET" });
    const hit = await cache.match(key);
    if (hit) {
      const res = new Response(hit.body, hit);
      res.headers.set("x-cache", "HIT");
      const asOf = Number(res.headers.get(DATA_HEADERS.asOf));
      if (asOf > 0) res.headers.set(DATA_HEADERS.age, String(Math.max(0, Date.now() - asOf)));
      return res;
    }
    await next();
    if (c.res.status !== 200) return;
    const seconds = Math.max(1, Math.ceil(ttl / 1000));
    c.res.headers.set("cache-control", `public, max-age=${seconds}`);
    c.res.headers.set("x-cache", "MISS");
    c.executionCtx.waitUntil(cache.put(key, c.res.clone()));
  };
}
