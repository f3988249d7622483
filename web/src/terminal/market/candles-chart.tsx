/**
 * Candles and volume of the selected instrument (lightweight-charts): REST history for the chosen
 * interval, then live from the trades stream (and the book's 1m bars for 1m, see candle-bars.ts).
 * Follows the theme and the container's size.
 */
import {
  CandlestickSeries,
  createChart,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useRef, useState } from "preact/hooks";
import { decimalsOf } from "../../common/decimal.ts";
import { errorLine } from "../../common/problem.ts";
import { useTerminal } from "../context.ts";
import { type Bar, CandleBars, type CandleInterval, INTERVALS } from "./candle-bars.ts";
import { chartOptions, type Palette, readPalette, withAlpha } from "./chart-theme.ts";
import { useMarketChannel } from "./hooks.ts";
import "./market.css";

const INTERVAL_KEY = "p3.candleInterval";

interface Drawn {
  chart: IChartApi;
  candles: ISeriesApi<"Candlestick">;
  volume: ISeriesApi<"Histogram">;
  palette: Palette;
  /** Start of the newest bar drawn: an older bar changing needs a full redraw. */
  last: number;
}

function savedInterval(): CandleInterval {
  const saved = sessionStorage.getItem(INTERVAL_KEY);
  return INTERVALS.find((i) => i === saved) ?? "1m";
}

function seriesColors(d: Drawn) {
  return {
    upColor: d.palette.buy,
    downColor: d.palette.sell,
    wickUpColor: d.palette.buy,
    wickDownColor: d.palette.sell,
    borderVisible: false,
  };
}

function volumePoint(d: Drawn, b: Bar) {
  const color = withAlpha(b.close >= b.open ? d.palette.buy : d.palette.sell, 0.45);
  return { time: (b.start / 1000) as UTCTimestamp, value: b.volume, color };
}

function candlePoint(b: Bar) {
  return { time: (b.start / 1000) as UTCTimestamp, open: b.open, high: b.high, low: b.low, close: b.close };
}

function drawAll(d: Drawn, bars: Bar[]): void {
  d.candles.setData(bars.map(candlePoint));
  d.volume.setData(bars.map((b) => volumePoint(d, b)));
  d.last = bars[bars.length - 1]?.start ?? Number.NEGATIVE_INFINITY;
}

/** Draws changed bars: updates in place when they are the newest, else everything again. */
function drawChanged(d: Drawn, changed: Bar[], all: () => Bar[]): void {
  if (changed.length === 0) return;
  const sorted = [...changed].sort((a, b) => a.start - b.start);
  if ((sorted[0]?.start ?? 0) < d.last) return drawAll(d, all());
  for (const b of sorted) {
    d.candles.update(candlePoint(b));
    d.volume.update(volumePoint(d, b));
    d.last = b.start;
  }
}

export function CandlesChart() {
  const { rest, instrument } = useTerminal();
  const symbol = instrument.symbol;
  const [interval, setBarInterval] = useState<CandleInterval>(savedInterval);
  const [note, setNote] = useState<string>();
  const holder = useRef<HTMLDivElement>(null);
  const drawn = useRef<Drawn | undefined>(undefined);
  const model = useRef<CandleBars | undefined>(undefined);

  // The chart itself: made once, sized to its box, recoloured on theme changes.
  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const palette = readPalette();
    const chart = createChart(el, { ...chartOptions(palette), width: el.clientWidth, height: el.clientHeight });
    const candles = chart.addSeries(CandlestickSeries, {});
    const volume = chart.addSeries(HistogramSeries, {
      priceFormat: { type: "volume" },
      priceScaleId: "volume",
      lastValueVisible: false,
      priceLineVisible: false,
    });
    volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.25 } });
    const d: Drawn = { chart, candles, volume, palette, last: Number.NEGATIVE_INFINITY };
    candles.applyOptions(seriesColors(d));
    drawn.current = d;
    if (model.current) drawAll(d, model.current.all());

    const resize = new ResizeObserver(() => chart.resize(el.clientWidth, el.clientHeight));
    resize.observe(el);
    const theme = new MutationObserver(() => {
      d.palette = readPalette();
      chart.applyOptions(chartOptions(d.palette));
      candles.applyOptions(seriesColors(d));
      if (model.current) drawAll(d, model.current.all());
    });
    theme.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    return () => {
      resize.disconnect();
      theme.disconnect();
      drawn.current = undefined;
      chart.remove();
    };
  }, []);

  // Price precision follows the instrument's grid.
  useEffect(() => {
    const precision = decimalsOf(instrument.tick_size);
    drawn.current?.candles.applyOptions({
      priceFormat: { type: "price", precision, minMove: Number(instrument.tick_size) },
    });
  }, [instrument.tick_size]);

  // History for (symbol, interval); live bars are folded into the same model meanwhile.
  useEffect(() => {
    const bars = new CandleBars(interval);
    model.current = bars;
    setNote(undefined);
    const d = drawn.current;
    if (d) drawAll(d, []);
    rest
      .candles(symbol, { interval })
      .then((r) => {
        if (model.current !== bars) return;
        const all = bars.load(r.candles, r.end);
        if (drawn.current) {
          drawAll(drawn.current, all);
          drawn.current.chart.timeScale().scrollToRealTime();
        }
      })
      .catch((err: unknown) => {
        if (model.current !== bars) return;
        setNote(`No candle history (${errorLine(err)}); building bars from live trades.`);
        if (drawn.current) drawAll(drawn.current, bars.loadFailed());
      });
  }, [rest, symbol, interval]);

  const redraw = (changed: Bar[]) => {
    const d = drawn.current;
    const bars = model.current;
    if (d && bars) drawChanged(d, changed, () => bars.all());
  };
  useMarketChannel("trades", symbol, (m) => redraw(model.current?.foldTrades(m.trades) ?? []));
  useMarketChannel("candles", symbol, (m) => redraw(model.current?.applyCandles(m) ?? []));

  return (
    <div class="candles-panel">
      <div class="panel-head">
        <h2>{symbol} candles</h2>
        <label class="inline-label">
          Interval
          <select
            data-testid="candle-interval"
            value={interval}
            onChange={(e) => {
              const next = (e.currentTarget as HTMLSelectElement).value as CandleInterval;
              sessionStorage.setItem(INTERVAL_KEY, next);
              setBarInterval(next);
            }}
          >
            {INTERVALS.map((i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </select>
        </label>
      </div>
      {note && (
        <p class="muted small" data-testid="candles-note">
          {note}
        </p>
      )}
      <div
        class="candles"
        data-testid="candles"
        data-interval={interval}
        ref={holder}
        role="img"
        aria-label={`Candlestick chart of ${symbol}, ${interval} bars, with volume`}
      />
      <p class="chart-credit muted">
        Charts by{" "}
        <a href="https://www.tradingview.com/" target="_blank" rel="noopener noreferrer">
          TradingView Lightweight Charts
        </a>
      </p>
    </div>
  );
}
