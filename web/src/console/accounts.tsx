/**
 * Accounts: look one up by id, its balances (GET /v1/admin/accounts/{account}/balances, which
 * also carries the kill switch), deposits and withdrawals, and the trading kill switch.
 */
import type { RestClient } from "@platform3/client";
import { useState } from "preact/hooks";
import { KillSwitch } from "./kill-switch.tsx";
import { useLoad } from "./loader.ts";
import { ReadError } from "./read-error.tsx";
import { ScrollBox } from "./scroll-box.tsx";
import { TransferForm } from "./transfer-form.tsx";

const ACCOUNT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export function AccountsTab({ rest }: { rest: RestClient }) {
  const [query, setQuery] = useState("");
  const [account, setAccount] = useState<string | undefined>(undefined);
  const [invalid, setInvalid] = useState(false);
  const balances = useLoad(async () => {
    if (!account) throw new Error("no account");
    const { data } = await rest.api.GET("/v1/admin/accounts/{account}/balances", { params: { path: { account } } });
    return data;
  }, account);

  const find = (e: Event) => {
    e.preventDefault();
    const id = query.trim();
    setInvalid(!ACCOUNT_ID.test(id));
    if (!ACCOUNT_ID.test(id)) return;
    if (id === account) void balances.reload();
    else setAccount(id);
  };

  const data = balances.data;
  const assets = data?.balances.map((b) => b.asset) ?? [];
  return (
    <div class="stack">
      <section class="panel" aria-labelledby="account-find-title">
        <h2 id="account-find-title">Find an account</h2>
        <form class="row" onSubmit={find}>
          <label for="account-search" class="grow">
            Account id
            <input
              id="account-search"
              type="search"
              value={query}
              placeholder="alice"
              autoComplete="off"
              spellcheck={false}
              onInput={(e) => setQuery(e.currentTarget.value)}
              aria-invalid={invalid ? true : undefined}
              aria-describedby={invalid ? "account-search-error" : undefined}
            />
          </label>
          <button type="submit" class="primary align-end">
            Find
          </button>
        </form>
        {invalid && (
          <p id="account-search-error" class="field-error">
            An account id is 1–128 letters, digits or . _ : -
          </p>
        )}
      </section>
      {account && (
        <div class="account-grid">
          <section class="panel" aria-labelledby="balances-title" data-testid="account-balances" data-account={account}>
            <div class="panel-head">
              <h2 id="balances-title">Balances of {account}</h2>
              <button type="button" onClick={() => balances.reload()} disabled={balances.loading}>
                Refresh
              </button>
            </div>
            <ReadError error={balances.error} />
            {!data && !balances.error && <p class="muted">Loading…</p>}
            {data && data.balances.length === 0 && <p class="muted">No balances yet.</p>}
            {data && data.balances.length > 0 && (
              <ScrollBox label="Balances table">
                <table>
                  <caption class="visually-hidden">Balances of {account} per asset</caption>
                  <thead>
                    <tr>
                      <th scope="col">Asset</th>
                      <th scope="col" class="num">
                        Total
                      </th>
                      <th scope="col" class="num">
                        Available
                      </th>
                      <th scope="col" class="num">
                        Hold
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.balances.map((b) => (
                      <tr key={b.asset} data-asset={b.asset}>
                        <th scope="row">{b.asset}</th>
                        <td class="num">{b.total}</td>
                        <td class="num">{b.available}</td>
                        <td class="num">{b.hold}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </ScrollBox>
            )}
          </section>
          {data && (
            <KillSwitch
              rest={rest}
              account={data.account_id}
              enabled={data.trading_enabled}
              onChanged={balances.reload}
            />
          )}
          <TransferForm rest={rest} account={account} kind="deposit" assets={assets} onDone={balances.reload} />
          <TransferForm rest={rest} account={account} kind="withdrawal" assets={assets} onDone={balances.reload} />
        </div>
      )}
    </div>
  );
}
