/**
 * RFC 9457 problem details (`application/problem+json`) with stable, machine-readable codes.
 * Clients branch on `code`; `title` is fixed per code; `detail` is human-readable and may change.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Headers in any form `new Headers()` takes (`HeadersInit`, spelled so that Node's types have it too). */
type HeadersLike = ConstructorParameters<typeof Headers>[0];

/** Stable error codes. Never rename one; add new ones instead. */
export const PROBLEM_CODES = {
  bad_request: { status: 400, title: "Bad Request" },
  invalid_request: { status: 400, title: "Invalid Request" },
  invalid_order: { status: 400, title: "Invalid Order" },
  unauthorized: { status: 401, title: "Unauthorized" },
  not_found: { status: 404, title: "Not Found" },
  instrument_not_found: { status: 404, title: "Instrument Not Found" },
  account_not_found: { status: 404, title: "Account Not Found" },
  order_not_found: { status: 404, title: "Order Not Found" },
  request_not_found: { status: 404, title: "Request Not Found" },
  method_not_allowed: { status: 405, title: "Method Not Allowed" },
  instrument_exists: { status: 409, title: "Instrument Already Listed" },
  instrument_conflict: { status: 409, title: "Instrument Change Refused" },
  insufficient_available: { status: 409, title: "Insufficient Available Balance" },
  reference_conflict: { status: 409, title: "Reference Already Used" },
  order_not_open: { status: 409, title: "Order Not Open" },
  client_order_id_conflict: { status: 409, title: "Client Order Id Already Used" },
  cancel_rejected: { status: 409, title: "Cancel Rejected" },
  payload_too_large: { status: 413, title: "Payload Too Large" },
  unsupported_media_type: { status: 415, title: "Unsupported Media Type" },
  idempotency_key_reused: { status: 422, title: "Idempotency Key Reused" },
  order_rejected: { status: 422, title: "Order Rejected" },
  amend_rejected: { status: 422, title: "Amend Rejected" },
  upgrade_required: { status: 426, title: "Upgrade Required" },
  rate_limited: { status: 429, title: "Too Many Requests" },
  internal_error: { status: 500, title: "Internal Server Error" },
  operator_disabled: { status: 503, title: "Operator Routes Disabled" },
  feed_capacity: { status: 503, title: "Feed At Capacity" },
  order_status_unknown: { status: 503, title: "Order Status Unknown" },
  history_unavailable: { status: 503, title: "History Unavailable" },
  object_unavailable: { status: 503, title: "Object Unavailable" },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  instance?: string;
  [extension: string]: unknown;
}

/** Non-resolvable but stable problem type URI per code (RFC 9457 §3.1.1). */
export function problemType(code: ProblemCode): string {
  return `urn:platform3:problem:${code}`;
}

export function problemBody(code: ProblemCode, detail: string, extensions: Record<string, unknown> = {}): Problem {
  const { status, title } = PROBLEM_CODES[code];
  return { type: problemType(code), title, status, detail, code, ...extensions };
}

/** Builds a problem+json response. */
export function problemResponse(
  code: ProblemCode,
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
  code: ProblemCode,
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
  code: ProblemCode,
  detail: string,
  init: { headers?: HeadersLike; extensions?: Record<string, unknown> } = {},
): HTTPException {
  const res = problemResponse(code, detail, init);
  return new HTTPException(PROBLEM_CODES[code].status, { res, message: detail });
}
