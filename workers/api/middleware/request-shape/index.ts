/**
 * The request is what its route declares, before any handler reads it:
 * - a query parameter the route does not declare, or one given twice, is a 400
 *   `invalid_request` naming it (a typo in `?instrument=` must not widen a cancel);
 * - a body on a route that takes none (DELETE, GET) is a 400 `body_not_allowed`
 *   (`DELETE /v1/orders` takes its filter in the query, never from a body);
 * - a body whose `Content-Encoding` is not identity, or whose `Content-Type` names a
 *   charset other than UTF-8, is a 415 `unsupported_media_type`: bodies are read as
 *   plain UTF-8 JSON and are refused rather than misread.
 * Undeclared routes (docs, 404s) are left to their handlers.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env.ts";
import type { DeclaredRoute } from "../../openapi/define.ts";
import { problem } from "../../problem.ts";

export function requestShape(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const route = c.get("route");
    if (!route) return next();
    const query = unexpectedQuery(route, new URL(c.req.url).searchParams);
    if (query) {
      return problem(c, "invalid_request", `Invalid query: ${query.field}: ${query.message}`, {
        extensions: { errors: [query] },
      });
    }
    if (!hasBody(c.req.raw)) return next();
    if (!route.body) {
      const detail = `${route.method} ${route.path} takes no body${route.query.length > 0 ? ` (its parameters go in the query: ${route.query.join(", ")})` : ""}; send it without one.`;
      return problem(c, "body_not_allowed", detail);
    }
    const media = unacceptableMedia(c.req.raw.headers);
    if (media) return problem(c, "unsupported_media_type", media);
    return next();
  };
}

/** The first query parameter the route does not take, or takes once only but got twice. */
function unexpectedQuery(
  route: DeclaredRoute,
  params: URLSearchParams,
): { field: string; message: string } | undefined {
  const seen = new Set<string>();
  for (const key of params.keys()) {
    if (!route.query.includes(key)) {
      const known = route.query.length > 0 ? `; it takes ${route.query.join(", ")}` : "; it takes none";
      return { field: key, message: `is not a query parameter of ${route.method} ${route.path}${known}` };
    }
    if (seen.has(key)) return { field: key, message: "is given more than once" };
    seen.add(key);
  }
  return undefined;
}

/** A body is there when the request says so: a non-zero Content-Length, or a chunked one. */
function hasBody(request: Request): boolean {
  if (request.body === null) return false;
  const length = request.headers.get("content-length");
  if (length !== null) return length.trim() !== "0";
  return request.headers.has("transfer-encoding");
}

/** Why the body's headers say it is not plain UTF-8 JSON text, if they do. */
function unacceptableMedia(headers: Headers): string | undefined {
  const encoding = headers.get("content-encoding");
  if (encoding !== null && encoding.trim().toLowerCase() !== "identity") {
    return `Content-Encoding ${encoding} is not accepted: send the body uncompressed.`;
  }
  const type = headers.get("content-type");
  const charset = type === null ? undefined : /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(type)?.[1];
  if (charset !== undefined && charset.toLowerCase() !== "utf-8") {
    return `charset=${charset} is not accepted: send the body as UTF-8 (application/json; charset=utf-8).`;
  }
  return undefined;
}
