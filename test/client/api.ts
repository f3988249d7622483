/**
 * REST bodies as the OpenAPI contract declares them (`workers/api/openapi/contracts/`,
 * the document `GET /v1/openapi.json` serves): `z.output` of the route schemas, so
 * they follow the contract. Types only: nothing here is imported at run time, and
 * nothing validates an answer against them (the caller names what it expects).
 */
import type { z } from "@hono/zod-openapi";
import type { CreatedAccountSchema, MeSchema, TokenResponseSchema } from "../../workers/api/auth/contracts.ts";
import type {
  AccountBalancesSchema,
  LedgerPageSchema,
  MyBalancesSchema,
  TransferOutcomeSchema,
} from "../../workers/api/openapi/contracts/accounts-balances.ts";
import type { BatchResultSchema, FeesSummarySchema } from "../../workers/api/openapi/contracts/admin.ts";
import type { benchBacklog } from "../../workers/api/openapi/contracts/bench.ts";
import type { FaultOutcomeSchema } from "../../workers/api/openapi/contracts/faults.ts";
import type { HistoryTradesPageSchema } from "../../workers/api/openapi/contracts/history.ts";
import type {
  BookSchema,
  InstrumentSchema,
  TradesPageSchema,
} from "../../workers/api/openapi/contracts/market-data.ts";
import type {
  BatchReplySchema,
  CancelAfterReplySchema,
  FillPageSchema,
  FillSchema,
  OrderOnlySchema,
  OrderPageSchema,
  OrderReplySchema,
  OrderSchema,
} from "../../workers/api/openapi/contracts/order-schemas.ts";
import type { ReplayReportSchema } from "../../workers/api/openapi/contracts/replay.ts";

/** The JSON body `route` (a `defineRoute` of the contracts) declares for `status`. */
export type BodyOf<R extends { responses: object }, S extends keyof R["responses"]> = R["responses"][S] extends {
  content: { "application/json": { schema: infer Schema extends z.ZodType } };
}
  ? z.output<Schema>
  : never;

export type Order = z.output<typeof OrderSchema>;
export type Fill = z.output<typeof FillSchema>;
export type Balance = z.output<typeof MyBalancesSchema>["balances"][number];
export type Instrument = z.output<typeof InstrumentSchema>;

/** `POST /v1/orders`, `PATCH` and `DELETE /v1/orders/{id}`. */
export type OrderReply = z.output<typeof OrderReplySchema>;
export type BatchReply = z.output<typeof BatchReplySchema>;
export type OrderResult = z.output<typeof OrderOnlySchema>;
export type OrderPage = z.output<typeof OrderPageSchema>;
export type FillPage = z.output<typeof FillPageSchema>;
export type CancelAfter = z.output<typeof CancelAfterReplySchema>;

export type Balances = z.output<typeof MyBalancesSchema>;
export type AccountBalances = z.output<typeof AccountBalancesSchema>;
export type TransferOutcome = z.output<typeof TransferOutcomeSchema>;
export type LedgerPage = z.output<typeof LedgerPageSchema>;

export type Book = z.output<typeof BookSchema>;
export type TradesPage = z.output<typeof TradesPageSchema>;
export type HistoryTradesPage = z.output<typeof HistoryTradesPageSchema>;

export type Tokens = z.output<typeof TokenResponseSchema>;
export type Me = z.output<typeof MeSchema>;
export type CreatedAccount = z.output<typeof CreatedAccountSchema>;

/** `POST /v1/admin/books/{symbol}/commands`. */
export type BookCommandsResult = z.output<typeof BatchResultSchema>;
export type FeesSummary = z.output<typeof FeesSummarySchema>;
export type ReplayReport = z.output<typeof ReplayReportSchema>;
export type FaultOutcome = z.output<typeof FaultOutcomeSchema>;
export type Backlog = BodyOf<typeof benchBacklog, 200>;
