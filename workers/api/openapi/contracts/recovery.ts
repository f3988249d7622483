/**
 * Contracts of the operator recovery routes (`admin`; docs/recovery.md): bookmark a book or an
 * account now, list its bookmarks, restore it to one (a book then rolls forward from the Postgres
 * journal), and verify it against the journal. `…/books/{symbol}/wipe` (the drill's loss) exists
 * only in fault-injection builds (`FAULT_ROUTES`).
 */
import { z } from "@hono/zod-openapi";
import { ACCOUNT_ID } from "../../../../shared/auth/id-format.ts";
import { defineRoute } from "../define.ts";
import { json, problems, SymbolParams } from "../schemas.ts";

const AccountParams = z.object({
  account: z
    .string()
    .regex(ACCOUNT_ID, { message: "account: letters, digits, '.' and '-', 1 to 64 characters" })
    .openapi({ param: { name: "account", in: "path" }, example: "alice", description: "Account id." }),
});

export const BookmarkBody = z
  .object({
    kind: z
      .enum(["snapshot", "pitr"])
      .optional()
      .openapi({
        description:
          "`pitr`: Cloudflare's storage bookmark (production only); `snapshot`: a copy of the object's tables in its " +
          "own storage (everywhere). Default: `pitr` where the runtime has it, else `snapshot`.",
      }),
  })
  .strict()
  .openapi("BookmarkRequest");

export const BookmarkSchema = z
  .object({
    bookmark: z.string().openapi({ example: "snap-3-1767225600000" }),
    kind: z.enum(["snapshot", "pitr"]),
    created_at: z.number().int().openapi({ description: "Epoch ms." }),
    seq: z.number().int().openapi({ description: "The object's journal seq at the bookmark." }),
    rows: z.number().int().openapi({ description: "Rows copied (snapshots)." }),
  })
  .openapi("Bookmark");

/** A snapshot id (`snap-<n>-<epoch ms>`) or a Cloudflare bookmark (four hex groups). */
const BOOKMARK_ID = /^(snap-\d{1,9}-\d{1,15}|[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32})$/;

export const RestoreBody = z
  .object({
    bookmark: z
      .string({ message: "bookmark is required" })
      .regex(BOOKMARK_ID, { message: "bookmark: a snapshot id (snap-<n>-<ms>) or a Cloudflare bookmark" }),
    roll_forward: z
      .boolean()
      .optional()
      .openapi({
        description:
          "Books only (default true): re-apply the journal's events after the bookmark, so the book ends at the " +
          "journal's head. With false, a restore is refused when the journal is ahead of the bookmark.",
      }),
  })
  .strict()
  .openapi("RestoreRequest");

const Restored = z
  .object({
    bookmark: z.string(),
    bookmark_seq: z.number().int(),
    journal_head: z.number().int().openapi({ description: "The last seq Postgres holds for this object." }),
    seq: z.number().int().openapi({ description: "The object's seq after restoring (books)." }),
    rolled_forward: z.number().int().openapi({ description: "Journal events re-applied after the bookmark." }),
    stream_cursor: z.number().int().openapi({ description: "Events up to here are not sent to the Queue again." }),
    rows: z.number().int(),
    restart_ms: z.number().int().openapi({ description: "How long the restore took, ms." }),
  })
  .openapi("RestoreOutcome");

const Verify = z
  .object({
    equal: z.boolean(),
    journal_head: z.number().int(),
    live_seq: z.number().int(),
    fresh_object: z.string().nullable(),
    differences: z.array(z.string()),
  })
  .openapi("RecoveryVerify");

const list = z.object({ bookmarks: z.array(BookmarkSchema) }).openapi("BookmarkList");
const body = <S extends z.ZodType>(schema: S) => ({
  required: true,
  content: { "application/json": { schema } },
});

const base = { tags: ["operator"], scope: "admin" as const, routeClass: "admin" as const };

export const bookBookmark = defineRoute({
  ...base,
  method: "post",
  path: "/admin/recovery/books/{symbol}/bookmarks",
  operationId: "bookmarkBook",
  summary: "Bookmark an order book now",
  request: { params: SymbolParams, body: body(BookmarkBody) },
  responses: { 201: json(BookmarkSchema, "The bookmark."), ...problems(400, 401, 403, 404, 409, 413, 415) },
});

export const bookBookmarks = defineRoute({
  ...base,
  method: "get",
  path: "/admin/recovery/books/{symbol}/bookmarks",
  operationId: "listBookBookmarks",
  summary: "List an order book's snapshot bookmarks",
  request: { params: SymbolParams },
  responses: { 200: json(list, "Oldest first."), ...problems(400, 401, 403, 404) },
});

export const bookRestore = defineRoute({
  ...base,
  method: "post",
  path: "/admin/recovery/books/{symbol}/restore",
  operationId: "restoreBook",
  summary: "Restore an order book to a bookmark, then roll forward from the journal",
  description:
    "Reads the book's journal from Postgres, restores the bookmark, re-applies the journal's events after it " +
    "(`roll_forward`, default true) and moves the stream cursor to the journal's head. Halt the instrument first; " +
    "503 `history_unavailable` without a database.",
  request: { params: SymbolParams, body: body(RestoreBody) },
  responses: { 200: json(Restored, "Restored."), ...problems(400, 401, 403, 404, 409, 413, 415, 503) },
});

export const bookVerify = defineRoute({
  ...base,
  method: "get",
  path: "/admin/recovery/books/{symbol}/verify",
  operationId: "verifyBook",
  summary: "Compare a book with its journal (seq contiguity, L3 of a fresh replay)",
  request: { params: SymbolParams },
  responses: { 200: json(Verify, "The comparison."), ...problems(400, 401, 403, 404, 503) },
});

export const accountBookmark = defineRoute({
  ...base,
  method: "post",
  path: "/admin/recovery/accounts/{account}/bookmarks",
  operationId: "bookmarkAccount",
  summary: "Bookmark an account now",
  request: { params: AccountParams, body: body(BookmarkBody) },
  responses: { 201: json(BookmarkSchema, "The bookmark."), ...problems(400, 401, 403, 404, 409, 413, 415) },
});

export const accountBookmarks = defineRoute({
  ...base,
  method: "get",
  path: "/admin/recovery/accounts/{account}/bookmarks",
  operationId: "listAccountBookmarks",
  summary: "List an account's snapshot bookmarks",
  request: { params: AccountParams },
  responses: { 200: json(list, "Oldest first."), ...problems(400, 401, 403, 404) },
});

export const accountRestore = defineRoute({
  ...base,
  method: "post",
  path: "/admin/recovery/accounts/{account}/restore",
  operationId: "restoreAccount",
  summary: "Restore an account to a bookmark (refused when the journal holds later changes)",
  request: { params: AccountParams, body: body(RestoreBody) },
  responses: { 200: json(Restored, "Restored."), ...problems(400, 401, 403, 404, 409, 413, 415, 503) },
});

export const accountVerify = defineRoute({
  ...base,
  method: "get",
  path: "/admin/recovery/accounts/{account}/verify",
  operationId: "verifyAccount",
  summary: "Compare an account's balances with its ledger journal",
  request: { params: AccountParams },
  responses: { 200: json(Verify, "The comparison."), ...problems(400, 401, 403, 404, 503) },
});

export const RECOVERY_CONTRACTS = [
  bookBookmark,
  bookBookmarks,
  bookRestore,
  bookVerify,
  accountBookmark,
  accountBookmarks,
  accountRestore,
  accountVerify,
] as const;
