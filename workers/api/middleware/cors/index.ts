/**
 * CORS for an allowlist of origins from `CORS_ORIGINS` (comma-separated, e.g.
 * `https://app.example.com,https://admin.example.com`). Requests from other
 * origins, and every request when the list is empty, get no CORS headers at
 * all. Preflights from allowed origins are answered here (204).
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../../env.ts";

/** Headers browsers may read from our responses. */
export const EXPOSED_HEADERS = [
  "X-Request-Id",
  "traceparent",
  "X-Trading-Session",
  "X-Cache",
  "X-Data-Source",
  "X-Data-As-Of",
  "X-Data-Age-Ms",
  "X-Data-Stale",
  "RateLimit",
  "RateLimit-Policy",
  "RateLimit-Limit",
  "RateLimit-Remaining",
  "RateLimit-Reset",
  "Retry-After",
  "Location",
];

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

/**
 * The origins of a `CORS_ORIGINS` value.
 *
 * @throws Error naming the bad entry (an origin is `scheme://host[:port]`, no path or trailing slash).
 */
export function parseOrigins(value: string | undefined): Set<string> {
  const origins = new Set<string>();
  for (const entry of (value ?? "").split(",")) {
    const origin = entry.trim();
    if (origin === "") continue;
    if (!ORIGIN.test(origin)) {
      throw new Error(`CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin like https://app.example.com.`);
    }
    origins.add(origin.toLowerCase());
  }
  return origins;
}

export interface CorsOptions {
  /** A fixed allowlist instead of `CORS_ORIGINS` (validated now). */
  origins?: readonly string[];
  /** Preflight cache, seconds (default 600). */
  maxAge?: number;
}

export function corsAllowlist(options: CorsOptions = {}): MiddlewareHandler<AppEnv> {
  const fixed = options.origins ? parseOrigins(options.origins.join(",")) : undefined;
  const maxAge = options.maxAge ?? 600;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw new Error(`corsAllowlist(): maxAge must be seconds ≥ 0.`);
  const handler = cors({
    origin: (origin) => origin,
    allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge,
  });
  let parsed: { from: string | undefined; origins: Set<string> } | undefined;
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (!origin) return next();
    if (!fixed && parsed?.from !== c.env.CORS_ORIGINS) {
      parsed = { from: c.env.CORS_ORIGINS, origins: parseOrigins(c.env.CORS_ORIGINS) };
    }
    const allowed = fixed ?? parsed?.origins;
    if (!allowed?.has(origin.toLowerCase())) return next();
    return handler(c, next);
  };
}
