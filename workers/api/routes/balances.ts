/**
 * Balances and the ledger (mount at /v1, before `admin`: both live under /admin).
 *
 * The caller's own (`read`): `GET /accounts/me/balances`, `GET /accounts/me/ledger`,
 * adapters of the account operations (`operations/accounts.ts`), which every
 * protocol shares. Only the caller's account is ever addressed.
 *
 * The operator's (`admin`, or the operator token): `POST /admin/accounts/{account}/deposits`
 * and `/withdrawals` (idempotent by `reference`), `PATCH /admin/accounts/{account}`
 * (kill switch) and `GET /admin/accounts/{account}/balances`. Scopes are enforced
 * app-wide from the contracts (`authorizeRoute`); every change happens inside the
 * account's object, its balances' only writer.
 */
import type { Context } from "hono";
import type { TransferInput, TransferResult } from "../../../durable-objects/account/index.ts";
import { accountStub } from "../../../durable-objects/account/stub.ts";
import type { AppEnv } from "../env.ts";
import {
  changeAccount,
  depositFunds,
  getAccountBalances,
  getMyBalances,
  getMyLedger,
  withdrawFunds,
} from "../openapi/contracts/accounts-balances.ts";
import { createRouter } from "../openapi/router.ts";
import * as ops from "../operations/accounts.ts";
import { contextOf } from "../operations/context.ts";
import { problemException } from "../problem.ts";

export const balances = createRouter();

balances.openapi(getMyBalances, async (c) => c.json(await ops.getBalances.run(contextOf(c), {}), 200));

balances.openapi(getMyLedger, async (c) => c.json(await ops.getLedger.run(contextOf(c), c.req.valid("query")), 200));

balances.openapi(getAccountBalances, async (c) => {
  const { account } = c.req.valid("param");
  const result = await accountStub(c.env.ACCOUNT, account).balances(account);
  if (!result.ok) throw problemException("account_not_found", result.message);
  const { ok: _ok, ...view } = result;
  return c.json(view, 200);
});

balances.openapi(depositFunds, async (c) => {
  const { account } = c.req.valid("param");
  const input = c.req.valid("json");
  return transferReply(c, await accountStub(c.env.ACCOUNT, account).deposit(account, input satisfies TransferInput));
});

balances.openapi(withdrawFunds, async (c) => {
  const { account } = c.req.valid("param");
  const input = c.req.valid("json");
  return transferReply(c, await accountStub(c.env.ACCOUNT, account).withdraw(account, input satisfies TransferInput));
});

balances.openapi(changeAccount, async (c) => {
  const { account } = c.req.valid("param");
  const { trading_enabled } = c.req.valid("json");
  const result = await accountStub(c.env.ACCOUNT, account).setTradingEnabled(account, trading_enabled);
  if (!result.ok) throw problemException("account_not_found", result.message);
  const { ok: _ok, ...view } = result;
  return c.json(view, 200);
});

/** 201 for a new transfer, 200 for a replay of its reference, else the problem. */
function transferReply(c: Context<AppEnv>, result: TransferResult) {
  c.header("cache-control", "no-store");
  if (result.ok) {
    const status = result.replayed ? 200 : 201;
    return c.json({ ...result.outcome, replayed: result.replayed }, status);
  }
  switch (result.code) {
    case "account_not_found":
      throw problemException("account_not_found", result.message);
    case "insufficient_available":
      throw problemException("insufficient_available", result.message, {
        extensions: {
          instance: c.req.path,
          asset: result.asset,
          available: result.available,
          requested: result.requested,
        },
      });
    case "reference_conflict":
      throw problemException("reference_conflict", result.message, {
        extensions: { instance: c.req.path, original: result.original },
      });
    default:
      throw problemException("invalid_request", result.message, { extensions: { instance: c.req.path } });
  }
}
