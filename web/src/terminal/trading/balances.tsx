/**
 * The account's balances per asset, live from the account store: available, on hold, and the total
 * under the hold when something is on hold (three 16-digit columns do not fit the 300 px column).
 */
import { compare } from "../../common/decimal.ts";
import { useTerminal } from "../context.ts";
import { balancesByAsset } from "./account-model.ts";
import { useAccount } from "./account-store.tsx";
import "./trading.css";

const isZero = (value: string) => compare(value, "0") === 0;

export function Balances() {
  const { instrument } = useTerminal();
  const { model, loaded, live, error } = useAccount();
  const rows = balancesByAsset(model);
  const traded = new Set([instrument.base, instrument.quote]);

  return (
    <div data-testid="balances" class="balances">
      <div class="trading-heading">
        <h2>Balances</h2>
        <span class={`badge ${live ? "good" : "warn"}`} data-testid="account-live">
          {live ? "live" : "not live"}
        </span>
      </div>
      {error && (
        <p role="alert" class="trading-error" data-testid="account-error">
          {error}
        </p>
      )}
      <table>
        <caption class="visually-hidden">Balances per asset</caption>
        <thead>
          <tr>
            <th scope="col">Asset</th>
            <th scope="col" class="num">
              Available
            </th>
            <th scope="col" class="num">
              On hold <span class="balance-total">/ total</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((b) => (
            <tr
              key={b.asset}
              data-testid="balance"
              data-asset={b.asset}
              data-available={b.available}
              data-hold={b.hold}
              data-total={b.total}
              class={traded.has(b.asset) ? "balance-traded" : undefined}
            >
              <th scope="row">{b.asset}</th>
              <td class="num">{b.available}</td>
              <td class="num">
                {b.hold}
                {/* With nothing on hold the total is the available amount: a second line only when it differs. */}
                <span class={isZero(b.hold) ? "visually-hidden" : "balance-total"}>{b.total}</span>
              </td>
            </tr>
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={3} class="muted">
                {loaded ? "No balances." : "Loading…"}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
