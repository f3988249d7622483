/**
 * The caller's statement for a period (`accounts.statement`): opening and closing balance per
 * asset, every ledger entry of the period oldest first, credits, debits and fees, the fills, all
 * from the caller's own Account object and reconciled (shared/ledger/statement.ts). REST also
 * renders it as CSV (routes/statements.ts).
 */
import { accountStub } from "../../../durable-objects/account/stub.ts";
import { buildStatement, type StatementEntry } from "../../../shared/ledger/statement.ts";
import { MAX_LEDGER_PAGE } from "../openapi/contracts/accounts-balances.ts";
import { MAX_STATEMENT_ENTRIES, StatementQuery } from "../openapi/contracts/statements.ts";
import { problemException } from "../problem.ts";
import { callerIn, defineOperation } from "./define.ts";

/** Fills read per page. */
const FILL_PAGE = 500;

export const getStatement = defineOperation({
  name: "accounts.statement",
  scope: "read",
  routeClass: "account",
  idempotency: "read",
  input: StatementQuery,
  async run(ctx, q) {
    const { account } = callerIn(ctx);
    const stub = accountStub(ctx.env.ACCOUNT, account);
    const tooLarge = () =>
      problemException(
        "invalid_request",
        `Invalid query: the period holds more than ${MAX_STATEMENT_ENTRIES} entries or fills: ask for a shorter one.`,
        { extensions: { errors: [{ field: "end", message: "period too large" }] } },
      );
    const entries: StatementEntry[] = [];
    for (let before: number | undefined; ; ) {
      const page = await stub.ledgerEntries(account, { start: q.start, end: q.end, before, limit: MAX_LEDGER_PAGE });
      if (!page.ok) break;
      entries.push(...page.entries);
      if (entries.length > MAX_STATEMENT_ENTRIES) throw tooLarge();
      if (page.next_before === null) break;
      before = page.next_before;
    }
    // Each asset opens at the running balance of its last entry before the period.
    const balances = await stub.balances(account);
    const assets = new Set([
      ...(balances.ok ? balances.balances.map((b) => b.asset) : []),
      ...entries.map((e) => e.asset),
    ]);
    const opening = new Map<string, string>();
    await Promise.all(
      [...assets].map(async (asset) => {
        const last = await stub.ledgerEntries(account, { asset, end: q.start, limit: 1 });
        const entry = last.ok ? last.entries[0] : undefined;
        if (entry) opening.set(asset, entry.balance);
      }),
    );
    const fills: unknown[] = [];
    for (let before: number | undefined; ; ) {
      const page = await stub.listFills(account, { start: q.start, end: q.end, before, limit: FILL_PAGE });
      fills.push(...page.items);
      if (fills.length > MAX_STATEMENT_ENTRIES) throw tooLarge();
      if (page.next_before === null) break;
      before = page.next_before;
    }
    const statement = buildStatement({ start: q.start, end: q.end }, opening, entries);
    return { account, generated_at: Date.now(), ...statement, fills: fills.reverse() };
  },
});
