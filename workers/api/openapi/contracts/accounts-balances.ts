/**
 * Contracts of balances and the ledger: the trader's own (`read`) and the
 * operator's deposits, withdrawals, kill switch and balance view (`admin`).
 * Amounts are decimal strings on the asset's grid (`shared/ledger/assets.ts`);
 * the body schemas refuse anything else before a handler runs.
 */
import { z } from "@hono/zod-openapi";
import { ACCOUNT_ID } from "../../../../shared/auth/id-format.ts";
import { assetScale, isAssetCode, parseAmount } from "../../../../shared/ledger/assets.ts";
import { defineRoute } from "../define.ts";
import { queryInteger } from "../query-params.ts";
import { json, problems } from "../schemas.ts";

/** Most entries in one ledger page. */
export const MAX_LEDGER_PAGE = 1000;
/** Entries in a ledger page by default. */
export const DEFAULT_LEDGER_PAGE = 100;

const body = <S extends z.ZodType>(schema: S) => ({ required: true, content: { "application/json": { schema } } });

const Asset = z
  .string()
  .refine(isAssetCode, { message: "asset must be 1 to 12 upper-case letters or digits, like USD" })
  .openapi({ example: "USD" });

const Decimal = (description: string) => z.string().openapi({ description, example: "1000.50000000" });

export const AccountParams = z.object({
  account: z
    .string()
    .regex(ACCOUNT_ID, { message: "account: letters, digits, '.' and '-', 1 to 64 characters" })
    .openapi({ param: { name: "account", in: "path" }, example: "alice", description: "Account id." }),
});

export const TransferRequestSchema = z
  .object({
    asset: Asset,
    amount: z
      .string()
      .max(64, { message: "amount is too long" })
      .openapi({ description: "Positive decimal string with at most the asset's fraction digits.", example: "100.5" }),
    reference: z
      .string()
      .regex(/^[A-Za-z0-9._:/-]{1,128}$/, {
        message: "reference: 1 to 128 of A-Z a-z 0-9 . _ : / -",
      })
      .openapi({
        description: "Idempotency: the same reference always answers the first outcome and never moves money twice.",
        example: "wire-2026-03-11-0001",
      }),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (typeof t.amount !== "string" || typeof t.asset !== "string" || !isAssetCode(t.asset)) return;
    const parsed = parseAmount(t.amount, t.asset);
    if (!parsed.ok) {
      const message =
        parsed.code === "amount_off_grid"
          ? `${t.asset} amounts have at most ${assetScale(t.asset)} fraction digits`
          : parsed.code === "negative_amount"
            ? "amount must be positive"
            : 'amount must be a decimal string like "12.34"';
      ctx.addIssue({ code: "custom", path: ["amount"], message });
    } else if (parsed.amount <= 0n) {
      ctx.addIssue({ code: "custom", path: ["amount"], message: "amount must be positive" });
    }
  })
  .openapi("TransferRequest");

export const BalanceSchema = z
  .object({
    asset: z.string(),
    total: Decimal("Everything the account holds."),
    available: Decimal("total − hold: what can be withdrawn or put on hold."),
    hold: Decimal("Reserved by open orders."),
  })
  .openapi("Balance");

export const TransferOutcomeSchema = z
  .object({
    account_id: z.string(),
    reference: z.string(),
    type: z.enum(["deposit", "withdrawal"]),
    asset: z.string(),
    amount: Decimal("The amount moved, at the asset's full precision."),
    tx_id: z.number().int().openapi({ description: "Ledger transaction id." }),
    time: z.string().openapi({ description: "RFC 3339." }),
    time_ms: z.number().int().openapi({ description: "Epoch milliseconds." }),
    balance: BalanceSchema.openapi({ description: "The asset's balances right after this transfer." }),
    replayed: z.boolean().openapi({ description: "True when this reference was seen before: the first outcome." }),
  })
  .openapi("TransferOutcome");

export const MyBalancesSchema = z.object({ balances: z.array(BalanceSchema) }).openapi("Balances");

export const AccountBalancesSchema = z
  .object({
    account_id: z.string(),
    trading_enabled: z.boolean(),
    balances: z.array(BalanceSchema),
  })
  .openapi("AccountBalances");

export const TradingSwitchRequestSchema = z
  .object({ trading_enabled: z.boolean({ message: "trading_enabled must be true or false" }) })
  .strict()
  .openapi("AccountChange");

export const TradingSwitchSchema = z
  .object({
    account_id: z.string(),
    trading_enabled: z.boolean(),
    changed_at: z.string().nullable().openapi({ description: "RFC 3339 of the last change; null if never." }),
    changed_at_ms: z.number().int().nullable(),
  })
  .openapi("AccountTradingStatus");

export const LedgerEntrySchema = z
  .object({
    entry_id: z.number().int(),
    tx_id: z.number().int().openapi({ description: "The transaction (a deposit posts one entry, a hold two)." }),
    time: z.string().openapi({ description: "RFC 3339." }),
    time_ms: z.number().int(),
    type: z.enum(["deposit", "withdrawal", "hold", "release", "trade", "fee"]),
    asset: z.string(),
    amount: Decimal("Signed change of the asset's total (hold entries: of its hold)."),
    balance: Decimal("The asset's total after this entry."),
    hold: Decimal("The asset's hold after this entry."),
    reference: z.string().openapi({ description: "The transfer reference, order or fill id." }),
  })
  .openapi("LedgerEntry");

