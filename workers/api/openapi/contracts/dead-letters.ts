/**
 * Contracts of the dead-letter routes (`admin`): the events the consumer could not write
 * (refused by their schema, or given up by the Queue after `max_retries`), stored in
 * Postgres `dead_letters` by the dead-letter queue's consumer: list, inspect, replay.
 * Without Postgres, or while it is unreachable, 503 `history_unavailable`.
 */
import { z } from "@hono/zod-openapi";
import { REJECT_REASONS } from "../../../../shared/events/validate.ts";
import { defineRoute } from "../define.ts";
import { queryInteger } from "../query-params.ts";
import { json, problems } from "../schemas.ts";

/** Most dead letters in one page, and named or taken by one replay. */
export const MAX_DEAD_LETTER_PAGE = 500;
export const DEFAULT_DEAD_LETTER_PAGE = 50;

const TypeFilter = z
  .string()
  .regex(/^[a-z_]{1,32}(\.[a-z_]{1,64})?$/, { message: "type must be an event type (trade) or a schema (book.trade)" })
  .optional()
  .openapi({ description: "Only this event type (`trade`) or schema (`book.trade`).", example: "book.trade" });

const ReasonFilter = z
  .enum(REJECT_REASONS, { message: `reason must be one of ${REJECT_REASONS.join(", ")}` })
  .optional()
  .openapi({ description: "Only this reason." });

export const DeadLetterListQuery = z
  .object({
    type: TypeFilter,
    reason: ReasonFilter,
    replayed: z
      .enum(["true", "false"], { message: "replayed must be true or false" })
      .optional()
      .openapi({ description: "Only replayed ones (`true`) or only those not replayed yet (`false`)." }),
    limit: queryInteger({ name: "limit", min: 1, max: MAX_DEAD_LETTER_PAGE })
      .optional()
      .openapi({ description: `Default ${DEFAULT_DEAD_LETTER_PAGE}, at most ${MAX_DEAD_LETTER_PAGE}.` }),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,200}$/, { message: "cursor must be a next_cursor from a previous page" })
      .optional()
      .openapi({ description: "Opaque: `next_cursor` of the previous page (same filters)." }),
  })
  .strict();

const DeadLetterFields = {
  id: z.number().int().openapi({ example: 42 }),
  queue: z.string().openapi({ description: "The queue the event came from.", example: "platform3-events" }),
  received_at: z.string().openapi({ description: "When the dead-letter queue received it (RFC 3339)." }),
  reason: z.enum(REJECT_REASONS).openapi({
    description:
      "`not_an_envelope`, `unknown_type`, `schema_mismatch`, `unknown_version`, `invalid_body` (the schema check), " +
      "or `max_retries` (the Queue gave the message up).",
  }),
  detail: z.string().openapi({ description: "What failed, readably (the failing fields and why)." }),
  schema: z.string().nullable(),
  version: z.number().int().nullable(),
  stream: z.string().nullable(),
  type: z.string().nullable(),
  key: z.string().nullable(),
  seq: z.number().int().nullable(),
  attempts: z.number().int().openapi({ description: "Deliveries of the message before it was dead-lettered." }),
  replayed_at: z.string().nullable().openapi({ description: "When a replay sent it back to the event queue." }),
  replay_count: z.number().int(),
};

export const DeadLetterSchema = z.object(DeadLetterFields).openapi("DeadLetter");

export const DeadLetterDetailSchema = z
  .object({ ...DeadLetterFields, body: z.unknown().openapi({ description: "What was received, as JSON." }) })
  .openapi("DeadLetterDetail");

export const DeadLetterPageSchema = z
  .object({
    dead_letters: z.array(DeadLetterSchema),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for older ones; null at the end." }),
  })
  .openapi("DeadLetterPage");

export const DeadLetterParams = z.object({
  id: queryInteger({ name: "id", min: 1, max: Number.MAX_SAFE_INTEGER }).openapi({
    param: { name: "id", in: "path" },
    example: 42,
  }),
});

