import { describe, expect, it } from "vitest";
import { fromUnits, toUnits } from "../decimal.ts";
import { isOpen, nextOpen } from "./calendar.ts";
import { InstrumentSchema } from "./schema.ts";
import { SEED_INSTRUMENTS } from "./seed.ts";

function seed(symbol: string) {
  const found = SEED_INSTRUMENTS.find((i) => i.symbol === symbol);
  if (found === undefined) throw new Error(`no seed ${symbol}`);
  return found;
}

const t = (iso: string): number => Date.parse(iso);

describe("SEED_INSTRUMENTS", () => {
  it("has BTC-USD, EUR-USD, AAPL-USD and BHP-AUD, each once", () => {
    expect(SEED_INSTRUMENTS.map((i) => i.symbol)).toEqual(["BTC-USD", "EUR-USD", "AAPL-USD", "BHP-AUD"]);
  });

  it.each(SEED_INSTRUMENTS.map((i) => [i.symbol, i] as const))("%s validates against InstrumentSchema", (_s, i) => {
    const result = InstrumentSchema.safeParse(i);
    expect(result.error?.issues ?? []).toEqual([]);
    expect(result.data).toEqual(i);
  });

  it("puts each book in a sensible home region", () => {
    expect(Object.fromEntries(SEED_INSTRUMENTS.map((i) => [i.symbol, i.home_region]))).toEqual({
      "BTC-USD": "enam",
      "EUR-USD": "weur",
      "AAPL-USD": "enam",
      "BHP-AUD": "apac",
    });
  });

  it("uses grids that convert exactly", () => {
    const btc = seed("BTC-USD");
    expect(toUnits("65000.12", btc.tick_size)).toBe(6_500_012n);
    expect(toUnits(btc.max_qty, btc.lot_size)).toBe(100_000_000n);
    const eur = seed("EUR-USD");
    expect(toUnits("1.08345", eur.tick_size)).toBe(108_345n);
    expect(toUnits("2500", eur.lot_size)).toBe("off_grid");
    expect(fromUnits(3, eur.lot_size)).toBe("3000");
  });

  it("has calendars that behave as their markets do", () => {
    expect(isOpen(seed("BTC-USD").calendar, t("2026-12-25T12:00:00Z"))).toBe(true);
    expect(isOpen(seed("EUR-USD").calendar, t("2026-03-07T12:00:00Z"))).toBe(false); // Saturday
    const aapl = seed("AAPL-USD").calendar;
    expect(isOpen(aapl, t("2026-07-03T15:00:00Z"))).toBe(false); // Independence Day observed
    expect(isOpen(aapl, t("2026-12-24T17:59:00Z"))).toBe(true); // before the 13:00 early close
    expect(isOpen(aapl, t("2026-12-24T18:00:00Z"))).toBe(false);
    const bhp = seed("BHP-AUD").calendar;
    expect(isOpen(bhp, t("2026-03-10T00:00:00Z"))).toBe(true); // 11:00 AEDT
    expect(new Date(nextOpen(bhp, t("2026-12-24T03:10:00Z")) ?? 0).toISOString()).toBe("2026-12-28T23:00:00.000Z"); // Tue 29th 10:00 AEDT
  });
});
