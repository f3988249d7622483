/**
 * Last price and the rolling 24 h figures of the selected instrument: the REST ticker first,
 * then the feed's `ticker` channel (whichever is newer wins). Every figure is the API's string.
 */
import type { ChannelMessage } from "@platform3/client";
import { useEffect, useState } from "preact/hooks";
import { errorLine } from "../../common/problem.ts";
import { useTerminal } from "../context.ts";
import { useMarketChannel } from "./hooks.ts";
import { percentChange } from "./numbers.ts";

interface TickerView {
  symbol: string;
  time: number;
  last: string | null;
  open_24h: string | null;
  high_24h: string | null;
  low_24h: string | null;
  volume_24h: string;
  best_bid: string | null;
  best_ask: string | null;
}

const DASH = "—";

export function TickerStats() {
  const { rest, instrument } = useTerminal();
  const symbol = instrument.symbol;
  const [ticker, setTicker] = useState<TickerView>();
  const [error, setError] = useState<string>();

  // Keeps whichever view is newer (a REST answer may land after a feed update).
  const offer = (next: TickerView) =>
    setTicker((cur) => (cur && cur.symbol === next.symbol && cur.time > next.time ? cur : next));

  useEffect(() => {
    let live = true;
    setError(undefined);
    rest
      .ticker(symbol)
      .then((t) => live && offer({ ...t, symbol }))
      .catch((err: unknown) => live && setError(errorLine(err)));
    return () => {
      live = false;
    };
  }, [rest, symbol]);

  useMarketChannel(
    "ticker",
    symbol,
    (m: ChannelMessage<"ticker">) => {
      setError(undefined);
      offer({ ...m.ticker, symbol, time: m.time });
    },
    (err) => setError(errorLine(err)),
  );

  const t = ticker?.symbol === symbol ? ticker : undefined;
  const change = t ? percentChange(t.open_24h, t.last) : undefined;
  const tone = change === undefined ? "" : change.startsWith("-") ? "sell" : change.startsWith("+") ? "buy" : "";

  return (
    <dl class="ticker" data-testid="ticker" aria-label={`${symbol} ticker`}>
      <Stat label="Last" value={t?.last} field="last" />
      <div class="stat">
        <dt>24h</dt>
        <dd class={`num ${tone}`} data-testid="ticker-change">
          {change === undefined ? DASH : `${change}%`}
        </dd>
      </div>
      <Stat label="High" value={t?.high_24h} field="high" />
      <Stat label="Low" value={t?.low_24h} field="low" />
      <Stat label={`Vol (${instrument.base})`} value={t?.volume_24h} field="volume" />
      <Stat label="Bid" value={t?.best_bid} field="bid" tone="buy" />
      <Stat label="Ask" value={t?.best_ask} field="ask" tone="sell" />
      {error && (
        <div class="stat ticker-error">
          <dt class="visually-hidden">Ticker error</dt>
          <dd class="muted" title={error}>
            ticker unavailable
          </dd>
        </div>
      )}
    </dl>
  );
}

function Stat(props: { label: string; value: string | null | undefined; field: string; tone?: string }) {
  return (
    <div class="stat">
      <dt>{props.label}</dt>
      <dd class={`num ${props.value ? (props.tone ?? "") : ""}`} data-testid={`ticker-${props.field}`}>
        {props.value ?? DASH}
      </dd>
    </div>
  );
}
