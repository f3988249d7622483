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
    "(`RateLimiter.ping()` on an object named after the caller's account) and answers. It takes a JSON body " +
    "like an order's (parsed, not checked), so both carry the same bytes and the same parse.",
  scope: "trade",
  routeClass: "order_entry",
  request: {
    body: { required: false, content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } },
  },
  responses: { 200: json(BenchNoopSchema, "The object answered."), ...problems(401, 403, 404) },
});

export const StatementStatsSchema = z
  .object({
    text: z.string(),
    table: z.string(),
    slot: z.number().int(),
    calls: z.number().int(),
    rowsRead: z.number().int(),
    rowsWritten: z.number().int(),
  })
  .openapi("BenchStatementStats");

export const BenchSqlProfileSchema = z
  .object({ slots: z.number().int(), statements: z.array(StatementStatsSchema) })
  .openapi("BenchSqlProfile");

export const benchSqlProfile = defineRoute({
  method: "get",
  path: "/bench/sql",
  operationId: "benchSqlProfile",
  tags: ["system"],
  summary: "SQL statements run since the last reset (benchmark builds with SQL_PROFILE only)",
  description:
    "Every statement the edge and the objects of this isolate ran, with calls, rows read and written, " +
    "and its call site in the CPU profile (durable-objects/runtime/sql-profile.ts). Empty unless `SQL_PROFILE` is true.",
  scope: "admin",
  routeClass: "admin",
  responses: { 200: json(BenchSqlProfileSchema, "The statements."), ...problems(401, 403, 404) },
});

export const benchSqlReset = defineRoute({
  method: "post",
  path: "/bench/sql/reset",
  operationId: "benchSqlReset",
  tags: ["system"],
  summary: "Zero the SQL statement counts (benchmark builds only)",
  scope: "admin",
  routeClass: "admin",
  responses: { 200: json(z.object({ ok: z.literal(true) }), "Zeroed."), ...problems(401, 403, 404) },
});

export const benchBacklog = defineRoute({
  method: "post",
  path: "/bench/books/{symbol}/backlog",
  operationId: "benchBacklog",
  tags: ["system"],
  summary: "Fill a book's event log and outbox with a backlog of offline accounts (benchmark builds only)",
  description:
    "Appends `rows` synthetic events to the book's log and one outbox row each for `accounts` accounts " +
    "named `offline-<i>`, whose deliveries are then held back for an hour: the state after a long session " +
    "in which some accounts stopped taking their deliveries (durable-objects/order-book/bench-backlog.ts).",
  scope: "admin",
  routeClass: "admin",
  request: {
    params: z.object({ symbol: z.string().regex(/^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$/) }),
    body: {
      content: {
        "application/json": {
          schema: z.object({
            rows: z.number().int().min(1).max(1_000_000),
            accounts: z.number().int().min(1).max(100_000),
          }),
        },
      },
    },
  },
  responses: {
    200: json(z.object({ ok: z.boolean(), seq: z.number().int(), outbox: z.number().int() }), "The backlog is in."),
    ...problems(400, 401, 403, 404),
  },
});
