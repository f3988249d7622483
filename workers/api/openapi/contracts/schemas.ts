/**
 * Contract of `GET /v1/schemas` (public, route class `system`): the event schema registry
 * (shared/events/registry.ts) as JSON Schema, one entry per type and version.
 */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../define.ts";
import { json, problems } from "../schemas.ts";

export const EventSchemaEntry = z
  .object({
    schema: z.string().openapi({ description: "`<stream>.<type>`.", example: "book.trade" }),
    version: z.number().int().openapi({ description: "Counts from 1; envelopes carry it as `version`.", example: 1 }),
    type: z.string().openapi({ description: "The envelope's `type`.", example: "trade" }),
    stream: z.enum(["book", "account"]).openapi({ description: "The envelope's `stream`." }),
    json_schema: z
      .record(z.string(), z.unknown())
      .openapi({ description: "JSON Schema (draft 2020-12) of the envelope's `body`." }),
  })
  .openapi("EventSchema");

export const EventSchemaList = z.array(EventSchemaEntry).openapi("EventSchemaList");

export const listEventSchemas = defineRoute({
  method: "get",
  path: "/schemas",
  operationId: "listEventSchemas",
  tags: ["system"],
  summary: "The event schemas: one JSON Schema per event type and version",
  description:
    "Every event the books and accounts stream (the Queue, Postgres `journal`, Kafka) travels in an envelope " +
    "`{stream, key, seq, at, type, schema, version, body}`; this lists each `schema` and `version` with the JSON " +
    "Schema of its `body`, sorted by schema then version. Released versions only ever change compatibly " +
    "(docs/events.md). The same documents are in the repository's docs/events/.",
  scope: "public",
  routeClass: "system",
  responses: { 200: json(EventSchemaList, "Every type and version."), ...problems(400) },
});

export const SCHEMA_CONTRACTS = [listEventSchemas] as const;
