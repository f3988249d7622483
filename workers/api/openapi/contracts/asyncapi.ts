/** Contract of `GET /v1/asyncapi.json` (public, route class `system`): the feed socket's AsyncAPI 3.0 document. */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../define.ts";
import { json } from "../schemas.ts";

export const getAsyncApi = defineRoute({
  method: "get",
  path: "/asyncapi.json",
  operationId: "getAsyncApiDocument",
  tags: ["system"],
  summary: "The AsyncAPI 3.0 document of the WebSocket feed",
  description:
    "`GET /v1/ws` described in AsyncAPI 3.0: every client method with its request and reply, every message the " +
    "server sends, the close codes (`x-close-codes`) and the upgrade's query and headers (ws bindings). Payload " +
    "schemas are generated from the zod schemas the feed validates with. See docs/asyncapi.md.",
  scope: "public",
  routeClass: "system",
  responses: {
    200: json(z.record(z.string(), z.unknown()).openapi({ description: "An AsyncAPI 3.0 document." }), "The document."),
  },
});
