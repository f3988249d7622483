/**
 * Benchmark-only routes (mount at /v1 with `mountBenchRoutes`): `POST /bench/noop`
 * makes one no-op Durable Object call, the baseline `npm run bench:orders`
 * measures order placement against in the same run.
 *
 * Mounted only when the var `BENCH_ROUTES` is "true" when the app is built
 * (the benchmark sets it in its Miniflare bindings; wrangler.toml never does),
 * so everywhere else the path is an ordinary 404 and the route is in neither the
 * route table nor the OpenAPI document. The handler checks the var again.
 */

import { env } from "cloudflare:workers";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { callerOf } from "../middleware/auth/index.ts";
import { benchNoop } from "../openapi/contracts/bench.ts";
import { createRouter } from "../openapi/router.ts";
import { problemException } from "../problem.ts";

export const bench = createRouter();

bench.openapi(benchNoop, async (c) => {
  if (c.env.BENCH_ROUTES !== "true") throw problemException("not_found", `No route for ${c.req.method} ${c.req.path}.`);
  const { account } = callerOf(c);
  // One object per account, as POST /v1/orders reaches the caller's Account object first.
  const pong = await c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(`bench:${account}`)).ping();
  return c.json({ ok: true as const, pong }, 200);
});

/** Mounts {@link bench} under `prefix` when the Worker's `BENCH_ROUTES` var is "true"; otherwise nothing. */
export function mountBenchRoutes(app: OpenAPIHono<AppEnv>, prefix: string): void {
  if (env.BENCH_ROUTES === "true") app.route(prefix, bench);
}
