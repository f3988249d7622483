/**
 * `GET /requests/{key}` (mount at /v1): what a mutation sent with that
 * Idempotency-Key was answered with: an adapter of `requests.get`
 * (`operations/requests.ts`). 202 with `Retry-After` while the request is
 * still running; 404 `request_not_found` for a key never used, forgotten or
 * whose outcome was unknown.
 */

import { getRequestOutcome } from "../openapi/contracts/orders.ts";
import { createRouter } from "../openapi/router.ts";
import { contextOf } from "../operations/context.ts";
import { getRequest } from "../operations/requests.ts";

export const requests = createRouter();

requests.openapi(getRequestOutcome, async (c) => {
  c.header("cache-control", "no-store");
  const outcome = await getRequest.run(contextOf(c), c.req.valid("param"));
  if (outcome.in_progress) {
    c.header("retry-after", "1");
    return c.json(outcome, 202);
  }
  return c.json(outcome, 200);
});
