/**
 * `GET /v1/asyncapi.json` (public): the AsyncAPI 3.0 document of the WebSocket feed
 * (workers/api/asyncapi/), for the origin asked and this release, built once per
 * isolate and origin as `/v1/openapi.json` is.
 */
import { type AsyncApiOptions, asyncApiDocument, type Json } from "../asyncapi/document.ts";
import { getAsyncApi } from "../openapi/contracts/asyncapi.ts";
import { createRouter } from "../openapi/router.ts";

export const asyncapi = createRouter();

const documents = new Map<string, Json>();

asyncapi.openapi(getAsyncApi, (c) => {
  const options: AsyncApiOptions = {
    version: c.env.API_VERSION,
    environment: c.env.ENVIRONMENT,
    serverUrl: new URL(c.req.url).origin,
  };
  const key = JSON.stringify(options);
  let doc = documents.get(key);
  if (!doc) {
    if (documents.size >= 16) documents.clear();
    doc = asyncApiDocument(options);
    documents.set(key, doc);
  }
  return c.json(doc, 200);
});
