/**
 * `GET /v1/health/ready`: every dependency probed at once, each within
 * `READY_PROBE_TIMEOUT_MS` (default 2000). 200 when nothing configured failed;
 * 503 naming the failed components otherwise. `GET /v1/health` stays the cheap,
 * public liveness answer for load balancers.
 */
import type { Env } from "../env.ts";
import { type ProbeResult, probeBooks, probeFeed, probePostgres, probeQueue, probeRedis, timed } from "./probes.ts";

export interface Readiness {
  status: "ready" | "not_ready";
  failed: string[];
  components: ProbeResult[];
  checked_at: string;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 2_000;

function probeTimeout(env: Env): number {
  const n = Number(env.READY_PROBE_TIMEOUT_MS);
  return Number.isSafeInteger(n) && n > 0 ? Math.min(n, 30_000) : DEFAULT_PROBE_TIMEOUT_MS;
}

export async function readiness(env: Env): Promise<Readiness> {
  const timeoutMs = probeTimeout(env);
  const [postgres, redis, queue, feed, books] = await Promise.all([
    timed("postgres", timeoutMs, () => probePostgres(env)),
    timed("redis", timeoutMs, () => probeRedis(env)),
    timed("queue", timeoutMs, () => probeQueue(env)),
    timed("feed", timeoutMs, () => probeFeed(env)),
    probeBooks(env, timeoutMs),
  ]);
  const components = [postgres, redis, queue, feed, ...books];
  const failed = components.filter((c) => c.status === "failed").map((c) => c.component);
  return {
    status: failed.length === 0 ? "ready" : "not_ready",
    failed,
    components,
    checked_at: new Date().toISOString(),
  };
}
