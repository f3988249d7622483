/**
 * Vitest globalSetup of the `workers` project: one throwaway `redis-server`
 * for the run, behind the Upstash REST bridge, behind a switch the tests flip
 * to take Redis away and bring it back (scripts/redis-switch.ts: `POST
 * /__switch/<up|reset|hang|redis-down>` with the bearer token).
 *
 * Without redis-server (not installed, `REDIS_SERVER` unset) it provides empty
 * values and the tests that need Redis skip, saying so; CI installs it
 * (`.ci/run`). Everything stops at the end.
 */
import type { TestProject } from "vitest/node";
import { findRedisServer } from "../scripts/redis-server.ts";
import { startSwitchedRedis } from "../scripts/redis-switch.ts";

export type { SwitchMode } from "../scripts/redis-switch.ts";

declare module "vitest" {
  interface ProvidedContext {
    /** `http://127.0.0.1:<port>`: the switch in front of the bridge (the Worker's UPSTASH_REDIS_REST_URL); "" without redis-server. */
    redisUrl: string;
    /** The bridge's bearer token (UPSTASH_REDIS_REST_TOKEN). */
    redisToken: string;
    /** e.g. "Redis server v=7.0.15"; "" without redis-server. */
    redisVersion: string;
  }
}

const TOKEN = "test-redis-bridge-token";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!findRedisServer()) {
    console.warn(
      "[redis] redis-server not installed: the Redis tests of the workers project skip (apt-get install -y redis-server, or set REDIS_SERVER).",
    );
    project.provide("redisUrl", "");
    project.provide("redisToken", "");
    project.provide("redisVersion", "");
    return async () => {};
  }
  const redis = await startSwitchedRedis(TOKEN);
  console.log(`[redis] ${redis.version}, Upstash bridge behind the switch ${redis.url}`);
  project.provide("redisUrl", redis.url);
  project.provide("redisToken", redis.token);
  project.provide("redisVersion", redis.version);
  return () => redis.close();
}
