/** System routes: clock, health (with this isolate's view of Redis) and readiness (every dependency probed, operator only). */
import type { z } from "@hono/zod-openapi";
import { readiness } from "../health/ready.ts";
import { getHealth, getReadiness, getTime, type HealthSchema, type TimeSchema } from "../openapi/contracts/system.ts";
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

system.openapi(getReadiness, async (c) => {
  const ready = await readiness(c.env);
  c.header("cache-control", "no-store");
  if (ready.status === "ready") return c.json(ready, 200);
  c.header("retry-after", "5");
  return c.json(ready, 503);
});
