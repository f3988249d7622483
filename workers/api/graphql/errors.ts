/**
 * GraphQL errors carry the REST problem: `extensions.code` is the problem's
 * stable code, `extensions.status` the HTTP status REST answers it with, and
 * the problem's other members (`errors`, `reason`, `order`, `retry_after` …)
 * sit beside them. Errors GraphQL itself raises before running anything
 * (syntax, validation, the limits of limits.ts) are `invalid_request` (400);
 * anything unexpected is `internal_error` (500) without internals, logged
 * with the request id.
 */
import { GraphQLError } from "graphql";
import { ERROR_CODES, type ErrorCode, isErrorCode } from "../../../shared/errors/codes.ts";
import { problemOf } from "../operations/errors.ts";
import type { ServerPlugin } from "./yoga.js";

/** Problem members that are not extensions (the message is `detail`). */
const NOT_EXTENSIONS = new Set(["type", "title", "status", "detail", "code", "instance"]);

/** A GraphQL error of `code`; `http` (stripped from the answer) sets the response's status or headers. */
export function graphqlError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
  http?: { status?: number; headers?: Record<string, string> },
): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code, status: ERROR_CODES[code].status, ...extensions, ...(http ? { http } : {}) },
  });
}

/**
 * The GraphQL error of anything a resolver threw: an operation's problem keeps its code,
 * status and extensions (and its `Retry-After`, as a response header); anything else is
 * logged and answered `internal_error`.
 */
export async function resolverError(err: unknown, requestId: string | undefined): Promise<GraphQLError> {
  if (err instanceof GraphQLError) return err;
  const raised = await problemOf(err);
  if (raised) {
    const { problem, headers } = raised;
    const extensions: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(problem)) if (!NOT_EXTENSIONS.has(k)) extensions[k] = v;
    const retryAfter = headers["retry-after"];
    return graphqlError(
      problem.code,
      problem.detail,
      extensions,
      retryAfter ? { headers: { "retry-after": retryAfter } } : undefined,
    );
  }
  console.error(
    JSON.stringify({
      level: "error",
      msg: "graphql resolver failed",
      request_id: requestId ?? null,
      error: String(err),
      stack: err instanceof Error ? err.stack : undefined,
    }),
  );
  const detail = requestId
    ? `An unexpected error occurred; quote request id ${requestId} to support.`
    : "An unexpected error occurred.";
  return graphqlError("internal_error", detail, requestId ? { request_id: requestId } : {});
}

/** The code of a GraphQL error raised before execution, from the HTTP status yoga gave it. */
function codeOfStatus(status: number | undefined): ErrorCode {
  if (status === 405) return "method_not_allowed";
  if (status === 413) return "payload_too_large";
  if (status === 415) return "unsupported_media_type";
  return "invalid_request";
}

/**
 * Every error with a catalogue code and status (yoga's and graphql-js's own errors have
 * none); an error raised before execution keeps the 4xx status yoga chose.
 */
export function codedErrors(errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.map((error) => {
    const code = error.extensions?.code;
    if (typeof code === "string" && isErrorCode(code)) return error;
    const like = { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path };
    // During execution (a field's path) or masked by yoga: a server fault, the other fields still answer.
    if (error.path !== undefined || error.extensions?.unexpected) {
      const { unexpected: _u, ...rest } = error.extensions ?? {};
      return new GraphQLError(error.message, {
        ...like,
        extensions: { ...rest, code: "internal_error", status: ERROR_CODES.internal_error.status },
      });
    }
    const http = error.extensions?.http as { status?: number } | undefined;
    const status = http?.status !== undefined && http.status >= 400 && http.status < 500 ? http.status : 400;
    const mapped = codeOfStatus(status);
    return new GraphQLError(error.message, {
      ...like,
      extensions: { ...error.extensions, code: mapped, status: ERROR_CODES[mapped].status, http: { status } },
    });
  });
}

/** Gives every error of a result its catalogue code and status (codedErrors). */
export function problemCodes(): ServerPlugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !("errors" in result) || !result.errors?.length) return;
      setResult({ ...result, errors: codedErrors(result.errors) });
    },
  };
}
