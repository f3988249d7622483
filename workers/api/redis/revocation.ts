/**
 * Revoked refresh families in Redis, so a revocation reaches every isolate and
 * location at once instead of within `AUTH_REVOCATION_CACHE_MS`.
 *
 * Only "revoked" is ever stored, never "live": a family absent from Redis (a
 * miss, an expired key, a revocation made while Redis was down) and any Redis
 * failure lead to the Account object, which is authoritative. So Redis can
 * refuse a token sooner, but can never accept one the Account object refuses.
 */
import type { Context } from "hono";
import { authConfig } from "../../../shared/auth/config.ts";
import type { FamilyRef } from "../../../shared/auth/revocation.ts";
import type { AppEnv, Env } from "../env.ts";
import { inBackground, redisCall, redisSettings } from "./client.ts";
import { count } from "./health.ts";
import { revokedKey } from "./keys.ts";

/** Accepted clock difference between the edge and token issuers, ms. */
const SKEW_MS = 60_000;

/**
 * `true` when Redis holds the family as revoked; `undefined` when it does not
 * know (absent, not configured, unreachable): then ask the Account object.
 */
export async function revokedInRedis(env: Partial<Env>, family: FamilyRef): Promise<true | undefined> {
  if (!redisSettings(env)) return undefined;
  const read = await redisCall(env, "revocation", "read", (redis) => redis.get<string>(revokedKey(family)));
  if (read.ok && read.value !== null && read.value !== undefined) {
    count("revocation", "hits");
    return true;
  }
  return undefined;
}

/**
 * Records a revoked family for as long as any of its access tokens may live
 * (the access-token lifetime from now, plus clock skew: no new token is issued
 * once it is revoked). Resolves when written, failed or skipped; never rejects.
 */
export async function publishRevocation(env: Partial<Env>, family: FamilyRef): Promise<void> {
  if (!redisSettings(env)) return;
  const px = authConfig(env).accessTtlS * 1000 + SKEW_MS;
  await redisCall(env, "revocation", "write", (redis) => redis.set(revokedKey(family), "1", { px }));
}

/** `publishRevocation` of each family after the response. */
export function publishRevocationsLater(c: Context<AppEnv>, families: readonly FamilyRef[]): void {
  if (families.length === 0 || !redisSettings(c.env)) return;
  inBackground(c, Promise.all(families.map((family) => publishRevocation(c.env, family))));
}
