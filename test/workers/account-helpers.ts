/** Helpers for tests that need funded accounts: through the Account RPC, or as an HTTP trader with a token. */
import { env, exports } from "cloudflare:workers";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { bearer, createAccount, tokenFor } from "./auth-helpers.ts";

/** Deposits each amount once (reference `seed-<asset>`); throws if one is refused. */
export async function deposit(account: string, deposits: Record<string, string>): Promise<void> {
  for (const [asset, amount] of Object.entries(deposits)) {
    const r = await accountStub(env.ACCOUNT, account).deposit(account, { asset, amount, reference: `seed-${asset}` });
    if (!r.ok) throw new Error(r.code);
  }
}

/** Creates `account` (a read+trade key) through its object and funds it. */
export async function fundedAccount(account: string, deposits: Record<string, string>): Promise<string> {
  const created = await accountStub(env.ACCOUNT, account).createAccount(account, {
    key: { scopes: ["read", "trade"] },
  });
  if (!created.ok) throw new Error(created.message);
  await deposit(account, deposits);
  return account;
}

export interface Trader {
  account: string;
  headers: Record<string, string>;
}

/** A new funded account with a bearer token, for tests through the HTTP API. */
export async function fundedTrader(deposits: Record<string, string>, headers: Record<string, string> = {}) {
  const created = await createAccount(["read", "trade"]);
  const { access_token } = await tokenFor(created.keyId, created.secret);
  await deposit(created.account, deposits);
  return { account: created.account, headers: { ...bearer(access_token), ...headers } } satisfies Trader;
}

/** `method path` with a JSON body as `who`, through the app; throws unless 2xx; the JSON answer. */
export async function send(method: string, path: string, who: Trader, body: unknown): Promise<Record<string, unknown>> {
  const res = await exports.default.fetch(`http://platform3.test${path}`, {
    method,
    headers: { ...who.headers, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json<Record<string, unknown>>();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
