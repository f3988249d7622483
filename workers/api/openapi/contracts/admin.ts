/**
 * Contracts of the operator routes: list an instrument, change its status or home schedule,
 * move its book to another region, and send commands straight to a book. All need the
 * `admin` scope.
 */
import { z } from "@hono/zod-openapi";
import { BookBatchSchema, MAX_BATCH } from "../../../../shared/book/commands.ts";
import {
  HOME_REGIONS,
  HomeScheduleSchema,
  INSTRUMENT_STATUSES,
  NewInstrumentSchema,
  OPERATOR_STATUSES,
} from "../../../../shared/instruments/schema.ts";
import { defineRoute } from "../define.ts";
import { json, problems, SymbolParams } from "../schemas.ts";
import { InstrumentSchema } from "./market-data.ts";

export const StatusChange = z
  .object({
    status: z.enum(OPERATOR_STATUSES, { message: `status must be one of ${OPERATOR_STATUSES.join(", ")}` }).optional(),
    home_schedule: HomeScheduleSchema.clone()
      .nullable()
      .optional()
      .openapi({
        description:
          'Where the book lives by time of day: `[{"from": "HH:MM" (UTC), "region"}]`, sorted, distinct times; ' +
          "the registry moves the book at each boundary. `null` stops following a schedule.",
        example: [
          { from: "00:00", region: "apac" },
          { from: "07:00", region: "weur" },
          { from: "13:00", region: "enam" },
        ],
      }),
  })
  .strict()
  .refine((b) => b.status !== undefined || b.home_schedule !== undefined, {
    message: "give status, home_schedule or both",
  })
  .openapi("StatusChange", { description: "A new status, a new home schedule, or both." });

export const MoveRequest = z
  .object({
    region: z.enum(HOME_REGIONS, { message: `region must be one of ${HOME_REGIONS.join(", ")}` }).openapi({
      description: "The Durable Object location hint the book moves to.",
      example: "weur",
    }),
    reason: z.string().min(1).max(200).optional().openapi({ description: "Logged with the move.", example: "drill" }),
  })
  .strict()
  .openapi("BookMoveRequest");

export const BookMoveSchema = z
  .object({
    symbol: z.string(),
    moved: z.boolean().openapi({ description: "False when the book was already there (nothing was done)." }),
    from: z.enum(HOME_REGIONS),
    to: z.enum(HOME_REGIONS),
    epoch: z.number().int().openapi({ description: "The instrument's `book_epoch` now." }),
    pause_ms: z.number().int().openapi({
      description: "How long commands were refused (503 instrument_moving): from the fence to the successor's start.",
    }),
    seq: z.number().int().openapi({ description: "The book's event seq at the hand-off; the next event is seq + 1." }),
    reason: z.string(),
  })
  .openapi("BookMove");

export const FailoverRequest = MoveRequest.openapi("BookFailoverRequest");

export const BookFailoverSchema = z
  .object({
    symbol: z.string(),
    from: z.enum(HOME_REGIONS).openapi({ description: "The region the unreachable book was in." }),
    to: z.enum(HOME_REGIONS),
    book_epoch: z.number().int().openapi({ description: "The restored book's epoch (the old one + 1)." }),
    home_region: z.enum(HOME_REGIONS),
    status: z
      .enum(INSTRUMENT_STATUSES)
      .openapi({ description: "The status it resumes with: the one before failover." }),
    verified: z.literal(true).openapi({
      description: "The restored book equals the fold of its journal (resting orders, sizes, queue order, seq).",
    }),
    seq: z.number().int().openapi({ description: "The journal's last seq: the restored book continues at seq + 1." }),
    events: z.number().int(),
    resting_orders: z.number().int(),
    outbox_rows: z.number().int().openapi({
      description: "Settlement rows rebuilt from the journal for accounts that had not applied them.",
    }),
    outage_ms: z.number().int().openapi({ description: "From the first report of the book unreachable to now." }),
    took_ms: z.number().int().openapi({ description: "How long the restore itself took." }),
  })
  .openapi("BookFailover");

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
  summary: "Change an instrument's status or home schedule",
  description:
    "The book applies the new status before the reply. A new `home_schedule` re-arms the registry's alarm: " +
    "a book whose schedule names another region now is moved at once, then at each boundary.",
  scope: "admin",
  routeClass: "admin",
  request: { params: SymbolParams, body: body(StatusChange) },
  responses: { 200: json(InstrumentSchema, "Changed."), ...problems(400, 401, 403, 404, 413, 415) },
});

export const moveInstrumentBook = defineRoute({
  method: "post",
  path: "/admin/instruments/{symbol}/move",
  operationId: "moveInstrumentBook",
  tags,
  summary: "Move an instrument's book to another region",
  description:
    "A fenced hand-off (docs/geography.md): the old book refuses commands (503 `instrument_moving` with " +
    "`Retry-After`), ships its state to a new book object created in `region`, the instrument flips to it " +
    "(`home_region`, `book_epoch` + 1), and the old object forwards reads. Moving to the region the book is in " +
    "answers `moved: false` and does nothing. 409 `instrument_conflict` when the hand-off was refused (the old " +
    "book trades on); 503 `instrument_moving` when it was interrupted (it finishes at the registry's next alarm, " +
    "or repeat the request).",
  scope: "admin",
  routeClass: "admin",
  request: { params: SymbolParams, body: body(MoveRequest) },
  responses: {
    200: json(BookMoveSchema, "Moved, or already there."),
    ...problems(400, 401, 403, 404, 409, 413, 415, 503),
  },
});

export const failoverInstrumentBook = defineRoute({
  method: "post",
  path: "/admin/instruments/{symbol}/failover",
  operationId: "failoverInstrumentBook",
  tags,
  summary: "Restore an unreachable instrument's book in another region",
  description:
    "For an instrument in status `failover` (its book unreachable past `FAILOVER_AFTER_MS`, docs/geography.md): " +
    "reads its journal from Postgres once it stops growing, restores it into a new book object in `region` " +
    "(`book_epoch` + 1) with the settlement rows the accounts have not applied, compares the restored book with the " +
    "journal, and only then flips the instrument to it with its status before. 409 `instrument_conflict` when the " +
    "instrument is not in failover; 409 `restore_not_verified` (with `differences`) when the restored book differs " +
    "(nothing flipped; repeat after fixing the cause); 503 `history_unavailable` when Postgres cannot be read.",
  scope: "admin",
  routeClass: "admin",
  request: { params: SymbolParams, body: body(FailoverRequest) },
  responses: {
    200: json(BookFailoverSchema, "Restored, verified and trading again."),
    ...problems(400, 401, 403, 404, 409, 413, 415, 503),
  },
});

export const runBookCommands = defineRoute({
  method: "post",
  path: "/admin/books/{symbol}/commands",
  operationId: "runBookCommands",
  tags,
  summary: `Run 1 to ${MAX_BATCH} commands on a book in one transaction`,
  description:
    "Each command gets its own result. Places and amends outside the instrument's trading calendar are refused " +
    "with `market_closed` and the next opening time; cancels are always accepted. While the book is moving to " +
    "another region the whole batch is refused with 503 `instrument_moving` and `Retry-After` (nothing ran).",
  scope: "admin",
  routeClass: "admin",
  request: { params: SymbolParams, body: body(CommandsBody) },
  responses: {
    200: json(BatchResultSchema, "One result per command."),
    ...problems(400, 401, 403, 404, 413, 415, 503),
  },
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
