/**
 * Guards operator routes with a bearer token (`OPERATOR_TOKEN`) until scoped
 * authentication lands. Without a configured token the routes are disabled (503).
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env.ts";
import { problemException } from "../../problem.ts";

export function operatorAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.env.OPERATOR_TOKEN;
    if (!expected)
      throw problemException("operator_disabled", "Operator routes are disabled: OPERATOR_TOKEN is not set.");
    const header = c.req.header("authorization") ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : "";
    if (!(await sameSecret(token, expected))) {
      throw problemException("unauthorized", "An operator bearer token is required.", {
        headers: { "www-authenticate": 'Bearer realm="operator"' },
      });
    }
    await next();
  };
}

/** Constant-time comparison (of digests, so lengths leak nothing either). */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(given)),
    crypto.subtle.digest("SHA-256", enc.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}
