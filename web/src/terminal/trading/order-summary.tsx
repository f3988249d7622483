/**
 * Under the order form: what the order spends from (the quote asset's available balance for a buy,
 * the base asset's for a sell) and the estimate: cost = price × size exactly, and the fee at the
 * taker rate (maker for post-only), rounded up, in the quote asset.
 */
import { useTerminal } from "../context.ts";
import { useAccount } from "./account-store.tsx";
import { estimate, type OrderDraft, quoteDecimals } from "./order-draft.ts";

export function OrderSummary({ draft }: { draft: OrderDraft }) {
  const { instrument } = useTerminal();
  const { model, loaded } = useAccount();
  const spends = draft.side === "buy" ? instrument.quote : instrument.base;
  const balance = model.balances.get(spends);
  const quoteTotal = model.balances.get(instrument.quote)?.total;
  const e = estimate(draft, instrument, quoteDecimals(instrument, quoteTotal));
  const quote = instrument.quote;

  return (
    <div class="order-summary">
      <dl>
        <div>
          <dt>Available</dt>
          <dd class="num" data-testid="order-available" data-asset={spends} data-available={balance?.available ?? ""}>
            {balance ? balance.available : loaded ? "0" : "…"} {spends}
          </dd>
        </div>
      </dl>
      <dl data-testid="order-estimate" data-cost={e.cost ?? ""} data-fee={e.fee ?? ""}>
        <div>
          <dt>{draft.type === "stop" ? "Cost at stop" : "Cost"}</dt>
          <dd class="num">{e.cost === undefined ? "at market" : `${e.cost} ${quote}`}</dd>
        </div>
        <div>
          <dt>
            Fee ({e.liquidity} {e.feeBps} bps)
          </dt>
          <dd class="num">{e.fee === undefined ? "—" : `≤ ${e.fee} ${quote}`}</dd>
        </div>
      </dl>
    </div>
  );
}
