/** System routes: clock and health (with this isolate's view of Redis). No auth, no bindings beyond vars. */
import type { z } from "@hono/zod-openapi";
import { getHealth, getTime, type HealthSchema, type TimeSchema } from "../openapi/contracts/system.ts";
import { createRouter } from "../openapi/router.ts";
import { redisHealth } from "../redis/index.ts";

export type TimeResponse = z.infer<typeof TimeSchema>;
export type HealthResponse = z.infer<typeof HealthSchema>;

export const system = createRouter();

system.openapi(getTime, (c) => {
  const now = Date.now();
  return c.json({ iso: new Date(now).toISOString(), epoch_ms: now }, 200);
});

system.openapi(getHealth, (c) =>
  c.json(
    { status: "ok" as const, version: c.env.API_VERSION, environment: c.env.ENVIRONMENT, redis: redisHealth(c.env) },
    200,
  ),
);
