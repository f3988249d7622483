/**
 * The registry as JSON Schema (draft 2020-12, from zod's `z.toJSONSchema`): what
 * `GET /v1/schemas` answers, what `docs/events/` holds and what the compatibility check
 * compares with the released snapshot (released.json).
 */
import { z } from "zod";
import { EVENT_REGISTRY, type EventRegistry, type EventSchema } from "./registry.ts";

/** A JSON Schema document (a plain JSON object). */
export type JsonSchema = { [key: string]: unknown };

/** One type and version as published. */
export interface PublishedSchema {
  schema: string;
  version: number;
  type: string;
  stream: string;
  json_schema: JsonSchema;
}

/** The JSON Schema of one version's body, with an `$id` naming it. */
export function bodyJsonSchema(entry: EventSchema): JsonSchema {
  const generated = z.toJSONSchema(entry.body, { target: "draft-2020-12", io: "input" }) as JsonSchema;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: `urn:platform3:event:${entry.schema}:v${entry.version}`,
    title: `${entry.schema} v${entry.version}`,
    ...rest,
  };
}

/** Every type and version of `registry`, by schema name then version. */
export function publishedSchemas(registry: EventRegistry = EVENT_REGISTRY): PublishedSchema[] {
  return registry.entries().map((entry) => ({
    schema: entry.schema,
    version: entry.version,
    type: entry.type,
    stream: entry.stream,
    json_schema: bodyJsonSchema(entry),
  }));
}
