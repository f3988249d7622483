/**
 * Routers of the API: `OpenAPIHono` whose route contracts are the validation.
 * A request that fails its contract (params, query, body) is answered with a
 * 400 `invalid_request` problem naming each field; malformed JSON is a 400
 * `bad_request` and a body that is not JSON a 415 (both raised by the
 * validator, shaped by the app's error handler). Mount with `app.route("/v1", router)`.
 */
import { type Hook, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { invalidRequest } from "../validation.ts";

/** `defaultHook` of every router: contract failures become problem+json. */
// biome-ignore lint/suspicious/noExplicitAny: the hook serves routes of every input and response type.
export const validationHook: Hook<any, AppEnv, any, any> = (result, c) => {
  if (!result.success) return invalidRequest(result.error, result.target, c.req.path);
};

/** A new router whose contract failures are problem+json. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}
