/**
 * `GET /v1/accounts/me/statement` (`read`): the caller's statement for a period, as JSON or,
 * with `format=csv`, as one CSV table (shared/ledger/statement.ts).
 */
import { statementCsv } from "../../../shared/ledger/statement.ts";
import { getMyStatement } from "../openapi/contracts/statements.ts";
import { createRouter } from "../openapi/router.ts";
import { contextOf } from "../operations/context.ts";
import { getStatement } from "../operations/statements.ts";

export const statements = createRouter();

statements.openapi(getMyStatement, async (c) => {
  const query = c.req.valid("query");
  const statement = await getStatement.run(contextOf(c), query);
  if (query.format !== "csv") return c.json(statement, 200);
  const name = `statement-${statement.account}-${statement.start}-${statement.end}.csv`;
  return c.body(statementCsv(statement), 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${name}"`,
  });
});
