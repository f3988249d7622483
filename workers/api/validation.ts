/**
 * Request validation with zod: a failure becomes a 400 problem whose detail
 * names each bad field and what it accepts. Never a 500, never a state change.
 */
import type { HTTPException } from "hono/http-exception";
import type { z } from "zod";
import { problemException, problemResponse } from "./problem.ts";

/** Default largest body (256 KiB); `MAX_BODY_BYTES` in the environment overrides it (see `maxBodyBytes`). */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * The body limit from `env.MAX_BODY_BYTES` (bytes), else {@link MAX_BODY_BYTES}.
 *
 * @throws Error naming the variable when it is set but not a positive integer.
 */
export function maxBodyBytes(env: { MAX_BODY_BYTES?: string }): number {
  const text = env.MAX_BODY_BYTES;
  if (text === undefined || text.trim() === "") return MAX_BODY_BYTES;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new Error(`MAX_BODY_BYTES="${text}" is not a positive integer: fix it in wrangler.toml [vars].`);
  }
  return n;
}

/** One bad field of a request: where it is (`depth`, `commands.0.price`) and what it accepts. */
export interface FieldError {
  field: string;
  message: string;
}

/** Where a validation target sits in the request, as problem details name it. */
const PLACES: Record<string, string> = { json: "body", form: "body", query: "query", param: "path", header: "headers" };

/**
 * The 400 `invalid_request` problem for a failed zod parse of `where` (`body`,
 * `query`, `path`, or a validation target such as `json`): the detail names
 * each bad field and what it accepts, `errors` lists them.
 */
export function invalidRequest(error: z.ZodError, where: string, instance?: string): Response {
  const place = PLACES[where] ?? where;
  const errors: FieldError[] = error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join(".") : place,
    message: issue.message,
  }));
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  const extensions = instance === undefined ? { errors } : { instance, errors };
  return problemResponse("invalid_request", `Invalid ${place}: ${detail}`, { extensions });
}

/** 413 `payload_too_large` naming the limit. */
export function tooLarge(limit: number): HTTPException {
  return problemException("payload_too_large", `The body is larger than the limit of ${limit} bytes.`);
}
