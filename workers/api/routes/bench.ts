/**
 * Benchmark-only routes (mount at /v1 with `mountBenchRoutes`): `POST /bench/noop`
 * makes one no-op Durable Object call, the baseline `npm run bench:orders`
 * measures order placement against in the same run; `GET /bench/sql` and
 * `POST /bench/sql/reset` read and zero the isolate's SQL statement profile
 * (`npm run profile:orders`); `POST /bench/books/{symbol}/backlog` fills a book's
 * log and outbox (bench:orders' largest state).
 *
 * Mounted only when the var `BENCH_ROUTES` is "true" when the app is built
 * (the benchmark sets it in its Miniflare bindings; wrangler.toml never does),
 * so everywhere else the path is an ordinary 404 and the route is in neither the
 * route table nor the OpenAPI document. The handler checks the var again.
 */

import { env } from "cloudflare:workers";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { resetSqlProfile, sqlProfileReport } from "../../../durable-objects/runtime/sql-profile.ts";
import type { AppEnv } from "../env.ts";
import { bookFor, instrumentOr404 } from "../instruments.ts";
import { callerOf } from "../middleware/auth/index.ts";
import { benchBacklog, benchNoop, benchSqlProfile, benchSqlReset } from "../openapi/contracts/bench.ts";
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

// The SQL statement profile of this isolate (npm run profile:orders sets SQL_PROFILE).
bench.openapi(benchSqlProfile, (c) => {
  if (c.env.BENCH_ROUTES !== "true") throw problemException("not_found", `No route for ${c.req.method} ${c.req.path}.`);
  return c.json(sqlProfileReport(), 200);
});

bench.openapi(benchSqlReset, (c) => {
  if (c.env.BENCH_ROUTES !== "true") throw problemException("not_found", `No route for ${c.req.method} ${c.req.path}.`);
  resetSqlProfile();
  return c.json({ ok: true as const }, 200);
});

// A backlog in a book's log and outbox: bench:orders' largest state.
bench.openapi(benchBacklog, async (c) => {
  if (c.env.BENCH_ROUTES !== "true") throw problemException("not_found", `No route for ${c.req.method} ${c.req.path}.`);
  const spec = await instrumentOr404(c.env, c.req.valid("param").symbol);
  return c.json(await bookFor(c.env, spec).benchBacklog(c.req.valid("json")), 200);
});

/** Mounts {@link bench} under `prefix` when the Worker's `BENCH_ROUTES` var is "true"; otherwise nothing. */
export function mountBenchRoutes(app: OpenAPIHono<AppEnv>, prefix: string): void {
  if (env.BENCH_ROUTES === "true") app.route(prefix, bench);
}
