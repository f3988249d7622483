/**
 * Idempotency-Key outcomes in Redis, so `GET /v1/requests/{key}` is answered
 * at the edge instead of by the caller's Account object, which stays
 * authoritative (durable-objects/account/orders/keyed-requests.ts; the rules in its contract.ts).
 *
 * Two writers: after a keyed mutation succeeds (fire and forget, `NX`: a
 * repeat never rewrites the first record; `created_at` is the edge's clock
 * when the object answered, within milliseconds of the object's), and after
 * `GET /v1/requests/{key}` had to ask the object (the object's own record,
 * kept for what is left of its 24 hours). Refusals and unknown outcomes are
 * not written from the mutation: the object may not have stored them. A Redis
 * failure only means asking the object.
 */
import type { Context } from "hono";
import { REQUEST_TTL_MS, statusUnknown } from "../../../durable-objects/account/contract.ts";
import type { AppEnv, Env } from "../env.ts";
import { ORDER_OPERATIONS, type OrderOperation } from "../routes/order-outcomes.ts";
import { inBackground, redisCall, redisSettings } from "./client.ts";
import { count } from "./health.ts";
import { idempotencyKey } from "./keys.ts";

/** What Redis keeps of a stored outcome (what `Account.requestOutcome` answers, without the fingerprint). */
export interface CachedRequest {
  operation: string;
  outcome: unknown;
  created_at: number;
}

/** The operation each keyed order-entry route records, by operationId (order-outcomes.ts names them). */
const OPERATION_OF_ROUTE: Partial<Record<string, OrderOperation>> = {
  placeOrder: "place",
  placeOrderBatch: "batch",
  amendOrder: "amend",
  amendOrderByClientId: "amend",
  cancelOrder: "cancel",
  cancelOrderByClientId: "cancel",
  cancelAllOrders: "cancel_all",
  cancelAfter: "cancel_after",
};

/** The record Redis holds for (account, key), or undefined (absent, unreadable, not configured, unreachable). */
export async function cachedRequest(
  env: Partial<Env>,
  account: string,
  key: string,
): Promise<CachedRequest | undefined> {
  if (!redisSettings(env)) return undefined;
  const read = await redisCall(env, "idempotency", "read", (redis) => redis.get<string>(idempotencyKey(account, key)));
  if (!read.ok || typeof read.value !== "string") return undefined;
  try {
    const record = JSON.parse(read.value) as CachedRequest;
    const known = (ORDER_OPERATIONS as readonly string[]).includes(record.operation);
    if (!known || typeof record.created_at !== "number" || !("outcome" in record)) return undefined;
    count("idempotency", "hits");
    return record;
  } catch {
    return undefined;
  }
}

/** Writes the object's own record after the response, for what is left of its 24 hours. */
export function rememberRequest(c: Context<AppEnv>, account: string, key: string, record: CachedRequest): void {
  if (!redisSettings(c.env)) return;
  const px = record.created_at + REQUEST_TTL_MS - Date.now();
  if (px <= 0) return;
  const value = JSON.stringify({ operation: record.operation, outcome: record.outcome, created_at: record.created_at });
  inBackground(
    c,
    redisCall(c.env, "idempotency", "write", (redis) => redis.set(idempotencyKey(account, key), value, { px })),
  );
}

/**
 * After a keyed order-entry call: writes its successful outcome under the
 * request's Idempotency-Key, after the response. Anything else (no key, a
 * refusal, an unknown outcome, a route that records nothing) writes nothing.
 */
export function rememberKeyedOutcome(c: Context<AppEnv>, outcome: { ok: boolean }): void {
  try {
    writeKeyedOutcome(c, outcome);
  } catch (err) {
    // Never let the cache turn an answered mutation into an error.
    console.warn(JSON.stringify({ level: "warn", msg: "idempotency record not cached", error: String(err) }));
  }
}

function writeKeyedOutcome(c: Context<AppEnv>, outcome: { ok: boolean }): void {
  const key = c.req.header("idempotency-key");
  const account = c.get("auth")?.account;
  const operation = OPERATION_OF_ROUTE[c.get("route")?.operationId ?? ""];
  if (key === undefined || account === undefined || operation === undefined || !redisSettings(c.env)) return;
  if (outcome.ok !== true || statusUnknown(outcome as Parameters<typeof statusUnknown>[0])) return;
  const value = JSON.stringify({ operation, outcome, created_at: Date.now() } satisfies CachedRequest);
  inBackground(
    c,
    redisCall(c.env, "idempotency", "write", (redis) =>
      redis.set(idempotencyKey(account, key), value, { px: REQUEST_TTL_MS, nx: true }),
    ),
  );
}
