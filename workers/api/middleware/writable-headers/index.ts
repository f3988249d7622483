/**
 * Responses that come from `fetch()` (a WebSocket upgrade forwarded from a feed
 * object, say) have immutable headers, and middleware that decorates every
 * response would throw on them. `writableHeaders()` copies such a response
 * once, on its way out, so every middleware registered before it can set
 * headers. Register it last, just before the routers.
 */
import type { Context, MiddlewareHandler } from "hono";

const PROBE = "x-writable-probe";

/** Makes `c.res.headers` writable (copying the response when they are not). */
export function ensureWritableHeaders(c: Context): void {
  try {
    c.res.headers.set(PROBE, "1");
    c.res.headers.delete(PROBE);
  } catch {
    c.res = new Response(c.res.body, c.res);
  }
}

export function writableHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    ensureWritableHeaders(c);
  };
}
