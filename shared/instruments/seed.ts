/**
 * Instruments for local development and tests: one each of crypto (24x7), FX (24x5),
 * a US equity and an Australian equity (exchange hours with 2026 holidays).
 *
 * Holiday lists cover 2026 only and are illustrative; production calendars come from
 * the operator API, not from here.
 */

import type { Calendar } from "./calendar.ts";
import type { Instrument } from "./schema.ts";

const FX_WEEK: Calendar = {
  kind: "24x5",
  tz: "America/New_York",
  open: { day: 0, time: "17:00" },
  close: { day: 5, time: "17:00" },
};

/** NYSE regular hours, 2026 holidays and early closes. */
const NYSE_2026: Calendar = {
  kind: "exchange",
  tz: "America/New_York",
  sessions: [{ open: "09:30", close: "16:00" }],
  days: [1, 2, 3, 4, 5],
  holidays: [
    "2026-01-01", // New Year's Day
    "2026-01-19", // Martin Luther King Jr. Day
    "2026-02-16", // Washington's Birthday
    "2026-04-03", // Good Friday
    "2026-05-25", // Memorial Day
    "2026-06-19", // Juneteenth
    "2026-07-03", // Independence Day (observed)
    "2026-09-07", // Labor Day
    "2026-11-26", // Thanksgiving
    "2026-12-25", // Christmas
  ],
  early_closes: { "2026-11-27": "13:00", "2026-12-24": "13:00" },
};

/** ASX normal trading, 2026 holidays and early closes (Christmas Eve, New Year's Eve). */
const ASX_2026: Calendar = {
  kind: "exchange",
  tz: "Australia/Sydney",
  sessions: [{ open: "10:00", close: "16:00" }],
  days: [1, 2, 3, 4, 5],
  holidays: [
    "2026-01-01", // New Year's Day
    "2026-01-26", // Australia Day
    "2026-04-03", // Good Friday
    "2026-04-06", // Easter Monday
    "2026-06-08", // King's Birthday
    "2026-12-25", // Christmas
    "2026-12-28", // Boxing Day (observed)
  ],
  early_closes: { "2026-12-24": "14:10", "2026-12-31": "14:10" },
};

/** Seed instruments for local development (all `open`). */
export const SEED_INSTRUMENTS: Instrument[] = [
  {
    symbol: "BTC-USD",
    base: "BTC",
    quote: "USD",
    tick_size: "0.01",
    lot_size: "0.00001",
    min_qty: "0.00001",
    max_qty: "1000",
    min_notional: "1",
    price_band_pct: "10",
    maker_fee_bps: 10,
    taker_fee_bps: 20,
    home_region: "enam",
    calendar: { kind: "24x7" },
    status: "open",
  },
  {
    symbol: "EUR-USD",
    base: "EUR",
    quote: "USD",
    tick_size: "0.00001",
    lot_size: "1000",
    min_qty: "1000",
    max_qty: "10000000",
    min_notional: "1000",
    price_band_pct: "2",
    maker_fee_bps: 0,
    taker_fee_bps: 2,
    home_region: "weur",
    calendar: FX_WEEK,
    status: "open",
  },
  {
    symbol: "AAPL-USD",
    base: "AAPL",
    quote: "USD",
    tick_size: "0.01",
    lot_size: "1",
    min_qty: "1",
    max_qty: "100000",
    min_notional: "1",
    price_band_pct: "10",
    maker_fee_bps: 5,
    taker_fee_bps: 10,
    home_region: "enam",
    calendar: NYSE_2026,
    status: "open",
  },
  {
    symbol: "BHP-AUD",
    base: "BHP",
    quote: "AUD",
    tick_size: "0.01",
    lot_size: "1",
    min_qty: "1",
    max_qty: "100000",
    min_notional: "1",
    price_band_pct: "10",
    maker_fee_bps: 5,
    taker_fee_bps: 10,
    home_region: "apac",
    calendar: ASX_2026,
    status: "open",
  },
];
