/** System routes: clock and health. No auth, no bindings beyond vars. */
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { methodNotAllowed } from "../routing.ts";

export interface TimeResponse {
  /** RFC 3339 UTC timestamp, millisecond precision. */
  iso: string;
  epoch_ms: number;
}

export interface HealthResponse {
  status: "ok";
  version: string;
  environment: string;
}

export const system = new Hono<AppEnv>();

system.get("/time", (c) => {
  const now = Date.now();
  return c.json<TimeResponse>({ iso: new Date(now).toISOString(), epoch_ms: now });
});
system.all("/time", methodNotAllowed(["GET"]));

system.get("/health", (c) =>
  c.json<HealthResponse>({ status: "ok", version: c.env.API_VERSION, environment: c.env.ENVIRONMENT }),
);
system.all("/health", methodNotAllowed(["GET"]));
