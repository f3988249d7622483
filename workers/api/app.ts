/** Builds the edge API: routers, 404/405/500 as problem+json. */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./env.ts";
import { PROBLEM_CODES, type ProblemCode, problem } from "./problem.ts";
import { admin } from "./routes/admin.ts";
import { instruments } from "./routes/instruments.ts";
import { system } from "./routes/system.ts";
import { ws } from "./routes/ws.ts";

function codeForStatus(status: number): ProblemCode | undefined {
  for (const [code, meta] of Object.entries(PROBLEM_CODES)) {
    if (meta.status === status) return code as ProblemCode;
  }
  return undefined;
}

/** A fresh app with all routes; the Worker entry uses one, tests may build their own. */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.route("/v1", system);
  app.route("/v1", instruments);
  app.route("/v1", admin);
  app.route("/v1", ws);

  app.notFound((c) => problem(c, "not_found", `No route for ${c.req.method} ${c.req.path}.`));

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      if (err.res) return err.getResponse();
      const code = codeForStatus(err.status);
      if (code !== undefined && code !== "internal_error") {
        return problem(c, code, err.message || PROBLEM_CODES[code].title);
      }
    }
    // Log for observability; never leak internals to the client.
    console.error(JSON.stringify({ level: "error", msg: "unhandled error", path: c.req.path, error: String(err) }));
    return problem(c, "internal_error", "An unexpected error occurred.");
  });

  return app;
}
