/**
 * Operator routes (bearer OPERATOR_TOKEN until scoped auth lands): list an
 * instrument, change its status, and send commands straight to a book
 * (up to 100 per call, one transaction) for operations, tests and load runs.
 */
import { Hono } from "hono";
import { z } from "zod";
import { registryStub } from "../../../durable-objects/instrument-registry/index.ts";
import { BookBatchSchema, MAX_BATCH } from "../../../durable-objects/order-book/commands.ts";
import { INSTRUMENT_STATUSES } from "../../../shared/instruments/schema.ts";
import type { AppEnv } from "../env.ts";
import { bookFor, forgetInstruments, instrumentOr404 } from "../instruments.ts";
import { operatorAuth } from "../middleware/operator-auth/index.ts";
import { problemException } from "../problem.ts";
import { methodNotAllowed } from "../routing.ts";
import { parseOr400, readJson } from "../validation.ts";

export const admin = new Hono<AppEnv>();

admin.use("/admin/*", operatorAuth());

const StatusChange = z
  .object({
    status: z.enum(INSTRUMENT_STATUSES, { message: `status must be one of ${INSTRUMENT_STATUSES.join(", ")}` }),
  })
  .strict();

const CommandsBody = z.object({ commands: BookBatchSchema.describe(`1 to ${MAX_BATCH} book commands`) }).strict();

admin.post("/admin/instruments", async (c) => {
  const body = await readJson(c);
  const result = await registryStub(c.env.INSTRUMENTS).create(body);
  if (!result.ok) {
    const code = result.code === "invalid_instrument" ? "invalid_request" : result.code;
    throw problemException(code, result.message);
  }
  forgetInstruments();
  return c.json(result.instrument, 201);
});
admin.all("/admin/instruments", methodNotAllowed(["POST"]));

admin.patch("/admin/instruments/:symbol", async (c) => {
  const { status } = parseOr400(StatusChange, await readJson(c), "body");
  const result = await registryStub(c.env.INSTRUMENTS).setStatus(c.req.param("symbol"), status);
  if (!result.ok)
    throw problemException(result.code === "instrument_not_found" ? result.code : "invalid_request", result.message);
  forgetInstruments();
  return c.json(result.instrument);
});
admin.all("/admin/instruments/:symbol", methodNotAllowed(["PATCH"]));

admin.post("/admin/books/:symbol/commands", async (c) => {
  const { commands } = parseOr400(CommandsBody, await readJson(c), "body");
  const instrument = await instrumentOr404(c.env, c.req.param("symbol"));
  const result = await bookFor(c.env, instrument).execute(commands);
  if (result.error) throw problemException("invalid_request", result.error.message);
  return c.json(result);
});
admin.all("/admin/books/:symbol/commands", methodNotAllowed(["POST"]));
