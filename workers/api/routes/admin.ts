/**
 * Operator routes (the `admin` scope, enforced app-wide; OPERATOR_TOKEN is the
 * break-glass credential): list an instrument, change its status, and send
 * commands straight to a book (up to 100 per call, one transaction) for
 * operations, tests and load runs (`reply: "summary"` drops the event lists).
 * The contracts (`openapi/contracts/admin.ts`) validate every body.
 */
import { FEES_NAME } from "../../../durable-objects/fees/index.ts";
import { registryStub } from "../../../durable-objects/instrument-registry/index.ts";
import { bookFor, forgetInstruments, instrumentOr404 } from "../instruments.ts";
import { traceHeaders } from "../middleware/trace/index.ts";
import { changeInstrumentStatus, createInstrument, getFees, runBookCommands } from "../openapi/contracts/admin.ts";
import { createRouter } from "../openapi/router.ts";
import { problemException } from "../problem.ts";

export const admin = createRouter();

admin.openapi(createInstrument, async (c) => {
  const result = await registryStub(c.env.INSTRUMENTS).create(c.req.valid("json"));
  if (!result.ok) {
    const code = result.code === "invalid_instrument" ? "invalid_request" : result.code;
    throw problemException(code, result.message);
  }
  forgetInstruments();
  return c.json(result.instrument, 201);
});

admin.openapi(changeInstrumentStatus, async (c) => {
  const { status } = c.req.valid("json");
  const result = await registryStub(c.env.INSTRUMENTS).setStatus(c.req.valid("param").symbol, status);
  if (!result.ok)
    throw problemException(result.code === "instrument_not_found" ? result.code : "invalid_request", result.message);
  forgetInstruments();
  return c.json(result.instrument, 200);
});

admin.openapi(runBookCommands, async (c) => {
  const { commands, reply } = c.req.valid("json");
  const instrument = await instrumentOr404(c.env, c.req.valid("param").symbol);
  const context = { traceparent: traceHeaders(c).traceparent, request_id: c.get("requestId") };
  const book = bookFor(c.env, instrument);
  const result =
    reply === "summary" ? await book.executeSummary(commands, context) : await book.execute(commands, context);
  if (result.error) throw problemException("invalid_request", result.error.message);
  return c.json(result, 200);
});

admin.openapi(getFees, async (c) => {
  return c.json(await c.env.FEES.getByName(FEES_NAME).summary(), 200);
});
