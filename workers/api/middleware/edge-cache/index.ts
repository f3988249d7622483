/**
 * Caches successful public GET responses at the edge (Cache API) for a short
 * time, so a burst of readers does not reach the book object. A request with
 * `Cache-Control: no-cache` skips the cache. Responses say `X-Cache: HIT|MISS`.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env.ts";

export function edgeCache(options: { ttlMs: (env: AppEnv["Bindings"]) => number }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const ttl = options.ttlMs(c.env);
    const bypass = /\bno-cache\b/i.test(c.req.header("cache-control") ?? "");
    if (c.req.method !== "GET" || ttl <= 0 || bypass) {
      await next();
      return;
    }
    const cache = caches.default;
    const key = new Request(c.req.url, { method: "GET" });
    const hit = await cache.match(key);
    if (hit) {
      const res = new Response(hit.body, hit);
      res.headers.set("x-cache", "HIT");
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
