/**
 * Contract of the benchmark's no-op route (`npm run bench:orders`). Mounted
 * only when `BENCH_ROUTES` is "true" (set by the benchmark's Miniflare config
 * alone), so it is absent from the public document and from `API_CONTRACTS`.
 *
 * It declares the scope and route class of `POST /v1/orders` (`trade`,
 * `order_entry`): the same authentication and the same rate-limit rules run
 * before its handler, so the benchmark's ratio compares like with like.
 */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../define.ts";
import { json, problems } from "../schemas.ts";

export const BenchNoopSchema = z
  .object({
    ok: z.literal(true),
    pong: z.number().int().openapi({ description: "The object's clock, epoch milliseconds." }),
  })
  .openapi("BenchNoop");

export const benchNoop = defineRoute({
  method: "post",
  path: "/bench/noop",
  operationId: "benchNoop",
  tags: ["system"],
  summary: "One no-op Durable Object call (benchmark builds only)",
  description:
    "Authenticates and rate-limits like `POST /v1/orders`, then makes one RPC that does nothing " +
    "(`RateLimiter.ping()` on an object named after the caller's account) and answers. The body is not read.",
  scope: "trade",
  routeClass: "order_entry",
  responses: { 200: json(BenchNoopSchema, "The object answered."), ...problems(401, 403, 404) },
});
