/**
 * What a mutation sent with an idempotency key was answered with, from the
 * outcome the caller's Account object stored, mapped exactly as the mutation
 * answered it (`order-outcomes.ts`). `in_progress` while the request still
 * runs; 404 `request_not_found` for a key never used, forgotten (after 24
 * hours) or whose outcome was unknown (nothing is stored then, so a retry
 * runs again). With Redis configured and an HTTP request to key it on,
 * finished outcomes are read from Redis first and written there after the
 * object answers (redis/idempotency.ts).
 */
import type { RequestRecord } from "../../../durable-objects/account/index.ts";
import { accountStub } from "../../../durable-objects/account/stub.ts";
import { RequestKeyParams } from "../openapi/contracts/order-schemas.ts";
import { problemException } from "../problem.ts";
import { cachedRequest, rememberRequest } from "../redis/idempotency.ts";
import { callerIn, defineOperation } from "./define.ts";
import { type AnyOutcome, ORDER_OPERATIONS, type OrderOperation, storedReply } from "./order-outcomes.ts";

export type RequestOutcome =
  | { key: string; in_progress: true }
  | {
      key: string;
      in_progress: false;
      operation: OrderOperation;
      status: number;
      response: unknown;
      created_at: string;
      created_at_ms: number;
    };

export const getRequest = defineOperation({
  name: "requests.get",
  scope: "read",
  routeClass: "account",
  idempotency: "read",
  input: RequestKeyParams,
  async run(ctx, { key }): Promise<RequestOutcome> {
    const { account } = callerIn(ctx);
    // Redis first (when configured): a finished outcome, as the object stored it; else the object.
    const cached = await cachedRequest(ctx.env, account, key);
    // The stored outcome is JSON the object parsed back; its RPC type cannot express `unknown`.
    const found = cached
      ? { ...cached, in_progress: false }
      : ((await accountStub(ctx.env.ACCOUNT, account).requestOutcome(account, key)) as unknown as
          | (RequestRecord & { in_progress: boolean })
          | null);
    if (!cached && found && !found.in_progress && ctx.http) rememberRequest(ctx.http, account, key, found);
    if (found === null) {
      throw problemException("request_not_found", `No request with Idempotency-Key ${key} on this account.`, {
        extensions: { instance: ctx.instance },
      });
    }
    if (found.in_progress) return { key, in_progress: true };
    const operation = found.operation as OrderOperation;
    if (!ORDER_OPERATIONS.includes(operation)) throw new Error(`unknown stored operation ${found.operation}`);
    const { status, body } = storedReply(operation, found.outcome as AnyOutcome);
    return {
      key,
      in_progress: false,
      operation,
      status,
      response: body,
      created_at: new Date(found.created_at).toISOString(),
      created_at_ms: found.created_at,
    };
  },
});
