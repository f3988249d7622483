/**
 * The API's own description: `GET /v1/openapi.json` (OpenAPI 3.1, generated
 * from the app's route contracts), `GET /docs` (Scalar's reference, which
 * renders it, from the pinned bundle on this origin: ../docs-page/) and
 * `GET /docs/asyncapi` (the feed's AsyncAPI document as a list). See
 * `define.ts` for how routes declare scope and route class.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { randomHex } from "../../../shared/trace/traceparent.ts";
import type { AsyncApiOptions } from "../asyncapi/document.ts";
import { asyncApiPage, docsPolicy, referencePage } from "../docs-page/index.ts";
import type { AppEnv } from "../env.ts";
import { getOpenApi } from "./contracts/system.ts";
import { API_PREFIX, type DocumentOptions, openApiDocument } from "./document.ts";
import { createRouter } from "./router.ts";

export { API_CONTRACTS, API_PREFIX, contractDocument, openApiDocument } from "./document.ts";

/** Where the reference is served. */
export const DOCS_PATH = "/docs";

/**
 * Serves the document at `/v1/openapi.json`, the reference at `/docs` and the
 * AsyncAPI page at `/docs/asyncapi`. The
 * document covers every route registered in `app` by the time it is asked for.
 */
export function mountDocs(app: OpenAPIHono<AppEnv>): void {
  const documents = new Map<string, ReturnType<typeof openApiDocument>>();
  const router = createRouter();
  router.openapi(getOpenApi, (c) => {
    const options: DocumentOptions = {
      version: c.env.API_VERSION,
      environment: c.env.ENVIRONMENT,
      serverUrl: new URL(c.req.url).origin,
      oidcIssuer: c.env.OIDC_ISSUER,
    };
    const key = JSON.stringify(options);
    let doc = documents.get(key);
    if (!doc) {
      if (documents.size >= 16) documents.clear();
      doc = openApiDocument(app, options);
      documents.set(key, doc);
    }
    return c.json(doc as unknown as Record<string, unknown>, 200);
  });
  app.route(API_PREFIX, router);
  app.get(DOCS_PATH, (c) => {
    const nonce = randomHex(16);
    return docsResponse(c, nonce, referencePage(nonce));
  });
  app.get(`${DOCS_PATH}/asyncapi`, (c) => {
    const nonce = randomHex(16);
    const options: AsyncApiOptions = {
      version: c.env.API_VERSION,
      environment: c.env.ENVIRONMENT,
      serverUrl: new URL(c.req.url).origin,
    };
    return docsResponse(c, nonce, asyncApiPage(options));
  });
}

/** A docs page under its own Content-Security-Policy (kept by `secure()`), never cached: its nonce is one response's. */
function docsResponse(c: Context<AppEnv>, nonce: string, html: string): Response {
  c.header("content-security-policy", docsPolicy(nonce));
  c.header("cache-control", "no-store");
  return c.html(html);
}
