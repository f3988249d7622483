/**
 * The edge's Redis (Upstash over HTTP, `@upstash/redis`) for the latest ticker
 * and top of book, revoked token families and idempotency records (the rate
 * limiter keeps its own client, middleware/rate-limit). Configured by
 * `UPSTASH_REDIS_REST_URL` and `UPSTASH_REDIS_REST_TOKEN`; unset, no use
 * touches Redis.
 *
 * Redis is never authoritative: every use has an object that answers when
 * Redis cannot. So each command has a short deadline (`REDIS_TIMEOUT_MS`),
 * and a failure opens a breaker that skips Redis for `REDIS_COOLOFF_MS`: an
 * outage costs one timeout per isolate per window, not one per request. Each
 * use logs `{"level":"warn","msg":"redis unavailable, falling back","use":…}`
 * once per window, and counts what happened (health.ts).
 */
import { Redis } from "@upstash/redis/cloudflare";
import type { Context } from "hono";
import type { Env } from "../env.ts";
import { watchBreaker } from "../metrics/edge.ts";
import { redisClientConfig } from "../middleware/rate-limit/upstash.ts";
import { count, type RedisUse, redisCounters, type UseCounters } from "./health.ts";

/** Longest wait for one Redis command, ms, unless `REDIS_TIMEOUT_MS` says otherwise. */
export const DEFAULT_REDIS_TIMEOUT_MS = 500;
/** How long Redis is skipped after a failure, ms, unless `REDIS_COOLOFF_MS` says otherwise. */
export const DEFAULT_REDIS_COOLOFF_MS = 30_000;

export interface RedisSettings {
  url: string;
  token: string;
  timeoutMs: number;
  coolOffMs: number;
}

/** The settings from the environment, or undefined when Redis is not configured. */
export function redisSettings(env: Partial<Env>): RedisSettings | undefined {
  const url = env.UPSTASH_REDIS_REST_URL;
  const token = env.UPSTASH_REDIS_REST_TOKEN;
  if (!url || !token) return undefined;
  return {
    url,
    token,
    timeoutMs: positive(env.REDIS_TIMEOUT_MS, DEFAULT_REDIS_TIMEOUT_MS, 10_000),
    coolOffMs: positive(env.REDIS_COOLOFF_MS, DEFAULT_REDIS_COOLOFF_MS, 600_000),
  };
}

function positive(text: string | undefined, fallback: number, max: number): number {
  const n = Number(text);
  return text !== undefined && text.trim() !== "" && Number.isSafeInteger(n) && n > 0 ? Math.min(n, max) : fallback;
}

/** One client and one breaker per configuration, per isolate. */
interface Connection {
  settings: RedisSettings;
  /** The client, or why it could not be made (a malformed URL: every call fails with it). */
  client: Redis | Error;
  /** Epoch ms until which Redis is skipped. */
  openUntil: number;
  /** Epoch ms the breaker last opened: one warning per use per opening. */
  openedAt: number;
  warned: Partial<Record<RedisUse, number>>;
  lastError: string | null;
}

const connections = new Map<string, Connection>();

function connectionFor(settings: RedisSettings): Connection {
  const id = `${settings.url}\n${settings.token}\n${settings.timeoutMs}\n${settings.coolOffMs}`;
  let conn = connections.get(id);
  if (!conn) {
    let client: Redis | Error;
    try {
      client = new Redis({
        ...redisClientConfig(settings.url, settings.token, settings.timeoutMs),
        // One command per use per request: nothing to batch, and errors stay per command.
        enableAutoPipelining: false,
        automaticDeserialization: false,
      });
    } catch (err) {
      client = err instanceof Error ? err : new Error(String(err));
    }
    const made: Connection = { settings, client, openUntil: 0, openedAt: 0, warned: {}, lastError: null };
    conn = made;
    connections.set(id, conn);
    // Open while skipped; half-open once the cool-off is over and no command has answered since.
    watchBreaker("redis", () => (Date.now() < made.openUntil ? 2 : made.lastError !== null ? 1 : 0));
  }
  return conn;
}

