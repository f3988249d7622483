/**
 * The caller's balances and ledger, from the caller's own Account object (the
 * only writer of its balances): another account's data is unreachable by
 * construction. A principal whose account was never created (OIDC without
 * keys) simply has nothing.
 */
import { z } from "zod";
import { accountStub } from "../../../durable-objects/account/stub.ts";
import { beforeId, nextIdCursor } from "../cursors.ts";
import { DEFAULT_LEDGER_PAGE, LedgerQuery } from "../openapi/contracts/accounts-balances.ts";
import { callerIn, defineOperation } from "./define.ts";

export const getBalances = defineOperation({
  name: "accounts.balances",
  scope: "read",
  routeClass: "account",
  idempotency: "read",
  input: z.object({}).strict(),
  async run(ctx) {
    const { account } = callerIn(ctx);
    const result = await accountStub(ctx.env.ACCOUNT, account).balances(account);
    return { balances: result.ok ? result.balances : [] };
  },
});

export const getLedger = defineOperation({
  name: "accounts.ledger",
  scope: "read",
  routeClass: "account",
  idempotency: "read",
  input: LedgerQuery,
  async run(ctx, q) {
    const { account } = callerIn(ctx);
    const before = beforeId(q.cursor);
    const result = await accountStub(ctx.env.ACCOUNT, account).ledgerEntries(account, {
      asset: q.asset,
      start: q.start,
      end: q.end,
      before,
      limit: q.limit ?? DEFAULT_LEDGER_PAGE,
    });
    if (!result.ok) return { entries: [], next_cursor: null };
    return { entries: result.entries, next_cursor: nextIdCursor(result.next_before) };
  },
});
