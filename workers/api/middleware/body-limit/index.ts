/**
 * Refuses request bodies larger than the limit with 413 `payload_too_large`
 * before any handler reads them (`hono/body-limit`: by `Content-Length`, or by
 * counting a streamed body). The limit is `MAX_BODY_BYTES` (default 256 KiB).
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import type { AppEnv } from "../../env.ts";
import { maxBodyBytes, tooLarge } from "../../validation.ts";

export interface BodyLimitOptions {
  /** A fixed limit in bytes instead of `MAX_BODY_BYTES` (validated now). */
  maxBytes?: number;
}

export function bodyLimit(options: BodyLimitOptions = {}): MiddlewareHandler<AppEnv> {
  if (options.maxBytes !== undefined && (!Number.isSafeInteger(options.maxBytes) || options.maxBytes <= 0)) {
    throw new Error(`bodyLimit(): maxBytes must be a positive integer, got ${options.maxBytes}.`);
  }
  const limiters = new Map<number, MiddlewareHandler>();
  const limiter = (maxSize: number) => {
    let l = limiters.get(maxSize);
    if (!l) {
      l = honoBodyLimit({
        maxSize,
        onError: () => {
          throw tooLarge(maxSize);
        },
      });
      limiters.set(maxSize, l);
    }
    return l;
  };
  return async (c, next) => {
    if (!c.req.raw.body) return next();
    return limiter(options.maxBytes ?? maxBodyBytes(c.env ?? {}))(c, next);
  };
}