export const ReplayDeadLettersBody = z
  .object({
    ids: z
      .array(z.number().int().positive(), { message: "ids must be an array of dead-letter ids" })
      .min(1, { message: "ids must name at least one dead letter" })
      .max(MAX_DEAD_LETTER_PAGE, { message: `at most ${MAX_DEAD_LETTER_PAGE} ids` })
      .optional()
      .openapi({ description: "The dead letters to replay." }),
    all: z.literal(true, { message: "all must be true" }).optional().openapi({
      description: "Instead of ids: every one not replayed yet (matching `type` and `reason`), a page at a time.",
    }),
    type: TypeFilter,
    reason: ReasonFilter,
    after: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .openapi({ description: "With `all`: start after this id (the previous call's `next_after`)." }),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_DEAD_LETTER_PAGE)
      .optional()
      .openapi({ description: `With \`all\`: how many to look at (default and most ${MAX_DEAD_LETTER_PAGE}).` }),
  })
  .strict()
  .refine((b) => (b.ids === undefined) !== (b.all === undefined), {
    message: "give either ids or all: true",
    path: ["ids"],
  })
  .refine(
    (b) =>
      b.all === true ||
      (b.type === undefined && b.reason === undefined && b.after === undefined && b.limit === undefined),
    {
      message: "type, reason, after and limit go with all: true",
      path: ["all"],
    },
  )
  .openapi("ReplayDeadLettersRequest");

const REPLAY_OUTCOMES = ["replayed", "already_replayed", "invalid", "not_found"] as const;

export const ReplayResultSchema = z
  .object({
    id: z.number().int(),
    outcome: z.enum(REPLAY_OUTCOMES).openapi({
      description:
        "`replayed`: sent back to the event queue now; `already_replayed`: an earlier replay sent it (nothing sent); " +
        "`invalid`: the current registry still refuses it (nothing sent); `not_found`: no such id.",
    }),
    version: z.number().int().nullable().openapi({ description: "The schema version it was sent with (replayed)." }),
    reason: z.string().nullable().openapi({ description: "Why it is still refused (invalid)." }),
    detail: z.string().nullable(),
  })
  .openapi("DeadLetterReplayResult");

export const ReplayReportSchema = z
  .object({
    replayed: z.number().int(),
    results: z.array(ReplayResultSchema),
    next_after: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "With `all`: pass as `after` for the next page; null when none is left." }),
  })
  .openapi("DeadLetterReplayReport");

const unavailable = " 503 `history_unavailable` (with `Retry-After`) when Postgres is not configured or unreachable.";

export const listDeadLetters = defineRoute({
  method: "get",
  path: "/admin/dead-letters",
  operationId: "listDeadLetters",
  tags: ["operator"],
  summary: "Dead-lettered events, newest first",
  description: `Events the consumer did not write, with why. Filter by type, reason or replayed; page with \`cursor\`.${unavailable}`,
  scope: "admin",
  routeClass: "admin",
  request: { query: DeadLetterListQuery },
  responses: { 200: json(DeadLetterPageSchema, "Dead letters, newest first."), ...problems(400, 401, 403, 503) },
});

export const getDeadLetter = defineRoute({
  method: "get",
  path: "/admin/dead-letters/{id}",
  operationId: "getDeadLetter",
  tags: ["operator"],
  summary: "One dead letter, with what was received",
  description: `404 \`not_found\` for an id that does not exist.${unavailable}`,
  scope: "admin",
  routeClass: "admin",
  request: { params: DeadLetterParams },
  responses: { 200: json(DeadLetterDetailSchema, "The dead letter."), ...problems(400, 401, 403, 404, 503) },
});

export const replayDeadLetters = defineRoute({
  method: "post",
  path: "/admin/dead-letters/replay",
  operationId: "replayDeadLetters",
  tags: ["operator"],
  summary: "Send dead letters back to the event queue after a fix",
  description:
    "Checks each named dead letter (or, with `all`, a page of those not replayed yet) against the current registry: " +
    "one it accepts (as stamped, or under the newest version that accepts its body) is sent to the event queue and " +
    "marked replayed; one it refuses stays as it is. Idempotent: a replayed dead letter is not sent again, and the " +
    `consumer writes every event by (stream, key, seq), so nothing is written twice.${unavailable}`,
  scope: "admin",
  routeClass: "admin",
  request: { body: { required: true, content: { "application/json": { schema: ReplayDeadLettersBody } } } },
  responses: {
    200: json(ReplayReportSchema, "Each dead letter's outcome."),
    ...problems(400, 401, 403, 413, 415, 503),
  },
});

export const DEAD_LETTER_CONTRACTS = [listDeadLetters, getDeadLetter, replayDeadLetters] as const;