export const LedgerPageSchema = z
  .object({
    entries: z.array(LedgerEntrySchema),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for older entries; null at the end." }),
  })
  .openapi("LedgerPage");

const EpochMs = queryInteger({ min: 0, max: Number.MAX_SAFE_INTEGER });

export const LedgerQuery = z
  .object({
    asset: Asset.optional().openapi({ description: "Only this asset." }),
    start: EpochMs.optional().openapi({ description: "Entries at or after, epoch ms." }),
    end: EpochMs.optional().openapi({ description: "Entries before, epoch ms." }),
    limit: queryInteger({ name: "limit", min: 1, max: MAX_LEDGER_PAGE })
      .optional()
      .openapi({ description: `Default ${DEFAULT_LEDGER_PAGE}, at most ${MAX_LEDGER_PAGE}.` }),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,24}$/, { message: "cursor must be a next_cursor from a previous page" })
      .optional()
      .openapi({ description: "Opaque: `next_cursor` of the previous page." }),
  })
  .refine((q) => q.start === undefined || q.end === undefined || q.start < q.end, {
    message: "start must be before end",
    path: ["start"],
  });

// ── operations ─────────────────────────────────────────────────────────────

const accountTags = ["accounts"];
const operatorTags = ["operator"];

export const getMyBalances = defineRoute({
  method: "get",
  path: "/accounts/me/balances",
  operationId: "getMyBalances",
  tags: accountTags,
  summary: "The caller's balances per asset",
  description: "Total, available and hold per asset the account has used, as decimal strings.",
  scope: "read",
  routeClass: "account",
  responses: { 200: json(MyBalancesSchema, "Balances, by asset code."), ...problems(401, 403) },
});

export const getMyLedger = defineRoute({
  method: "get",
  path: "/accounts/me/ledger",
  operationId: "getMyLedger",
  tags: accountTags,
  summary: "The caller's ledger entries, newest first",
  description:
    "Journal entries with running balances. Filter by `asset` and a time range (`start` inclusive, `end` exclusive, " +
    "epoch ms); page older with `cursor` = the previous `next_cursor`.",
  scope: "read",
  routeClass: "account",
  request: { query: LedgerQuery },
  responses: { 200: json(LedgerPageSchema, "Entries, newest first."), ...problems(400, 401, 403) },
});

export const getAccountBalances = defineRoute({
  method: "get",
  path: "/admin/accounts/{account}/balances",
  operationId: "getAccountBalances",
  tags: operatorTags,
  summary: "An account's balances and kill switch",
  scope: "admin",
  routeClass: "admin",
  request: { params: AccountParams },
  responses: { 200: json(AccountBalancesSchema, "Balances."), ...problems(400, 401, 403, 404) },
});

export const depositFunds = defineRoute({
  method: "post",
  path: "/admin/accounts/{account}/deposits",
  operationId: "depositFunds",
  tags: operatorTags,
  summary: "Credit an account (idempotent by reference)",
  description:
    "201 with the outcome; the same reference again answers 200 with the first outcome (`replayed: true`) and " +
    "credits nothing. A reference already used for another transfer is 409 `reference_conflict`.",
  scope: "admin",
  routeClass: "admin",
  request: { params: AccountParams, body: body(TransferRequestSchema) },
  responses: {
    200: json(TransferOutcomeSchema, "A replay: the first outcome of this reference."),
    201: json(TransferOutcomeSchema, "Credited."),
    ...problems(400, 401, 403, 404, 409, 413, 415),
  },
});

export const withdrawFunds = defineRoute({
  method: "post",
  path: "/admin/accounts/{account}/withdrawals",
  operationId: "withdrawFunds",
  tags: operatorTags,
  summary: "Debit an account's available balance (idempotent by reference)",
  description:
    "From available only: more than available is 409 `insufficient_available` with `available` and `requested`, " +
    "and changes nothing (the reference stays unused). Replays as for deposits.",
  scope: "admin",
  routeClass: "admin",
  request: { params: AccountParams, body: body(TransferRequestSchema) },
  responses: {
    200: json(TransferOutcomeSchema, "A replay: the first outcome of this reference."),
    201: json(TransferOutcomeSchema, "Debited."),
    ...problems(400, 401, 403, 404, 409, 413, 415),
  },
});

export const changeAccount = defineRoute({
  method: "patch",
  path: "/admin/accounts/{account}",
  operationId: "changeAccount",
  tags: operatorTags,
  summary: "Turn an account's trading on or off (kill switch)",
  description:
    "Stored at once; order entry refuses new orders of a disabled account. Cancelling its open orders on a kill " +
    "arrives with order entry (there are no orders yet).",
  scope: "admin",
  routeClass: "admin",
  request: { params: AccountParams, body: body(TradingSwitchRequestSchema) },
  responses: { 200: json(TradingSwitchSchema, "The switch."), ...problems(400, 401, 403, 404, 413, 415) },
});

/** Every operation above, paths relative to /v1. */
export const BALANCE_CONTRACTS = [
  getMyBalances,
  getMyLedger,
  getAccountBalances,
  depositFunds,
  withdrawFunds,
  changeAccount,
] as const;
