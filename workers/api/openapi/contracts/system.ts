/** Contracts of the system routes: clock, health and this document. */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../define.ts";
import { json, problems } from "../schemas.ts";

export const TimeSchema = z
  .object({
    iso: z
      .string()
      .openapi({ description: "RFC 3339 UTC timestamp, millisecond precision.", example: "2026-03-09T13:30:00.000Z" }),
    epoch_ms: z.number().int().openapi({ example: 1773063000000 }),
  })
  .openapi("Time");

const count = (description: string) => z.number().int().nonnegative().openapi({ description });

export const RedisUseCountersSchema = z
  .object({
    successes: count("Redis commands that answered (reads and writes)."),
    hits: count("Reads Redis answered with something usable."),
    failures: count("Commands that failed or timed out (each opens the breaker)."),
    skipped: count("Commands not sent while the breaker was open."),
    fallbacks: count("Reads answered without Redis (by the authoritative object) because it failed or was skipped."),
  })
  .openapi("RedisUseCounters");

export const RedisHealthSchema = z
  .object({
    status: z.enum(["not_configured", "ok", "degraded"]).openapi({
      description:
        "`degraded` while this isolate skips Redis after a failure (every use then answers from its object); `ok` otherwise.",
    }),
    timeout_ms: z.number().int().nullable().openapi({ description: "Deadline of one command (REDIS_TIMEOUT_MS)." }),
    cooloff_ms: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "How long a failure skips Redis (REDIS_COOLOFF_MS)." }),
    retry_at_ms: z.number().int().nullable().openapi({ description: "When Redis is tried again, while degraded." }),
    last_error: z.string().nullable().openapi({ description: "The last failure, until Redis answers again." }),
    uses: z.object({
      market_data: RedisUseCountersSchema,
      revocation: RedisUseCountersSchema,
      idempotency: RedisUseCountersSchema,
    }),
  })
  .openapi("RedisHealth", {
    description:
      "This isolate's view of Redis (ticker and top of book, revoked token families, idempotency records; not the rate limiter's), counted since the isolate started.",
  });

export const HealthSchema = z
  .object({
    status: z.literal("ok"),
    version: z.string().openapi({ example: "0.1.0" }),
    environment: z.string().openapi({ example: "production" }),
    redis: RedisHealthSchema,
  })
  .openapi("Health");

export const getTime = defineRoute({
  method: "get",
  path: "/time",
  operationId: "getTime",
  tags: ["system"],
  summary: "Server time",
  scope: "public",
  routeClass: "system",
  responses: { 200: json(TimeSchema, "The server's clock.") },
});

export const getHealth = defineRoute({
  method: "get",
  path: "/health",
  operationId: "getHealth",
  tags: ["system"],
  summary: "Health, version and environment",
  scope: "public",
  routeClass: "system",
  responses: { 200: json(HealthSchema, "The Worker is up.") },
});

export const ProbeSchema = z
  .object({
    component: z.string().openapi({
      description: "`postgres`, `redis`, `queue`, `feed`, `instrument-registry` or `book:<symbol>`.",
      example: "book:BTC-USD",
    }),
    status: z.enum(["ok", "failed", "not_configured"]),
    latency_ms: z.number().int().nonnegative(),
    detail: z.string().optional().openapi({ description: "Why it failed, or what it saw." }),
  })
  .openapi("Probe");

export const ReadinessSchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    failed: z.array(z.string()).openapi({ description: "The components that failed their probe." }),
    components: z.array(ProbeSchema),
    checked_at: z.string(),
  })
  .openapi("Readiness");

export const getReadiness = defineRoute({
  method: "get",
  path: "/health/ready",
  operationId: "getReadiness",
  tags: ["system"],
  summary: "Readiness: every dependency probed",
  description:
    "Probes Postgres, Redis, the event queue, a feed shard, the instrument registry and every listed book at once, " +
    "each within `READY_PROBE_TIMEOUT_MS` (default 2 s). 503 names the failed components. `GET /v1/health` is the cheap " +
    "liveness answer for load balancers.",
  scope: "admin",
  routeClass: "admin",
  responses: {
    200: json(ReadinessSchema, "Every configured dependency answered."),
    503: json(ReadinessSchema, "At least one dependency failed; `failed` names them."),
    ...problems(401, 403),
  },
});

export const getOpenApi = defineRoute({
  method: "get",
  path: "/openapi.json",
  operationId: "getOpenApiDocument",
  tags: ["system"],
  summary: "This OpenAPI 3.1 document",
  description: "Generated from the route contracts, which are also the request validation. Rendered at `/docs`.",
  scope: "public",
  routeClass: "system",
  responses: {
    200: json(z.record(z.string(), z.unknown()).openapi({ description: "An OpenAPI 3.1 document." }), "The document."),
  },
});
