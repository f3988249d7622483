/**
 * Request validation with zod: a failure becomes a 400 problem whose detail
 * names each bad field and what it accepts. Never a 500, never a state change.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { problemException } from "./problem.ts";

/** Largest JSON body accepted by the routes that read one. */
export const MAX_BODY_BYTES = 256 * 1024;

/** Parses `input` or throws a 400 `invalid_request` naming the fields. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : where;
    return { field: path, message: issue.message };
  });
  const detail = issues.map((i) => `${i.field}: ${i.message}`).join("; ");
  throw problemException("invalid_request", `Invalid ${where}: ${detail}`, { extensions: { errors: issues } });
}

/** Reads a JSON body: 415 unless JSON, 413 when too large, 400 when malformed. */
export async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw problemException("unsupported_media_type", "Send the body as application/json.");
  }
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw tooLarge();
  try {
    return JSON.parse(text);
  } catch {
    throw problemException("bad_request", "The body is not valid JSON.");
  }
}

function tooLarge() {
  return problemException("payload_too_large", `The body is larger than ${MAX_BODY_BYTES} bytes.`);
}
