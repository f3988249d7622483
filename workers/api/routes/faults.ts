/**
 * `POST /v1/faults` (operator, fault-injection builds only): crashes a book or an
 * account object, or makes it resend journal events, so the load run's fault suite
 * (`npm run bench:load -- --faults`) can prove that nothing is lost or doubled; and
 * `POST /v1/admin/recovery/books/{symbol}/wipe`, the recovery drill's loss (docs/recovery.md).
 *
 * Mounted only when the var `FAULT_ROUTES` is "true" when the app is built (the load
 * run passes it; wrangler.toml never does); the handler and the objects check it again.
 */
import { env } from "cloudflare:workers";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { accountStub } from "../../../durable-objects/account/stub.ts";
import type { Fault, FaultResult } from "../../../durable-objects/runtime/fault-injection.ts";
import type { AppEnv } from "../env.ts";
import { currentBook } from "../instruments.ts";
import { injectFault, wipeBook } from "../openapi/contracts/faults.ts";
import { createRouter } from "../openapi/router.ts";
import { problemException } from "../problem.ts";

export const faults = createRouter();

faults.openapi(injectFault, async (c) => {
  if (c.env.FAULT_ROUTES !== "true") throw problemException("not_found", `No route for ${c.req.method} ${c.req.path}.`);
  const body = c.req.valid("json");
  const fault: Fault =
    body.kind === "abort"
      ? { kind: "abort" }
      : body.kind === "outage"
        ? { kind: "outage", ms: body.ms ?? 0 }
        : { kind: "resend", events: body.events ?? 100 };
  // A listed instrument's current book (its epoch); else by name, without creating anything new:
  // an unknown book or account is simply a fresh, empty object.
  const stub = body.target === "book" ? await currentBook(c.env, body.id) : accountStub(c.env.ACCOUNT, body.id);
  let result: FaultResult | undefined;
  let aborted = false;
  try {
    result = await stub.suffer(fault);
  } catch (err) {
    // ctx.abort() in the object rejects this call: that is the crash (or the outage) we asked for.
    aborted = fault.kind === "abort" || fault.kind === "outage";
    if (!aborted) throw problemException("object_unavailable", `The object did not answer: ${String(err)}`);
  }
  if (result && !result.ok) throw problemException("not_found", `No route for ${c.req.method} ${c.req.path}.`);
  return c.json({ target: body.target, id: body.id, kind: body.kind, aborted, resent: result?.resent ?? 0 }, 200);
});

faults.openapi(wipeBook, async (c) => {
  if (c.env.FAULT_ROUTES !== "true") throw problemException("not_found", `No route for ${c.req.method} ${c.req.path}.`);
  const { symbol } = c.req.valid("param");
  const out = await (await currentBook(c.env, symbol)).wipeForDrill();
  if (!out.ok) throw problemException("not_found", `No route for ${c.req.method} ${c.req.path}.`);
  return c.json({ wiped: true as const }, 200);
});

/** Mounts {@link faults} under `prefix` when the Worker's `FAULT_ROUTES` var is "true"; otherwise nothing. */
export function mountFaultRoutes(app: OpenAPIHono<AppEnv>, prefix: string): void {
  if (env.FAULT_ROUTES === "true") app.route(prefix, faults);
}
