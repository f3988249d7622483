/**
 * Recent trades of the selected instrument, newest first: a REST page to start, then the feed's
 * `trades` channel (contiguous after a resume; a snapshot after a resync). At most 100 rows,
 * one per trade id.
 */
import type { ChannelMessage, FeedTrade } from "@platform3/client";
import { useEffect, useState } from "preact/hooks";
import { errorLine } from "../../common/problem.ts";
import { useTerminal } from "../context.ts";
import { useMarketChannel } from "./hooks.ts";
import "./market.css";

const MAX_ROWS = 100;

interface TapeState {
  symbol: string;
  trades: FeedTrade[];
}

/** `current` and `incoming` merged: one row per trade id, newest (highest id) first, at most MAX_ROWS. */
function merge(current: readonly FeedTrade[], incoming: readonly FeedTrade[]): FeedTrade[] {
  const byId = new Map<number, FeedTrade>();
  for (const t of current) byId.set(t.trade_id, t);
  for (const t of incoming) byId.set(t.trade_id, t);
  return [...byId.values()].sort((a, b) => b.trade_id - a.trade_id).slice(0, MAX_ROWS);
}

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

export function Tape() {
  const { rest, instrument } = useTerminal();
  const symbol = instrument.symbol;
  const [tape, setTape] = useState<TapeState>({ symbol, trades: [] });
  const [error, setError] = useState<string>();

  const offer = (trades: readonly FeedTrade[]) =>
    setTape((cur) => ({ symbol, trades: merge(cur.symbol === symbol ? cur.trades : [], trades) }));

  useEffect(() => {
    let live = true;
    setError(undefined);
    rest
      .trades(symbol, { limit: MAX_ROWS })
      .then((page) => {
        if (!live) return;
        offer(page.trades.map((t) => ({ ...t, side: t.side === "sell" ? "sell" : "buy" })));
      })
      .catch((err: unknown) => live && setError(errorLine(err)));
    return () => {
      live = false;
    };
  }, [rest, symbol]);

  useMarketChannel(
    "trades",
    symbol,
    (m: ChannelMessage<"trades">) => offer(m.trades),
    (err) => setError(errorLine(err)),
  );

  const trades = tape.symbol === symbol ? tape.trades : [];
  return (
    <div class="tape-panel">
      <h2>Trades</h2>
      {error && <p class="muted small">{error}</p>}
      <table class="tape" data-testid="tape">
        <caption class="visually-hidden">Recent trades of {symbol}, newest first</caption>
        <thead>
          <tr>
            <th class="num" scope="col">
              Price ({instrument.quote})
            </th>
            <th class="num" scope="col">
              Size ({instrument.base})
            </th>
            <th class="num" scope="col">
              Time
            </th>
          </tr>
        </thead>
        <tbody>
          {trades.map((t) => (
            <tr key={t.trade_id} data-testid="tape-row" data-price={t.price} data-size={t.size} data-side={t.side}>
              <td class={`num ${t.side}`}>
                <span class="visually-hidden">{t.side === "buy" ? "buy " : "sell "}</span>
                {t.price}
              </td>
              <td class="num">{t.size}</td>
              <td class="num muted">{timeFormat.format(t.time)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {trades.length === 0 && !error && <p class="muted small">No trades yet.</p>}
    </div>
  );
}
