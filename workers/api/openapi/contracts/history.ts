/**
 * Contracts of the history routes, answered from Postgres (the system of record
 * the event pipeline writes): the caller's done orders, fills and ledger
 * (`read`, route class `account`) and an instrument's trades and candles
 * (public, `market_data`). Open orders and balances stay with the objects.
 *
 * Pages are newest first with opaque keyset cursors (`next_cursor`); time ranges
 * are epoch ms, `start` inclusive, `end` exclusive. Without Postgres configured,
 * or while it is unreachable, every route answers 503 `history_unavailable`.
 */
import { z } from "@hono/zod-openapi";
import { isAssetCode } from "../../../../shared/ledger/assets.ts";
import { SymbolString } from "../../../../shared/orders/input.ts";
import { defineRoute } from "../define.ts";
import { queryInteger } from "../query-params.ts";
import { json, problems, SymbolParams } from "../schemas.ts";
import { LedgerPageSchema } from "./accounts-balances.ts";
import { CANDLE_INTERVAL_NAMES, CandleSchema, TradeSchema } from "./market-data.ts";
import { FillPageSchema, KEY_PATTERN, OrderPageSchema } from "./order-schemas.ts";

/** Most rows in one history page. */
export const MAX_HISTORY_PAGE = 1000;
/** Rows in a history page by default. */
export const DEFAULT_HISTORY_PAGE = 100;
/** Most candles one history request spans (`(end − start) / interval`). */
export const MAX_HISTORY_CANDLES = 1000;
/** Longest window of one candles request, ms (31 days). */
export const MAX_CANDLE_SPAN_MS = 31 * 86_400_000;
/** The order statuses history holds: orders no longer open. */
export const DONE_STATUSES = ["filled", "cancelled", "expired", "rejected"] as const;

const CURSOR_MESSAGE = "cursor must be a next_cursor from a previous page";

const EpochMs = queryInteger({ min: 0, max: 8_640_000_000_000_000 });

const Limit = queryInteger({ name: "limit", min: 1, max: MAX_HISTORY_PAGE })
  .optional()
  .openapi({ description: `Default ${DEFAULT_HISTORY_PAGE}, at most ${MAX_HISTORY_PAGE}.` });

const Cursor = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,200}$/, { message: CURSOR_MESSAGE })
  .optional()
  .openapi({ description: "Opaque: `next_cursor` of the previous page (same filters)." });

const Instrument = SymbolString.clone()
  .optional()
  .openapi({ description: "Only this instrument.", example: "BTC-USD" });

const Asset = z
  .string()
  .refine(isAssetCode, { message: "asset must be 1 to 12 upper-case letters or digits, like USD" })
  .optional()
  .openapi({ description: "Only this asset.", example: "USD" });

const Start = (what: string) => EpochMs.optional().openapi({ description: `${what} at or after, epoch ms.` });
const End = (what: string) => EpochMs.optional().openapi({ description: `${what} before, epoch ms.` });

const timeRange = <T extends { start?: number | undefined; end?: number | undefined }>(q: T) =>
  q.start === undefined || q.end === undefined || q.start < q.end;
const RANGE = { message: "start must be before end", path: ["start"] };

export const HistoryOrdersQuery = z
  .object({
    instrument: Instrument,
    status: z
      .enum(DONE_STATUSES, { message: `status must be one of ${DONE_STATUSES.join(", ")}` })
      .optional()
      .openapi({ description: "Only this final status; every one by default." }),
    start: Start("Orders created"),
    end: End("Orders created"),
    limit: Limit,
    cursor: Cursor,
  })
  .refine(timeRange, RANGE);

export const HistoryFillsQuery = z
  .object({
    instrument: Instrument,
    order_id: z.string().regex(KEY_PATTERN, { message: "order_id must be 1 to 64 of A-Z a-z 0-9 . _ : -" }).optional(),
    start: Start("Fills"),
    end: End("Fills"),
    limit: Limit,
    cursor: Cursor,
  })
  .refine(timeRange, RANGE);

export const HistoryLedgerQuery = z
  .object({
    asset: Asset,
    start: Start("Entries"),
    end: End("Entries"),
    limit: Limit,
    cursor: Cursor,
  })
  .refine(timeRange, RANGE);

export const HistoryTradesQuery = z
  .object({
    start: Start("Trades"),
    end: End("Trades"),
    limit: Limit,
    cursor: Cursor,
  })
  .strict()
  .refine(timeRange, RANGE);

