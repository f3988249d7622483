/**
 * RFC 9457 problem details (`application/problem+json`) with stable, machine-readable codes.
 * Clients branch on `code` (the catalogue: shared/errors/codes.ts); `title` is fixed per code;
 * `detail` is human-readable and may change.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ERROR_CODES, type ErrorCode } from "../../shared/errors/codes.ts";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Headers in any form `new Headers()` takes (`HeadersInit`, spelled so that Node's types have it too). */
type HeadersLike = ConstructorParameters<typeof Headers>[0];

export { ERROR_CODES, type ErrorCode } from "../../shared/errors/codes.ts";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  [extension: string]: unknown;
}

/** Non-resolvable but stable problem type URI per code (RFC 9457 §3.1.1). */
export function problemType(code: ErrorCode): string {
  return `urn:platform3:problem:${code}`;
}

export function problemBody(code: ErrorCode, detail: string, extensions: Record<string, unknown> = {}): Problem {
  const { status, title } = ERROR_CODES[code];
  return { type: problemType(code), title, status, detail, code, ...extensions };
}

/** Builds a problem+json response. */
export function problemResponse(
  code: ErrorCode,
  detail: string,
  init: { headers?: HeadersLike; extensions?: Record<string, unknown> } = {},
): Response {
  const body = problemBody(code, detail, init.extensions);
  const headers = new Headers(init.headers);
  headers.set("content-type", PROBLEM_CONTENT_TYPE);
  return new Response(JSON.stringify(body), { status: body.status, headers });
}

/** Problem response for a Hono handler; `instance` is the request path. */
export function problem(
  c: Context,
  code: ErrorCode,
  detail: string,
  init: { headers?: HeadersLike; extensions?: Record<string, unknown> } = {},
): Response {
  return problemResponse(code, detail, {
    ...init,
    extensions: { instance: c.req.path, ...init.extensions },
  });
}

/**
 * An `HTTPException` carrying a complete problem response; throw it from any
 * handler or middleware and the app's error handler returns it unchanged.
 */
export function problemException(
  code: ErrorCode,
  detail: string,
  init: { headers?: HeadersLike; extensions?: Record<string, unknown> } = {},
): HTTPException {
  const res = problemResponse(code, detail, init);
  return new HTTPException(ERROR_CODES[code].status as ContentfulStatusCode, { res, message: detail });
}
