/**
 * The API's own description: `GET /v1/openapi.json` (OpenAPI 3.1, generated
 * from the app's route contracts) and `GET /docs` (Scalar's reference, which
 * renders it). See `define.ts` for how routes declare scope and route class.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { MiddlewareHandler } from "hono";
import { randomHex } from "../../../shared/trace/traceparent.ts";
import type { AppEnv } from "../env.ts";
import { getOpenApi } from "./contracts/system.ts";
import { API_PREFIX, type DocumentOptions, openApiDocument } from "./document.ts";
import { createRouter } from "./router.ts";

export { API_CONTRACTS, API_PREFIX, contractDocument, openApiDocument } from "./document.ts";

/** Where the reference is served. */
export const DOCS_PATH = "/docs";

const SCALAR_CDN = "https://cdn.jsdelivr.net";

/**
 * Serves the document at `/v1/openapi.json` and the reference at `/docs`. The
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
  app.get(
    DOCS_PATH,
    docsPolicy(),
    Scalar<AppEnv>((c) => ({
      url: `${API_PREFIX}/openapi.json`,
      pageTitle: "Platform3 Edge API",
      nonce: nonces.get(c.req.raw),
    })),
  );
}

/** Script nonces of the docs requests in flight. */
const nonces = new WeakMap<Request, string>();

/** A per-request nonce and a Content-Security-Policy that lets the reference's scripts and styles load. */
function docsPolicy(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const nonce = randomHex(16);
    nonces.set(c.req.raw, nonce);
    await next();
    c.res.headers.set(
      "content-security-policy",
      [
        "default-src 'none'",
        `script-src 'nonce-${nonce}' ${SCALAR_CDN}`,
        `style-src 'self' 'unsafe-inline' ${SCALAR_CDN} https://fonts.scalar.com`,
        `font-src 'self' data: ${SCALAR_CDN} https://fonts.scalar.com`,
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
      ].join("; "),
    );
  };
}
