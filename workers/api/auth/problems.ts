/**
 * The challenges of authentication and authorization: problem responses (problem.ts)
 * whose 401s and 403s carry an RFC 6750 `WWW-Authenticate` header; a stable `reason`
 * says what failed, and counts it (`p3_auth_failures_total{reason}`, metrics/edge.ts).
 */
import type { HTTPException } from "hono/http-exception";
import type { Scope } from "../../../shared/auth/scopes.ts";
import { countAuthFailure } from "../metrics/edge.ts";
import { problemException } from "../problem.ts";

/** The realm of every challenge. */
export const REALM = "platform3";

/** RFC 6750 §3.1 error codes of the challenge. */
export type BearerError = "invalid_request" | "invalid_token" | "insufficient_scope";

/**
 * 401 with `WWW-Authenticate: Bearer realm="platform3"`, plus `error` and
 * `error_description` when credentials were presented and refused (RFC 6750
 * omits them when there were none).
 */
export function unauthorized(
  detail: string,
  options: { error?: BearerError; reason?: string; scheme?: "Bearer" | "P3-Signature" } = {},
): HTTPException {
  // Every refusal is counted by its reason (p3_auth_failures_total); none given: no credentials at all.
  countAuthFailure(options.reason ?? "missing_credentials");
  const params = [`realm="${REALM}"`];
  if (options.error) params.push(`error="${options.error}"`, `error_description="${quoted(detail)}"`);
  // A refused signature is challenged as such; bearer tokens remain an option.
  const challenges =
    options.scheme === "P3-Signature"
      ? [`P3-Signature ${params.join(", ")}`, `Bearer realm="${REALM}"`]
      : [`Bearer ${params.join(", ")}`];
  return problemException("unauthorized", detail, {
    headers: { "www-authenticate": challenges.join(", ") },
    extensions: options.reason ? { reason: options.reason } : {},
  });
}

/** 403 `missing_scope` naming the scope, with an `insufficient_scope` challenge. */
export function missingScope(scope: Scope, detail?: string): HTTPException {
  countAuthFailure("missing_scope");
  const text = detail ?? `This request needs the '${scope}' scope.`;
  return problemException("missing_scope", text, {
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
