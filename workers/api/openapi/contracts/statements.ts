/** Contract of the caller's statement (`GET /v1/accounts/me/statement`, docs/accounts-and-orders.md#statements). */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../define.ts";
import { queryInteger } from "../query-params.ts";
import { problems } from "../schemas.ts";
import { LedgerEntrySchema } from "./accounts-balances.ts";
import { FillSchema } from "./order-schemas.ts";

/** Most ledger entries (and most fills) one statement holds. */
export const MAX_STATEMENT_ENTRIES = 50_000;
/** The longest period one statement covers, ms (a year and a day). */
export const MAX_STATEMENT_MS = 366 * 24 * 3_600_000;

const epochMs = (name: string) => queryInteger({ name, min: 0, max: Number.MAX_SAFE_INTEGER });

export const StatementQuery = z
  .object({
    start: epochMs("start").openapi({ description: "Period start, epoch ms (inclusive)." }),
    end: epochMs("end").openapi({ description: "Period end, epoch ms (exclusive)." }),
    format: z
      .enum(["json", "csv"], { message: "format must be one of json, csv" })
      .optional()
      .openapi({ description: "`json` (default) or `csv` (one table: opening rows, entries, closing rows)." }),
  })
  .strict()
  .refine((q) => q.start < q.end, { message: "start must be before end", path: ["start"] })
  .refine((q) => q.end - q.start <= MAX_STATEMENT_MS, {
    message: "the period is longer than 366 days",
    path: ["end"],
  });

const Amount = z.string().openapi({ description: "Decimal string.", example: "1000.00000000" });

export const StatementAssetSchema = z
  .object({
    asset: z.string(),
    opening: Amount,
    credits: Amount,
    debits: Amount,
    fees: Amount,
    closing: Amount,
    entries: z.number().int(),
    reconciled: z.boolean().openapi({
      description: "opening + the entries' amounts equals the running balance of the period's last entry.",
    }),
  })
  .openapi("StatementAsset");

export const StatementSchema = z
  .object({
    account: z.string(),
    start: z.number().int(),
    end: z.number().int(),
    generated_at: z.number().int(),
    assets: z.array(StatementAssetSchema),
    entries: z.array(LedgerEntrySchema).openapi({ description: "Every ledger entry of the period, oldest first." }),
    fills: z.array(FillSchema).openapi({ description: "Every fill of the period, oldest first." }),
    reconciled: z.boolean(),
  })
  .openapi("Statement");

export const getMyStatement = defineRoute({
  method: "get",
  path: "/accounts/me/statement",
  operationId: "getMyStatement",
  tags: ["accounts"],
  summary: "The caller's statement for a period (JSON or CSV)",
  description:
    "Opening and closing balance per asset, every ledger entry of `[start, end)` oldest first, credits, debits and " +
    "fees, and the fills, reconciled against the running balances. `format=csv` answers `text/csv`. At most " +
    `${MAX_STATEMENT_ENTRIES} entries and 366 days.`,
  scope: "read",
  routeClass: "account",
  request: { query: StatementQuery },
  responses: {
    200: {
      description: "The statement.",
      content: {
        "application/json": { schema: StatementSchema },
        "text/csv": {
          schema: z.string().openapi({ description: "row,time,entry_id,tx_id,type,asset,amount,balance,reference" }),
        },
      },
    },
    ...problems(400, 401, 403),
  },
});
