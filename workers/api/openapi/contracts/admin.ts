/**
 * Contracts of the operator routes: list an instrument, change its status, and
 * send commands straight to a book. All need the `admin` scope.
 */
import { z } from "@hono/zod-openapi";
import { BookBatchSchema, MAX_BATCH } from "../../../../shared/book/commands.ts";
import { INSTRUMENT_STATUSES, NewInstrumentSchema } from "../../../../shared/instruments/schema.ts";
import { defineRoute } from "../define.ts";
import { json, problems, SymbolParams } from "../schemas.ts";
import { InstrumentSchema } from "./market-data.ts";

export const StatusChange = z
  .object({
    status: z.enum(INSTRUMENT_STATUSES, { message: `status must be one of ${INSTRUMENT_STATUSES.join(", ")}` }),
  })
  .strict()
  .openapi("StatusChange");

export const REPLY_MODES = ["full", "summary"] as const;

export const CommandsBody = z
  .object({
    commands: BookBatchSchema.describe(`1 to ${MAX_BATCH} book commands`),
    reply: z
      .enum(REPLY_MODES, { message: `reply must be one of ${REPLY_MODES.join(", ")}` })
      .optional()
      .openapi({
        description:
          "`full` (default): each command's events. `summary`: each command's `ok`, `error` and the " +
          "`first_seq`/`last_seq` of its events, without the events (a much smaller reply).",
        example: "summary",
      }),
  })
  .strict()
  .openapi("BookCommands");

const RejectSchema = z.object({
  code: z.string().openapi({
    description: "Why the book refused the command: market_closed, instrument_halted, price_off_tick, …",
    example: "market_closed",
  }),
  message: z.string(),
});

const WireEventSchema = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).optional())
  .openapi("BookEvent", {
    description: "An event on the wire (snake_case, decimal strings), with its `seq` and `time`.",
  });

export const BatchResultSchema = z
  .object({
    instrument: z.string(),
    results: z.array(
      z.union([
        z.object({ ok: z.boolean(), events: z.array(WireEventSchema), error: RejectSchema.optional() }).openapi({
          title: "CommandResult",
          description: "`reply: full`: the command's events.",
        }),
        z
          .object({
            ok: z.boolean(),
            error: RejectSchema.optional(),
            first_seq: z.number().int().optional(),
            last_seq: z.number().int().optional(),
          })
          .openapi({
            title: "CommandSummary",
            description: "`reply: summary`: the event-log sequences of the command's events, if it logged any.",
          }),
      ]),
    ),
    first_seq: z.number().int().nullable(),
    last_seq: z.number().int().nullable(),
    error: z.object({ code: z.literal("invalid_batch"), message: z.string() }).optional(),
  })
  .openapi("BatchResult");

const tags = ["operator"];
const body = <S extends z.ZodType>(schema: S) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const createInstrument = defineRoute({
  method: "post",
  path: "/admin/instruments",
  operationId: "createInstrument",
  tags,
  summary: "List an instrument",
  description: "Status `pre_open` unless given. The instrument's book is configured before the reply.",
  scope: "admin",
  routeClass: "admin",
  request: { body: body(NewInstrumentSchema.clone().openapi("NewInstrument")) },
  responses: { 201: json(InstrumentSchema, "Listed."), ...problems(400, 401, 403, 409, 413, 415) },
});

export const changeInstrumentStatus = defineRoute({
  method: "patch",
  path: "/admin/instruments/{symbol}",
  operationId: "changeInstrumentStatus",
  tags,
  summary: "Change an instrument's status",
  description: "The book applies the new status before the reply.",
  scope: "admin",
  routeClass: "admin",
  request: { params: SymbolParams, body: body(StatusChange) },
  responses: { 200: json(InstrumentSchema, "Changed."), ...problems(400, 401, 403, 404, 413, 415) },
});

export const runBookCommands = defineRoute({
  method: "post",
  path: "/admin/books/{symbol}/commands",
  operationId: "runBookCommands",
  tags,
  summary: `Run 1 to ${MAX_BATCH} commands on a book in one transaction`,
  description:
    "Each command gets its own result. Places and amends outside the instrument's trading calendar are refused " +
    "with `market_closed` and the next opening time; cancels are always accepted.",
  scope: "admin",
  routeClass: "admin",
  request: { params: SymbolParams, body: body(CommandsBody) },
  responses: { 200: json(BatchResultSchema, "One result per command."), ...problems(400, 401, 403, 404, 413, 415) },
});

const Collected = z
  .string()
  .openapi({ description: "Decimal string; negative when rebates exceed fees.", example: "12.34000000" });

export const FeesSummarySchema = z
  .object({
    assets: z.array(z.object({ asset: z.string(), collected: Collected })),
    instruments: z.array(z.object({ instrument: z.string(), asset: z.string(), collected: Collected })),
    sources: z.number().int().openapi({ description: "Accounts that have reported fees." }),
  })
  .openapi("FeesSummary");

export const getFees = defineRoute({
  method: "get",
  path: "/admin/fees",
  operationId: "getFees",
  tags,
  summary: "Fees collected by the exchange's fees account",
  description:
    "Maker and taker fees paid so far, per quote asset and per instrument, as reported by every account " +
    "(running totals, so a report that is late or repeated changes nothing). With all accounts' balances it " +
    "closes the books: per asset, the sum of balances plus fees collected equals deposits minus withdrawals.",
  scope: "admin",
  routeClass: "admin",
  responses: { 200: json(FeesSummarySchema, "Fees collected."), ...problems(401, 403) },
});
