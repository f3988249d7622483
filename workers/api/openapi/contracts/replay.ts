/**
 * Contract of `POST /v1/admin/replay` (`admin`): rebuilds books and balances from the
 * Postgres journal into fresh objects and compares them with the live ones.
 */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../define.ts";
import { json, problems } from "../schemas.ts";

/** Most instruments or accounts named in one request. */
export const MAX_REPLAY_NAMES = 100;

const Names = (what: string) =>
  z
    .array(z.string().min(1).max(128), { message: `${what} must be an array of strings` })
    .max(MAX_REPLAY_NAMES, { message: `at most ${MAX_REPLAY_NAMES} ${what}` })
    .optional();

export const ReplayBody = z
  .object({
    instruments: Names("instruments").openapi({
      description: "Symbols to rebuild (default: every instrument with a book journal); `[]` skips books.",
      example: ["BTC-USD"],
    }),
    accounts: Names("accounts").openapi({
      description: "Accounts to rebuild (default: every account with ledger entries); `[]` skips balances.",
    }),
  })
  .strict()
  .openapi("ReplayRequest");

const BookReplay = z
  .object({
    instrument: z.string(),
    equal: z.boolean(),
    fresh_object: z.string().nullable().openapi({
      description: "The OrderBook object the journal was restored into (`replay:<symbol>:<epoch ms>`).",
    }),
    events: z.number().int(),
    seq: z.number().int(),
    bids: z.number().int(),
    asks: z.number().int(),
    stops: z.number().int(),
    differences: z.array(z.string()).openapi({
      description: "Journal problems, and where the fresh book's L3 differs from the live one's.",
    }),
  })
  .openapi("BookReplay");

const AccountReplay = z
  .object({
    account: z.string(),
    equal: z.boolean(),
    fresh_object: z.string().nullable().openapi({
      description: "The Account object the ledger was restored into (`replay-<account>-<epoch ms>`).",
    }),
    entries: z.number().int(),
    differences: z.array(z.string()),
  })
  .openapi("AccountReplay");

export const ReplayReportSchema = z
  .object({
    equal: z.boolean(),
    books: z.array(BookReplay),
    accounts: z.array(AccountReplay),
  })
  .openapi("ReplayReport");

export const replayJournal = defineRoute({
  method: "post",
  path: "/admin/replay",
  operationId: "replayJournal",
  tags: ["operator"],
  summary: "Rebuild books and balances from the journal into fresh objects and compare them with the live ones",
  description:
    "Reads each instrument's `book` journal and each account's ledger entries from Postgres, folds them, restores " +
    "them into fresh objects (`replay:<symbol>:<epoch ms>`, `replay-<account>-<epoch ms>`) and compares each fresh " +
    "object's answers (L3 book, balances) with the live object's. The live objects run ahead of Postgres by the " +
    "pipeline's delay: repeat a difference at a quiet moment before acting on it. 503 `history_unavailable` " +
    "without a database.",
  scope: "admin",
  routeClass: "admin",
  request: { body: { required: true, content: { "application/json": { schema: ReplayBody } } } },
  responses: { 200: json(ReplayReportSchema, "The comparison."), ...problems(400, 401, 403, 413, 415, 503) },
});