export const HistoryCandlesQuery = z
  .object({
    interval: z.enum(CANDLE_INTERVAL_NAMES, {
      message: `interval must be one of ${CANDLE_INTERVAL_NAMES.join(", ")}`,
    }),
    start: EpochMs.optional().openapi({
      description: `Window start, epoch ms (default: ${MAX_HISTORY_CANDLES} intervals before end, at most 31 days).`,
    }),
    end: EpochMs.optional().openapi({ description: "Window end, epoch ms (default now)." }),
  })
  .strict()
  .refine(timeRange, RANGE);

export const HistoryTradesPageSchema = z
  .object({
    instrument: z.string(),
    trades: z.array(TradeSchema),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for older trades; null at the end." }),
  })
  .openapi("HistoryTradesPage");

export const HistoryCandlesSchema = z
  .object({
    instrument: z.string(),
    interval: z.enum(CANDLE_INTERVAL_NAMES),
    start: z.number().int(),
    end: z.number().int(),
    candles: z.array(CandleSchema),
  })
  .openapi("HistoryCandles");

// ── operations ─────────────────────────────────────────────────────────────

const accountProblems = problems(400, 401, 403, 503);
const publicProblems = problems(400, 404, 503);
const unavailable =
  " 503 `history_unavailable` (with `Retry-After`) when Postgres is not configured or unreachable; the data is " +
  "what the event pipeline has delivered, usually within a second or two of the event.";

export const getOrderHistory = defineRoute({
  method: "get",
  path: "/history/orders",
  operationId: "getOrderHistory",
  tags: ["orders"],
  summary: "The caller's orders no longer open, newest first (from Postgres)",
  description:
    "Each order's final view. Filter by `instrument`, final `status` and creation time; page older with `cursor`." +
    unavailable,
  scope: "read",
  routeClass: "account",
  request: { query: HistoryOrdersQuery },
  responses: { 200: json(OrderPageSchema, "Done orders, newest first."), ...accountProblems },
});

export const getFillHistory = defineRoute({
  method: "get",
  path: "/history/fills",
  operationId: "getFillHistory",
  tags: ["orders"],
  summary: "The caller's fills, newest first (from Postgres)",
  description: `Filter by \`instrument\`, \`order_id\` and time; page older with \`cursor\`.${unavailable}`,
  scope: "read",
  routeClass: "account",
  request: { query: HistoryFillsQuery },
  responses: { 200: json(FillPageSchema, "Fills, newest first."), ...accountProblems },
});

export const getLedgerHistory = defineRoute({
  method: "get",
  path: "/history/ledger",
  operationId: "getLedgerHistory",
  tags: ["accounts"],
  summary: "The caller's ledger entries, newest first (from Postgres)",
  description:
    "The same entries as `GET /v1/accounts/me/ledger`, with running balances, for as far back as the account " +
    `goes. Filter by \`asset\` and time; page older with \`cursor\`.${unavailable}`,
  scope: "read",
  routeClass: "account",
  request: { query: HistoryLedgerQuery },
  responses: { 200: json(LedgerPageSchema, "Entries, newest first."), ...accountProblems },
});

export const getTradeHistory = defineRoute({
  method: "get",
  path: "/instruments/{symbol}/history/trades",
  operationId: "getTradeHistory",
  tags: ["market data"],
  summary: "An instrument's trades, newest first (from Postgres)",
  description: `Every trade, beyond what the book keeps. Filter by time; page older with \`cursor\`.${unavailable}`,
  scope: "public",
  routeClass: "market_data",
  request: { params: SymbolParams, query: HistoryTradesQuery },
  responses: { 200: json(HistoryTradesPageSchema, "Trades, newest first."), ...publicProblems },
});

export const getCandleHistory = defineRoute({
  method: "get",
  path: "/instruments/{symbol}/history/candles",
  operationId: "getCandleHistory",
  tags: ["market data"],
  summary: "OHLCV candles aggregated from one-minute candles (from Postgres)",
  description:
    `Oldest first; the window spans at most ${MAX_HISTORY_CANDLES} intervals and 31 days (400 otherwise). ` +
    `Aggregated in Postgres with exact numerics.${unavailable}`,
  scope: "public",
  routeClass: "market_data",
  request: { params: SymbolParams, query: HistoryCandlesQuery },
  responses: { 200: json(HistoryCandlesSchema, "Candles in the window."), ...publicProblems },
});

/** Every operation above, paths relative to /v1. */
export const HISTORY_CONTRACTS = [
  getOrderHistory,
  getFillHistory,
  getLedgerHistory,
  getTradeHistory,
  getCandleHistory,
] as const;
