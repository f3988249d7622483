/**
 * `X-Request-Id` on every request and response: the caller's own id when it is
 * valid (8–128 of `A–Z a–z 0–9 . _ -`), else a fresh UUID. Handlers read it as
 * `c.get("requestId")`; logs and 500 problems carry it.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env.ts";

export const REQUEST_ID_HEADER = "X-Request-Id";

const VALID_ID = /^[A-Za-z0-9._-]{8,128}$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** True for an id this API accepts from a caller. */
export function isValidRequestId(id: string): boolean {
  return VALID_ID.test(id);
}

export interface RequestIdOptions {
  /** Header to read and write (default `X-Request-Id`). */
  header?: string;
  /** Makes a new id (default `crypto.randomUUID()`); its ids must be valid too. */
  generate?: () => string;
}

export function requestId(options: RequestIdOptions = {}): MiddlewareHandler<AppEnv> {
  const header = options.header ?? REQUEST_ID_HEADER;
  if (!HEADER_NAME.test(header)) throw new Error(`requestId(): ${JSON.stringify(header)} is not a header name.`);
  const generate = options.generate ?? (() => crypto.randomUUID());
  return async (c, next) => {
    const incoming = c.req.header(header);
    let id = incoming !== undefined && isValidRequestId(incoming) ? incoming : generate();
    if (!isValidRequestId(id)) id = crypto.randomUUID();
    c.set("requestId", id);
    await next();
    c.res.headers.set(header, id);
  };
}
