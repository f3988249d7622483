/**
 * Operator routes (the `admin` scope, enforced app-wide; OPERATOR_TOKEN is the
 * break-glass credential): list an instrument, change its status or home schedule,
 * move its book to another region (docs/geography.md), and send commands straight
 * to a book (up to 100 per call, one transaction) for operations, tests and load
 * runs (`reply: "summary"` drops the event lists). The contracts
 * (`openapi/contracts/admin.ts`) validate every body.
 */

import { FEES_NAME } from "../../../durable-objects/fees/index.ts";
import { registryStub } from "../../../durable-objects/instrument-registry/index.ts";
import type { BatchResult, BatchSummary } from "../../../durable-objects/order-book/contract.ts";
import { batchProblem, commandBook, forgetInstruments, instrumentOr404 } from "../instruments.ts";
import { traceHeaders } from "../middleware/trace/index.ts";
import {
  changeInstrumentStatus,
  createInstrument,
  failoverInstrumentBook,
  getFees,
  moveInstrumentBook,
  runBookCommands,
} from "../openapi/contracts/admin.ts";
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
  const result = await registryStub(c.env.INSTRUMENTS).update(c.req.valid("param").symbol, c.req.valid("json"));
  if (!result.ok) {
    const code =
      result.code === "instrument_not_found"
        ? result.code
        : result.code === "instrument_failover"
          ? "instrument_conflict"
          : "invalid_request";
    throw problemException(code, result.message);
  }
  forgetInstruments();
  return c.json(result.instrument, 200);
});

admin.openapi(runBookCommands, async (c) => {
  const { commands, reply } = c.req.valid("json");
  const instrument = await instrumentOr404(c.env, c.req.valid("param").symbol);
  const context = { traceparent: traceHeaders(c).traceparent, request_id: c.get("requestId") };
  // A book that moved since the edge cached the instrument is found again (commandBook).
  const { error, ...result } = await commandBook(
    c.env,
    instrument,
    (book) =>
      (reply === "summary" ? book.executeSummary(commands, context) : book.execute(commands, context)) as Promise<
        BatchResult | BatchSummary
      >,
  );
  if (error) throw batchProblem(error);
  return c.json(result, 200);
});

admin.openapi(failoverInstrumentBook, async (c) => {
  const { region, reason } = c.req.valid("json");
  const { symbol } = c.req.valid("param");
  const result = await registryStub(c.env.INSTRUMENTS).restoreFailedOver(symbol, region, reason ?? "operator");
  forgetInstruments();
  if (!result.ok) {
    const extensions = result.differences ? { extensions: { differences: result.differences } } : {};
    const retry = result.code === "history_unavailable" ? { headers: { "retry-after": "5" } } : {};
    throw problemException(result.code, result.message, { ...extensions, ...retry });
  }
  const { ok: _ok, ...restored } = result;
  return c.json(restored, 200);
});

admin.openapi(moveInstrumentBook, async (c) => {
  const { region, reason } = c.req.valid("json");
  const { symbol } = c.req.valid("param");
  const result = await registryStub(c.env.INSTRUMENTS).move(symbol, region, reason ?? "operator");
  forgetInstruments();
  if (!result.ok) {
    const retry = result.code === "instrument_moving" ? { headers: { "retry-after": "5" } } : {};
    throw problemException(result.code, result.message, retry);
  }
  const { ok: _ok, ...move } = result;
  return c.json(move, 200);
});

admin.openapi(getFees, async (c) => {
  return c.json(await c.env.FEES.getByName(FEES_NAME).summary(), 200);
});
