/**
 * Problem responses of authentication and authorization, in the same RFC 9457
 * shape as `problem.ts` (type `urn:platform3:problem:<code>`). 401s carry an
 * RFC 6750 `WWW-Authenticate` challenge; a stable `reason` says what failed.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Scope } from "../auth-context.ts";
import { PROBLEM_CONTENT_TYPE } from "../problem.ts";

export const AUTH_PROBLEM_CODES = {
  unauthorized: { status: 401, title: "Unauthorized" },
  missing_scope: { status: 403, title: "Missing Scope" },
  invalid_grant: { status: 400, title: "Invalid Grant" },
  api_key_not_found: { status: 404, title: "API Key Not Found" },
  account_exists: { status: 409, title: "Account Already Exists" },
  auth_not_configured: { status: 503, title: "Authentication Not Configured" },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type AuthProblemCode = keyof typeof AUTH_PROBLEM_CODES;

/** The realm of every challenge. */
export const REALM = "platform3";

/** RFC 6750 §3.1 error codes of the challenge. */
export type BearerError = "invalid_request" | "invalid_token" | "insufficient_scope";

export function authProblem(
  code: AuthProblemCode,
  detail: string,
  init: { headers?: HeadersInit; extensions?: Record<string, unknown> } = {},
): HTTPException {
  const { status, title } = AUTH_PROBLEM_CODES[code];
  const body = { type: `urn:platform3:problem:${code}`, title, status, detail, code, ...init.extensions };
  const headers = new Headers(init.headers);
  headers.set("content-type", PROBLEM_CONTENT_TYPE);
  const res = new Response(JSON.stringify(body), { status, headers });
  return new HTTPException(status, { res, message: detail });
}

/**
 * 401 with `WWW-Authenticate: Bearer realm="platform3"`, plus `error` and
 * `error_description` when credentials were presented and refused (RFC 6750
 * omits them when there were none).
 */
export function unauthorized(
  detail: string,
  options: { error?: BearerError; reason?: string; scheme?: "Bearer" | "P3-Signature" } = {},
): HTTPException {
  const params = [`realm="${REALM}"`];
  if (options.error) params.push(`error="${options.error}"`, `error_description="${quoted(detail)}"`);
  // A refused signature is challenged as such; bearer tokens remain an option.
  const challenges =
    options.scheme === "P3-Signature"
      ? [`P3-Signature ${params.join(", ")}`, `Bearer realm="${REALM}"`]
      : [`Bearer ${params.join(", ")}`];
  return authProblem("unauthorized", detail, {
    headers: { "www-authenticate": challenges.join(", ") },
    extensions: options.reason ? { reason: options.reason } : {},
  });
}

/** 403 `missing_scope` naming the scope, with an `insufficient_scope` challenge. */
export function missingScope(scope: Scope, detail?: string): HTTPException {
  const text = detail ?? `This request needs the '${scope}' scope.`;
  return authProblem("missing_scope", text, {
    headers: {
      "www-authenticate": `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}", error_description="${quoted(text)}"`,
    },
    extensions: { scope },
  });
}

/** RFC 6750 §3: error_description is printable ASCII without `"` and `\\`. */
function quoted(text: string): string {
  return text
    .replace(/±/g, "+/-")
    .replace(/["\\]/g, "'")
    .replace(/[^\x20-\x7e]/g, "?");
}
