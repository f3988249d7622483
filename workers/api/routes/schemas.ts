/**
 * `GET /v1/schemas` (public): the event schema registry as JSON Schema, one entry per type
 * and version (shared/events/json-schema.ts), built once per isolate.
 */
import { type PublishedSchema, publishedSchemas } from "../../../shared/events/json-schema.ts";
import { listEventSchemas } from "../openapi/contracts/schemas.ts";
import { createRouter } from "../openapi/router.ts";

export const schemas = createRouter();

let published: PublishedSchema[] | undefined;

schemas.openapi(listEventSchemas, (c) => {
  published ??= publishedSchemas();
  c.header("cache-control", "public, max-age=300");
  return c.json(published as never, 200);
});
