/**
 * Counts every request the edge answers: `p3_http_requests_total{route_class,method,code}`
 * and `p3_http_request_duration_seconds{route_class}` in this isolate's registry
 * (metrics/edge.ts), and, where the `ANALYTICS` binding exists, one Analytics Engine data
 * point (blobs: route class, method, status; doubles: duration in ms; index: route class).
 * After the response it pushes the isolate's changes to its hub when a push is due
 * (`waitUntil`: never in the way of the response, and a failed push only counts an error).
 *
 * The route class is the declared route's (`c.get("route")`, set by `declaredRoutes()`
 * further in); a request that matched no declared route is `unmatched`, so a flood of
 * random paths stays one series. Mount it first: it times everything after it.
 * Durations are wall time, which inside workerd advances only across I/O.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env.ts";
import { countRequest, pushEdgeMetricsIfDue, UNMATCHED } from "../../metrics/edge.ts";

export function httpMetrics(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = Date.now();
    try {
      await next();
    } finally {
      const ended = Date.now();
      const routeClass = c.get("route")?.routeClass ?? UNMATCHED;
      const status = c.res?.status ?? 500;
      countRequest(routeClass, c.req.method, status, (ended - started) / 1000);
      writeDataPoint(c, routeClass, status, ended - started);
      const push = pushEdgeMetricsIfDue(c.env, ended);
      if (push) keepAlive(c, push);
    }
  };
}

function writeDataPoint(c: Context<AppEnv>, routeClass: string, status: number, ms: number): void {
  const analytics = c.env?.ANALYTICS;
  if (!analytics) return;
  try {
    analytics.writeDataPoint({
      blobs: [routeClass, c.req.method, String(status)],
      doubles: [ms],
      indexes: [routeClass],
    });
  } catch {
    // Analytics are best effort: a refused data point never fails the request.
  }
}

/** Hands `promise` to the request's `waitUntil` (absent in `app.request` tests: then it just runs). */
function keepAlive(c: Context<AppEnv>, promise: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(promise);
  } catch {
    void promise;
  }
}
