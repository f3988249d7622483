/** Routing helpers shared by all route modules. */
import type { Handler } from "hono";
import type { AppEnv } from "./env.ts";
import { problem } from "./problem.ts";

/**
 * Catch-all for a known path: answers 405 with an `Allow` header. Register it
 * with `router.all(path, methodNotAllowed([...]))` after the path's handlers.
 * GET routes also serve HEAD (Hono does this), so HEAD is added to `Allow`.
 */
export function methodNotAllowed(allowed: readonly string[]): Handler<AppEnv> {
  const methods = new Set(allowed.map((m) => m.toUpperCase()));
  if (methods.has("GET")) methods.add("HEAD");
  const allow = [...methods].join(", ");
  return (c) =>
    problem(c, "method_not_allowed", `Method ${c.req.method} is not allowed on ${c.req.path}; use ${allow}.`, {
      headers: { allow },
    });
}
