/**
 * The readiness probes of `GET /v1/health/ready`: each dependency answers within
 * its deadline or is named as the reason the venue is not ready. A probe never
 * throws: it resolves to `ok`, `failed` (with a detail) or `not_configured`.
 */
import { Redis } from "@upstash/redis/cloudflare";
import { clientFor, hasDatabase } from "../../../shared/db/neon.ts";
import type { Env } from "../env.ts";
import { allShardNames } from "../feed/regions.ts";
import { bookFor, listInstruments } from "../instruments.ts";
import { redisClientConfig } from "../middleware/rate-limit/upstash.ts";
import { redisSettings } from "../redis/client.ts";

export type ProbeStatus = "ok" | "failed" | "not_configured";

export interface ProbeResult {
  component: string;
  status: ProbeStatus;
  latency_ms: number;
  detail?: string;
}

/** Runs `probe` within `timeoutMs`; any error or timeout is a `failed` result naming it. */
export async function timed(
  component: string,
  timeoutMs: number,
  probe: () => Promise<ProbeStatus | { status: ProbeStatus; detail: string }>,
): Promise<ProbeResult> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const outcome = await Promise.race([probe(), deadline]);
    const { status, detail } = typeof outcome === "string" ? { status: outcome, detail: undefined } : outcome;
    return { component, status, latency_ms: Date.now() - started, ...(detail ? { detail } : {}) };
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { component, status: "failed", latency_ms: Date.now() - started, detail };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** `SELECT 1` through the same driver and bridge the consumer and history reads use. */
export async function probePostgres(env: Env): Promise<ProbeStatus> {
  if (!hasDatabase(env)) return "not_configured";
  const client = clientFor(env);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return "ok";
  } finally {
    void client.end().catch(() => {});
  }
}

/** `PING` with the edge's Redis settings (not its breaker: the probe asks Redis itself). */
export async function probeRedis(env: Env): Promise<ProbeStatus> {
  const settings = redisSettings(env);
  if (!settings) return "not_configured";
  const redis = new Redis({ ...redisClientConfig(settings.url, settings.token, settings.timeoutMs) });
  const answer = await redis.ping();
  if (answer !== "PONG") throw new Error(`PING answered ${JSON.stringify(answer)}`);
  return "ok";
}

/** The event queue's producer binding; its backlog when the runtime offers `metrics()`. */
export async function probeQueue(env: Env): Promise<ProbeStatus | { status: ProbeStatus; detail: string }> {
  const queue = env.EVENTS as (Queue & { metrics?: () => Promise<{ backlogCount?: number }> }) | undefined;
  if (!queue) return "not_configured";
  if (typeof queue.metrics !== "function") return "ok";
  const metrics = await queue.metrics();
  return { status: "ok", detail: `backlog ${metrics.backlogCount ?? "unknown"} messages` };
}

/** The instrument registry, then every listed instrument's book (its sequences: a read of its state). */
export async function probeBooks(env: Env, timeoutMs: number): Promise<ProbeResult[]> {
  const registry = await timed("instrument-registry", timeoutMs, async () => {
    await listInstruments(env);
    return "ok";
  });
  if (registry.status !== "ok") return [registry];
  const instruments = await listInstruments(env);
  const books = await Promise.all(
    instruments.map((instrument) =>
      timed(`book:${instrument.symbol}`, timeoutMs, async () => {
        await bookFor(env, instrument).sequences();
        return "ok";
      }),
    ),
  );
  return [registry, ...books];
}

/** One feed shard (the first of the first region) answers an RPC. */
export async function probeFeed(env: Env): Promise<ProbeStatus> {
  if (!env.FEED_SHARD) return "not_configured";
  const stub = env.FEED_SHARD.get(env.FEED_SHARD.idFromName(allShardNames(env)[0] as string));
  await stub.ping();
  return "ok";
}
