/**
 * `GET /requests/{key}` (mount at /v1): what a mutation sent with that
 * Idempotency-Key was answered with, from the outcome the caller's Account
 * object stored, mapped to HTTP exactly as the route answered it
 * (`order-outcomes.ts`). 202 while the request is still running; 404
 * `request_not_found` for a key never used, forgotten (after 24 hours) or
 * whose outcome was unknown (nothing is stored then, so a retry runs again).
 * With Redis configured, finished outcomes are read from Redis first and
 * written there after the object answers (redis/idempotency.ts).
 */

import type { RequestRecord } from "../../../durable-objects/account/index.ts";
import { accountStub } from "../../../durable-objects/account/stub.ts";
import { callerOf } from "../middleware/auth/index.ts";
import { getRequestOutcome } from "../openapi/contracts/orders.ts";
import { createRouter } from "../openapi/router.ts";
import { problemException } from "../problem.ts";
import { cachedRequest, rememberRequest } from "../redis/idempotency.ts";
import { type AnyOutcome, ORDER_OPERATIONS, type OrderOperation, storedReply } from "./order-outcomes.ts";

export const requests = createRouter();

requests.openapi(getRequestOutcome, async (c) => {
  const { account } = callerOf(c);
  const { key } = c.req.valid("param");
  // Redis first (when configured): a finished outcome, as the object stored it; else the object.
  const cached = await cachedRequest(c.env, account, key);
  // The stored outcome is JSON the object parsed back; its RPC type cannot express `unknown`.
  const found = cached
    ? { ...cached, in_progress: false }
    : ((await accountStub(c.env.ACCOUNT, account).requestOutcome(account, key)) as unknown as
        | (RequestRecord & { in_progress: boolean })
        | null);
  if (!cached && found && !found.in_progress) rememberRequest(c, account, key, found);
  c.header("cache-control", "no-store");
  if (found === null) {
    throw problemException("request_not_found", `No request with Idempotency-Key ${key} on this account.`, {
      extensions: { instance: c.req.path },
    });
  }
  if (found.in_progress) {
    c.header("retry-after", "1");
    return c.json({ key, in_progress: true }, 202);
  }
  const operation = found.operation as OrderOperation;
  if (!ORDER_OPERATIONS.includes(operation)) throw new Error(`unknown stored operation ${found.operation}`);
  const { status, body } = storedReply(operation, found.outcome as AnyOutcome);
  return c.json(
    {
      key,
      in_progress: false,
      operation,
      status,
      response: body,
      created_at: new Date(found.created_at).toISOString(),
      created_at_ms: found.created_at,
    },
    200,
  );
});
