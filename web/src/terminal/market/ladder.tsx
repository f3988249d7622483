/**
 * The level-2 ladder of the selected instrument: asks above (the lowest nearest the spread), the
 * spread, bids below, each level with a size bar and a running total, grouped by a multiple of
 * the tick. Clicking (or Enter on) a level prefills the order form with the side that would
 * trade against it. Redrawn at most once per animation frame (useBook).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { add, multiply, subtract } from "../../common/decimal.ts";
import { useTerminal } from "../context.ts";
import { useBook } from "./hooks.ts";
import { cumulative, groupLevels, type Level } from "./levels.ts";
import "./market.css";
import { ratio } from "./numbers.ts";

const GROUPINGS = ["1", "10", "100", "1000"] as const;
/** Height of one ladder row in px (market.css `.ladder-row`). */
const ROW_PX = 17;
const PHONE_LEVELS = 8;

/** Levels per side that fit the ladder's body (a fixed few where the panels stack on a phone). */
function useLevelsThatFit(body: { current: HTMLDivElement | null }): number {
  const [levels, setLevels] = useState(15);
  useEffect(() => {
    const el = body.current;
    if (!el) return;
    const phone = matchMedia("(max-width: 900px)");
    const measure = () => {
      if (phone.matches) return setLevels(PHONE_LEVELS);
      const spread = 24; // .ladder-spread
      setLevels(Math.max(3, Math.min(40, Math.floor((el.clientHeight - spread) / 2 / ROW_PX))));
    };
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    phone.addEventListener("change", measure);
    measure();
    return () => {
      observer.disconnect();
      phone.removeEventListener("change", measure);
    };
  }, [body]);
  return levels;
}

export function Ladder() {
  const { instrument, setPrefill } = useTerminal();
  const { book } = useBook(instrument.symbol);
  const [grouping, setGrouping] = useState<(typeof GROUPINGS)[number]>("1");
  const body = useRef<HTMLDivElement>(null);
  const depth = useLevelsThatFit(body);

  const tick = instrument.tick_size;
  const step = grouping === "1" ? undefined : multiply(tick, grouping);
  const bids = book ? groupLevels(book.bids, depth, step, "down") : [];
  const asks = book ? groupLevels(book.asks, depth, step, "up") : [];
  const maxSize = Math.max(...bids.map((l) => Number(l.size)), ...asks.map((l) => Number(l.size)), 0);
  const bidTotals = cumulative(bids);
  const askTotals = cumulative(asks);
  const synced = book !== undefined && book.seq >= 0;

  const row = (level: Level, total: string | undefined, side: "buy" | "sell") => {
    const against = side === "buy" ? "sell" : "buy";
    const width = maxSize > 0 ? (Number(level.size) / maxSize) * 100 : 0; // a float for the bar only
    return (
      <button
        type="button"
        key={level.price}
        class={`ladder-row ${side}`}
        data-testid="ladder-row"
        data-side={side}
        data-price={level.price}
        data-size={level.size}
        aria-describedby={`ladder-hint-${against}`}
        onClick={() => setPrefill({ price: level.price, side: against })}
      >
        <span class="ladder-bar-track" aria-hidden="true">
          <span class="ladder-bar" style={{ width: `${width}%` }} />
        </span>
        <span class="num ladder-price">
          <span class="visually-hidden">{side === "buy" ? "Bid " : "Ask "}</span>
          {level.price}
        </span>
        <span class="num">{level.size}</span>
        <span class="num muted">{total}</span>
      </button>
    );
  };

  return (
    <div class="ladder" data-testid="ladder" data-seq={book?.seq ?? -1}>
      <div class="panel-head">
        <h2>Order book</h2>
        <label class="inline-label">
          Group
          <select
            data-testid="ladder-grouping"
            value={grouping}
            onChange={(e) => setGrouping((e.currentTarget as HTMLSelectElement).value as typeof grouping)}
          >
            {GROUPINGS.map((g) => (
              <option key={g} value={g}>
                {multiply(tick, g) ?? g}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div class="ladder-cols" aria-hidden="true">
        <span>Price ({instrument.quote})</span>
        <span>Size ({instrument.base})</span>
        <span>Total</span>
      </div>
      <p class="visually-hidden" id="ladder-hint-buy">
        Prefills a buy order at this price
      </p>
      <p class="visually-hidden" id="ladder-hint-sell">
        Prefills a sell order at this price
      </p>
      <div class="ladder-body" ref={body}>
        <div class="ladder-side ladder-asks">
          {asks.length === 0 && <p class="ladder-empty muted">{synced ? "No asks" : "Loading…"}</p>}
          {asks.map((l, i) => row(l, askTotals[i], "sell")).reverse()}
        </div>
        <Spread bid={book?.bestBid()?.[0]} ask={book?.bestAsk()?.[0]} />
        <div class="ladder-side ladder-bids">
          {bids.length === 0 && <p class="ladder-empty muted">{synced ? "No bids" : "Loading…"}</p>}
          {bids.map((l, i) => row(l, bidTotals[i], "buy"))}
        </div>
      </div>
    </div>
  );
}

function Spread({ bid, ask }: { bid: string | undefined; ask: string | undefined }) {
  if (bid === undefined || ask === undefined) {
    return (
      <div class="ladder-spread muted" data-testid="ladder-spread">
        Spread —
      </div>
    );
  }
  const spread = subtract(ask, bid);
  const sum = add(ask, bid);
  const bps = spread && sum ? ratio(multiply(spread, "2") ?? spread, sum, 10_000n, 1) : undefined;
  return (
    <div class="ladder-spread" data-testid="ladder-spread">
      <span class="muted">Spread</span> <span class="num">{spread}</span>
      {bps !== undefined && <span class="muted num"> ({bps} bps)</span>}
    </div>
  );
}
