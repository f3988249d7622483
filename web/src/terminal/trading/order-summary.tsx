/**
 * Under the order form: what the order spends from (the quote asset's available balance for a buy,
 * the base asset's for a sell) and the estimate: cost = price × size exactly (a market order by
 * size: the book walked as it is now, book-walk.ts), and the fee at the taker rate (maker for
 * post-only), rounded up, in the quote asset.
 */
import { useTerminal } from "../context.ts";
import { useBook } from "../market/hooks.ts";
import { useAccount } from "./account-store.tsx";
import { type Estimate, estimate, type OrderDraft, quoteDecimals } from "./order-draft.ts";

export function OrderSummary({ draft }: { draft: OrderDraft }) {
  const { instrument } = useTerminal();
  const { model, loaded } = useAccount();
  const spends = draft.side === "buy" ? instrument.quote : instrument.base;
  const balance = model.balances.get(spends);
  const quoteTotal = model.balances.get(instrument.quote)?.total;
  // The book the ladder shows (held once for both): the side a market order would take from.
  const { book } = useBook(instrument.symbol);
  const opposite = book ? (draft.side === "buy" ? book.asks : book.bids) : undefined;
  const e = estimate(draft, instrument, quoteDecimals(instrument, quoteTotal), opposite);
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
          <dd class="num">{costText(e, quote, instrument.base)}</dd>
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

function costText(e: Estimate, quote: string, base: string): string {
  if (e.cost === undefined) return "at market";
  if (!e.fromBook) return `${e.cost} ${quote}`;
  // From the book as it is now; a shallow book fills only part of the size.
  return e.fromBook.complete
    ? `≈ ${e.cost} ${quote}`
    : `≈ ${e.cost} ${quote} for ${e.fromBook.filled} ${base} (the book holds no more)`;
}
