/** Contracts of the system routes: clock, health and this document. */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../define.ts";
import { json } from "../schemas.ts";

export const TimeSchema = z
  .object({
    iso: z
      .string()
      .openapi({ description: "RFC 3339 UTC timestamp, millisecond precision.", example: "2026-03-09T13:30:00.000Z" }),
    epoch_ms: z.number().int().openapi({ example: 1773063000000 }),
  })
  .openapi("Time");

export const HealthSchema = z
  .object({
    status: z.literal("ok"),
    version: z.string().openapi({ example: "0.1.0" }),
    environment: z.string().openapi({ example: "production" }),
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
