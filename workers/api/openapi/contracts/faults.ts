/**
 * Contract of the fault-injection route (`npm run bench:load -- --faults`). Mounted
 * only when `FAULT_ROUTES` is "true" (set by the load run alone), so it is absent
 * from the public document and from `API_CONTRACTS`. Operator credentials.
 */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../define.ts";
import { json, problems, SymbolParams } from "../schemas.ts";

export const MAX_RESEND_EVENTS = 500;
export const MAX_OUTAGE_MS = 600_000;

export const FaultBody = z
  .object({
    target: z.enum(["book", "account"]),
    /** The instrument symbol (book) or account id (account). */
    id: z.string().min(1).max(128),
    kind: z.enum(["abort", "resend", "outage"]),
    /** `resend`: how many of the newest already-sent journal events to send again. */
    events: z.number().int().min(1).max(MAX_RESEND_EVENTS).optional(),
    /** `outage` (books only): how long the book stays unreachable, ms. */
    ms: z.number().int().min(1).max(MAX_OUTAGE_MS).optional(),
  })
  .strict()
  .refine((f) => f.kind !== "outage" || (f.target === "book" && f.ms !== undefined), {
    message: "outage needs target book and ms",
    path: ["ms"],
  })
  .openapi("FaultRequest");

export const FaultOutcomeSchema = z
  .object({
    target: z.enum(["book", "account"]),
    id: z.string(),
    kind: z.enum(["abort", "resend", "outage"]),
    /** `abort`, `outage`: the call to the object failed, as a crashed object's calls do. */
    aborted: z.boolean(),
    resent: z.number().int(),
  })
  .openapi("FaultOutcome");

export const injectFault = defineRoute({
  method: "post",
  path: "/faults",
  operationId: "injectFault",
  tags: ["operator"],
  summary: "Crash an object or resend its journal (fault-injection builds only)",
  description:
    "`abort` resets the book or account object as a crash would (calls in flight fail; it restarts from storage on " +
    "its next call); `resend` sends its newest `events` already-delivered journal events to the event Queue again, " +
    "as a redelivered batch would arrive; `outage` cuts the instrument's current book off for `ms` (its region " +
    "unreachable: every call fails as a reset object's does, and its alarm does not run), after its last events " +
    'reached the Queue. Only when `FAULT_ROUTES` is "true".',
  scope: "admin",
  routeClass: "admin",
  request: { body: { required: true, content: { "application/json": { schema: FaultBody } } } },
  responses: { 200: json(FaultOutcomeSchema, "Done."), ...problems(400, 401, 403, 404, 415, 503) },
});

/** The recovery drill's loss (`npm run drill:restore`): every row of a book deleted, its bookmarks kept. */
export const wipeBook = defineRoute({
  method: "post",
  path: "/admin/recovery/books/{symbol}/wipe",
  operationId: "wipeBook",
  tags: ["operator"],
  summary: "Delete every row of a book (fault-injection builds only: the drill's loss)",
  scope: "admin",
  routeClass: "admin",
  request: { params: SymbolParams },
  responses: { 200: json(z.object({ wiped: z.literal(true) }), "Wiped."), ...problems(401, 403, 404) },
});
