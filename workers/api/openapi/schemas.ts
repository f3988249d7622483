/**
 * Schemas shared by the route contracts: problem details, the headers every
 * response carries, and response helpers. Pure (no runtime bindings).
 */
import { z } from "@hono/zod-openapi";
import { ERROR_CODES, PROBLEM_CONTENT_TYPE } from "../problem.ts";

/** RFC 9457 problem details with the stable `code` clients branch on. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "urn:platform3:problem:invalid_request" }),
    title: z.string().openapi({ example: "Invalid Request" }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: "Invalid query: depth: depth must be at most 1000" }),
    code: z.string().openapi({ description: "Stable error code.", example: "invalid_request" }),
    instance: z.string().optional().openapi({ description: "The request path." }),
    request_id: z.string().optional().openapi({ description: "On 500: the request id to quote to support." }),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: "On invalid_request: each bad field and what it accepts." }),
  })
  .openapi("Problem", {
    description: `Problem details (RFC 9457). Codes: ${Object.keys(ERROR_CODES).join(", ")}.`,
  });

/** Headers on every response (see the observability middleware). */
export const COMMON_HEADERS = {
  "X-Request-Id": {
    description: "The request id: the caller's own when valid (8–128 of A–Z a–z 0–9 . _ -), else generated.",
    schema: { type: "string" as const },
  },
  traceparent: {
    description: "W3C trace context of this request's span (continues a valid incoming traceparent).",
    schema: { type: "string" as const },
  },
  "X-Trading-Session": {
    description: "FX sessions open now, comma-separated (sydney, tokyo, london, new_york), or none.",
    schema: { type: "string" as const },
  },
};

/** A JSON response of `schema`. */
export function json<S extends z.ZodType>(schema: S, description: string) {
  return { description, headers: COMMON_HEADERS, content: { "application/json": { schema } } };
}

type ProblemResponse = ReturnType<typeof problemResponseConfig>;

function problemResponseConfig(description: string) {
  return { description, headers: COMMON_HEADERS, content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } } };
}

const DESCRIPTIONS: Record<number, string> = {
  400: "Malformed JSON (bad_request) or invalid parameters (invalid_request, naming each field).",
  401: "Missing or invalid credentials (unauthorized).",
  403: "The credential lacks the required scope (missing_scope).",
  404: "Not found (instrument_not_found, not_found).",
  409: "Conflicts with the current state.",
  413: "The body is larger than the limit (payload_too_large).",
  415: "The body is not application/json (unsupported_media_type).",
  426: "A WebSocket upgrade is required (upgrade_required).",
  429: "A rate limit refused the request (rate_limited, naming the limit: the edge's per IP or key, or the account's order budget); Retry-After says when to retry.",
  503: "Temporarily unavailable.",
};

/** Problem responses for `statuses`, e.g. `...problems(400, 404)`. */
export function problems<const S extends readonly number[]>(...statuses: S): { [K in S[number]]: ProblemResponse } {
  const out: Record<number, ProblemResponse> = {};
  for (const status of statuses) out[status] = problemResponseConfig(DESCRIPTIONS[status] ?? "Problem details.");
  return out as { [K in S[number]]: ProblemResponse };
}

/** A path parameter naming an instrument. */
export const SymbolParams = z.object({
  symbol: z
    .string()
    .min(1)
    .max(25)
    .openapi({ param: { name: "symbol", in: "path" }, example: "BTC-USD", description: "Instrument symbol." }),
});
