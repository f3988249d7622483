import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DAY_MS, MINUTE_MS, type MinuteCandle, RollingDay } from "./rolling-day.ts";

const T0 = 1_773_232_200_000 - (1_773_232_200_000 % MINUTE_MS);

describe("RollingDay", () => {
  it("aggregates the last day by the minute, as the stored candles would", () => {
    const day = new RollingDay();
    day.add(T0 + 1_000, 100, 2);
    day.add(T0 + 2_000, 105, 1);
    day.add(T0 + MINUTE_MS + 5, 98, 3);
    expect(day.stats(T0 + 2 * MINUTE_MS)).toEqual({ open: 100, high: 105, low: 98, volume: 6, trades: 3 });
    expect(day.since(T0 + MINUTE_MS)).toEqual([
      { start: T0 + MINUTE_MS, open: 98, high: 98, low: 98, close: 98, volume: 3, trades: 1 },
    ]);
    // A day and a minute later the first minute has left the window.
    expect(day.stats(T0 + DAY_MS + MINUTE_MS + 1)).toEqual({ open: 98, high: 98, low: 98, volume: 3, trades: 1 });
    expect(day.stats(T0 + 2 * DAY_MS + MINUTE_MS)).toEqual({ volume: 0, trades: 0 });
  });

  it("continues from stored minutes and folds a late trade into its own minute", () => {
    const stored: MinuteCandle[] = [{ start: T0, open: 10, high: 12, low: 9, close: 11, volume: 5, trades: 2 }];
    const day = new RollingDay(stored);
    day.add(T0 + 2 * MINUTE_MS, 13, 1);
    day.add(T0 + 30_000, 8, 1); // before the newest minute
    expect(day.stats(T0 + 3 * MINUTE_MS)).toEqual({ open: 10, high: 13, low: 8, volume: 7, trades: 4 });
  });

  it("equals a from-scratch aggregation of the trades in the window (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 3 * DAY_MS }),
            fc.integer({ min: 1, max: 1_000 }),
            fc.integer({ min: 1, max: 50 }),
          ),
          {
            maxLength: 200,
          },
        ),
        fc.integer({ min: 0, max: 4 * DAY_MS }),
        (raw, nowOffset) => {
          const trades = raw.map(([dt, price, qty]) => ({ at: T0 + dt, price, qty })).sort((a, b) => a.at - b.at);
          const day = new RollingDay();
          for (const t of trades) day.add(t.at, t.price, t.qty);
          const now = T0 + nowOffset;
          const since = Math.floor((now - DAY_MS) / MINUTE_MS) * MINUTE_MS;
          const inWindow = trades.filter((t) => Math.floor(t.at / MINUTE_MS) * MINUTE_MS >= since);
          const expected =
            inWindow.length === 0
              ? { volume: 0, trades: 0 }
              : {
                  open: inWindow[0]?.price,
                  high: Math.max(...inWindow.map((t) => t.price)),
                  low: Math.min(...inWindow.map((t) => t.price)),
                  volume: inWindow.reduce((s, t) => s + t.qty, 0),
                  trades: inWindow.length,
                };
          expect(day.stats(now)).toEqual(expected);
        },
      ),
    );
  });
});
