/**
 * The problem behind an error an operation threw, for adapters that do not
 * answer with HTTP responses (GraphQL, Connect): its stable `code`, `status`,
 * `detail`, extensions and the headers it came with (`Retry-After`, …).
 * Operations throw `problemException` (an HTTPException carrying a complete
 * problem+json response); anything else is an internal error.
 */
import { HTTPException } from "hono/http-exception";
import { isErrorCode } from "../../../shared/errors/codes.ts";
import type { Problem } from "../problem.ts";

export interface RaisedProblem {
  problem: Problem;
  headers: Record<string, string>;
}

/** The problem `err` carries, or undefined when it is not one (a bug, an unanswered call: internal). */
export async function problemOf(err: unknown): Promise<RaisedProblem | undefined> {
  if (!(err instanceof HTTPException) || !err.res) return undefined;
  const res = err.getResponse();
  let body: unknown;
  try {
    body = await res.clone().json();
  } catch {
    return undefined;
  }
  const code = (body as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !isErrorCode(code)) return undefined;
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name !== "content-type") headers[name] = value;
  });
  return { problem: body as Problem, headers };
}
