/**
 * The edge's copy of the live configuration, one per isolate (shared/config/live-cache.ts):
 * reads answer from memory; a copy older than `CONFIG_CACHE_TTL_MS` (default 1000) is refreshed
 * in the background by one `changesSince` call to the ConfigStore, kept alive with the
 * request's `waitUntil`. Only an isolate's first request waits, and at most
 * `CONFIG_FIRST_LOAD_TIMEOUT_MS` (default 1000); while the ConfigStore is unreachable the last
 * good version stays in force, and before any the env vars are (docs/configuration.md).
 */
import type { Context } from "hono";
import { configStub } from "../../../durable-objects/config/stub.ts";
import { type FeedDocument, feedLimitsWith } from "../../../shared/config/feed.ts";
import { LiveConfig } from "../../../shared/config/live-cache.ts";
import type { RateLimitsDocument } from "../../../shared/config/rate-limits.ts";
import type { ConfigSection, ConfigVersion } from "../../../shared/config/sections.ts";
import type { FeedLimits } from "../../../shared/feed/limits.ts";
import type { AppEnv, Env } from "../env.ts";

/** Keeps a background refresh running after the response. */
export type KeepAlive = (promise: Promise<unknown>) => void;

let live: LiveConfig | undefined;
/** The env of the latest request: its CONFIG namespace addresses the store (a stub may not outlive its request). */
let latestEnv: Env | undefined;

function positiveMs(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw !== undefined && Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** This isolate's copy, or undefined without a CONFIG binding (apps built in tests without one). */
export function edgeConfig(env: Env): LiveConfig | undefined {
  if (!env.CONFIG) return undefined;
  latestEnv = env;
  live ??= new LiveConfig({
    fetchChanges: (known) => configStub((latestEnv as Env).CONFIG).changesSince(known),
    ttlMs: positiveMs(env.CONFIG_CACHE_TTL_MS, 1_000),
    firstLoadTimeoutMs: positiveMs(env.CONFIG_FIRST_LOAD_TIMEOUT_MS, 1_000),
  });
  return live;
}

/** The request's `waitUntil`, where it has an execution context (not in `app.request` tests). */
export function keepAliveOf(c: Context<AppEnv>): KeepAlive | undefined {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return undefined;
  }
}

/** The live version of `section` (undefined: none written, the env vars are in force); waits only for an isolate's first load. */
export async function liveSection<S extends ConfigSection>(
  env: Env,
  section: S,
  keepAlive?: KeepAlive,
): Promise<ConfigVersion<S> | undefined> {
  const config = edgeConfig(env);
  if (!config) return undefined;
  if (!config.isLoaded) await config.ready();
  return config.current(section, keepAlive);
}

/** The `rate-limits` document in force, or undefined for the `RATE_LIMITS` var. */
export async function liveRateLimits(c: Context<AppEnv>): Promise<RateLimitsDocument | undefined> {
  return (await liveSection(c.env, "rate-limits", keepAliveOf(c)))?.document;
}

let feedMemo: { doc: FeedDocument | undefined; env: Env; limits: FeedLimits } | undefined;

/** The feed limits in force: the `feed` document over the `FEED_*` vars. */
export async function liveFeedLimits(c: Context<AppEnv>): Promise<FeedLimits> {
  const doc = (await liveSection(c.env, "feed", keepAliveOf(c)))?.document;
  if (feedMemo && feedMemo.doc === doc && feedMemo.env === c.env) return feedMemo.limits;
  const { limits, error } = feedLimitsWith(c.env, doc);
  if (error) console.warn(JSON.stringify({ level: "warn", msg: "feed configuration not applied", error }));
  feedMemo = { doc, env: c.env, limits };
  return limits;
}

/** The versions of the sections the instruments depend on (a change invalidates the instrument cache). */
export function instrumentConfigVersion(env: Env, keepAlive?: KeepAlive): string {
  const config = edgeConfig(env);
  if (!config) return "0/0";
  config.current("instruments", keepAlive);
  return `${config.version("instruments")}/${config.version("fees")}`;
}

/** Tests: forget this isolate's copy (the next request loads it again). */
export function forgetEdgeConfig(): void {
  live = undefined;
  feedMemo = undefined;
}