/** What a Redis command came to. */
export type RedisOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; reason: "not_configured" | "breaker_open" | "failed" };

/**
 * Runs one command for `use`, within the deadline and behind the breaker.
 * Never rejects. A failed or skipped `read` counts as a fallback: the caller
 * then asks the authoritative object.
 */
export async function redisCall<T>(
  env: Partial<Env>,
  use: RedisUse,
  kind: "read" | "write",
  command: (redis: Redis) => Promise<T>,
): Promise<RedisOutcome<T>> {
  const settings = redisSettings(env);
  if (!settings) return { ok: false, reason: "not_configured" };
  const conn = connectionFor(settings);
  const now = Date.now();
  if (now < conn.openUntil) {
    count(use, "skipped");
    if (kind === "read") count(use, "fallbacks");
    warnOnce(conn, use, "breaker_open");
    return { ok: false, reason: "breaker_open" };
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    if (conn.client instanceof Error) throw conn.client;
    const client = conn.client;
    // The client's abort signal is the deadline; this race is a backstop should a fetch ignore it.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${settings.timeoutMs} ms`)),
        settings.timeoutMs + 100,
      );
    });
    const pending = command(client);
    pending.catch(() => undefined); // a late rejection after the backstop fired is not unhandled
    const value = await Promise.race([pending, deadline]);
    count(use, "successes");
    if (conn.lastError !== null && conn.openedAt > 0) {
      console.log(JSON.stringify({ level: "info", msg: "redis available again", use }));
      conn.lastError = null;
    }
    return { ok: true, value };
  } catch (err) {
    conn.openedAt = Date.now();
    conn.openUntil = conn.openedAt + settings.coolOffMs;
    // The client's message may repeat the whole command; its start says what went wrong.
    conn.lastError = (err instanceof Error ? err.message : String(err)).slice(0, 200);
    count(use, "failures");
    if (kind === "read") count(use, "fallbacks");
    warnOnce(conn, use, "failed");
    return { ok: false, reason: "failed" };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

function warnOnce(conn: Connection, use: RedisUse, reason: "failed" | "breaker_open"): void {
  if (conn.warned[use] === conn.openedAt) return;
  conn.warned[use] = conn.openedAt;
  console.warn(
    JSON.stringify({
      level: "warn",
      msg: "redis unavailable, falling back",
      use,
      reason,
      retry_in_ms: Math.max(0, conn.openUntil - Date.now()),
      error: conn.lastError,
    }),
  );
}

/** Runs `task` after the response (`waitUntil`) where the request has an execution context, else detached. */
export function inBackground(c: Context, task: Promise<unknown>): void {
  const settled = task.catch(() => undefined);
  try {
    c.executionCtx.waitUntil(settled);
  } catch {
    // No execution context (app.request in unit tests): let it run detached.
  }
}

/** The `redis` field of `GET /v1/health`: this isolate's view. */
export interface RedisHealth {
  /** `degraded` while this isolate skips Redis after a failure. */
  status: "not_configured" | "ok" | "degraded";
  timeout_ms: number | null;
  cooloff_ms: number | null;
  /** When Redis is tried again (epoch ms), while degraded. */
  retry_at_ms: number | null;
  /** The last failure, until Redis answers again. */
  last_error: string | null;
  uses: Record<RedisUse, UseCounters>;
}

export function redisHealth(env: Partial<Env>): RedisHealth {
  const uses = redisCounters();
  const settings = redisSettings(env);
  if (!settings) {
    return { status: "not_configured", timeout_ms: null, cooloff_ms: null, retry_at_ms: null, last_error: null, uses };
  }
  const conn = connectionFor(settings);
  const degraded = Date.now() < conn.openUntil;
  return {
    status: degraded ? "degraded" : "ok",
    timeout_ms: settings.timeoutMs,
    cooloff_ms: settings.coolOffMs,
    retry_at_ms: degraded ? conn.openUntil : null,
    last_error: conn.lastError,
    uses,
  };
}

/** Test hook: forget every client and breaker of this isolate. */
export function resetRedisClients(): void {
  connections.clear();
}
