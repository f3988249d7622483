/**
 * The instrument record as on the wire (snake_case): identity, price and quantity grids,
 * limits, fees, home region, trading calendar and status.
 */

import { z } from "zod";
import { compareDecimal, type Decimal, parseDecimal, toUnits, unitProduct } from "../decimal.ts";
import { scheduleIssues } from "../geo/home-schedule.ts";
import { CalendarSchema } from "./calendar.ts";

/** The lifecycle states an operator sets. */
export const OPERATOR_STATUSES = ["pre_open", "open", "cancel_only", "post_only", "halted", "closed"] as const;
/**
 * Lifecycle states of an instrument: an operator's, or `failover`, which only the registry sets
 * while the home book is unreachable (docs/geography.md#failover): nothing trades, market data
 * comes from the regional replicas, until the book is restored in another region.
 */
export const INSTRUMENT_STATUSES = [...OPERATOR_STATUSES, "failover"] as const;
export type InstrumentStatus = (typeof INSTRUMENT_STATUSES)[number];

/** Cloudflare Durable Object location hints, where an instrument's order book lives. */
export const HOME_REGIONS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;
export type HomeRegion = (typeof HOME_REGIONS)[number];

/** What a request asks the book to do, for {@link statusAllows}. */
export const TRADING_ACTIONS = ["place", "place_post_only", "cancel", "match"] as const;
export type TradingAction = (typeof TRADING_ACTIONS)[number];

/** A non-negative decimal string (see `shared/decimal.ts`: no sign, exponent or leading zeros). */
export const DecimalSchema = z
  .string()
  .refine((s) => parseDecimal(s) !== null, "expected a decimal string like 123.45");

/** Instrument symbol `BASE-QUOTE`, e.g. `BTC-USD`, `EUR-USD`, `AAPL-USD`. */
export const SymbolSchema = z.string().regex(/^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$/, "expected a symbol like BTC-USD");

/** Asset code: 1–12 upper-case letters or digits. */
export const AssetSchema = z.string().regex(/^[A-Z0-9]{1,12}$/, "expected an asset code like BTC");

/**
 * The home by trading session (shared/geo/home-schedule.ts): `{from: "HH:MM" (UTC), region}` entries
 * sorted by time, distinct times; from each entry's time of day the book's home is its region.
 */
export const HomeScheduleSchema = z
  .array(
    z.strictObject({
      from: z.string().describe('UTC time of day "HH:MM"'),
      region: z.enum(HOME_REGIONS),
    }),
  )
  .max(48)
  .superRefine((entries, ctx) => {
    for (const issue of scheduleIssues(entries)) {
      ctx.addIssue({ code: "custom", path: [issue.index, "from"], message: issue.message });
    }
  });
export type HomeSchedule = z.infer<typeof HomeScheduleSchema>;

const ZERO: Decimal = { digits: 0n, scale: 0 };
const HUNDRED: Decimal = { digits: 100n, scale: 0 };

const shape = {
  symbol: SymbolSchema,
  base: AssetSchema,
  quote: AssetSchema,
  /** Price increment (> 0). Prices are integer multiples of it (ticks). */
  tick_size: DecimalSchema,
  /** Quantity increment in base units (> 0). Quantities are integer multiples of it (lots). */
  lot_size: DecimalSchema,
  /** Smallest order quantity (> 0, a multiple of `lot_size`). */
  min_qty: DecimalSchema,
  /** Largest order quantity (≥ `min_qty`, a multiple of `lot_size`). */
  max_qty: DecimalSchema,
  /** Smallest order value price × quantity, in quote currency (≥ 0). */
  min_notional: DecimalSchema,
  /** Allowed distance from the reference price in percent, 0 < band ≤ 100 (`"10"` = ±10 %). */
  price_band_pct: DecimalSchema,
  /** Maker fee in basis points; negative is a rebate (−100 … 1000). */
  maker_fee_bps: z.number().int().min(-100).max(1000),
  /** Taker fee in basis points (0 … 1000). */
  taker_fee_bps: z.number().int().min(0).max(1000),
  home_region: z.enum(HOME_REGIONS),
  /** Where the home moves by time of day (the registry moves the book at each boundary); absent: it stays. */
  home_schedule: HomeScheduleSchema.optional(),
  calendar: CalendarSchema,
  status: z.enum(INSTRUMENT_STATUSES),
};

/**
 * Which object holds the book: 0 (absent) names it by symbol, n > 0 by `<symbol>@<n>`. Each move
 * creates the next one in the new region (docs/geography.md); set only by moves, never by operators.
 */
const BookEpochSchema = z.number().int().min(0).max(1_000_000_000);

type InstrumentShape = z.infer<z.ZodObject<typeof shape>>;

/**
 * Cross-field rules: symbol = base-quote, positive grids whose product (the funds unit)
 * is a wire decimal, quantity limits on the lot grid, band range.
 */
function checkInstrument(i: Omit<InstrumentShape, "status">, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (i.symbol !== `${i.base}-${i.quote}`) issue("symbol", `symbol must be ${i.base}-${i.quote}`);
  const tick = parseDecimal(i.tick_size);
  const lot = parseDecimal(i.lot_size);
  const minQty = parseDecimal(i.min_qty);
  const maxQty = parseDecimal(i.max_qty);
  const band = parseDecimal(i.price_band_pct);
  if (tick !== null && compareDecimal(tick, ZERO) <= 0) issue("tick_size", "tick_size must be greater than 0");
  if (lot !== null && compareDecimal(lot, ZERO) <= 0) issue("lot_size", "lot_size must be greater than 0");
  if (tick !== null && lot !== null && tick.digits > 0n && lot.digits > 0n) {
    // Funds (tick × lot) are counted in units of the product, which must itself be a wire decimal.
    if (parseDecimal(unitProduct(i.tick_size, i.lot_size)) === null) {
      issue("lot_size", "tick_size × lot_size must have at most 18 fraction digits");
    }
  }
  if (minQty !== null && compareDecimal(minQty, ZERO) <= 0) issue("min_qty", "min_qty must be greater than 0");
  for (const key of ["min_qty", "max_qty"] as const) {
    if (toUnits(i[key], i.lot_size) === "off_grid") issue(key, `${key} must be a multiple of lot_size`);
  }
  if (minQty !== null && maxQty !== null && compareDecimal(maxQty, minQty) < 0) {
    issue("max_qty", "max_qty must be at least min_qty");
  }
  if (band !== null && (compareDecimal(band, ZERO) <= 0 || compareDecimal(band, HUNDRED) > 0)) {
    issue("price_band_pct", "price_band_pct must be greater than 0 and at most 100");
  }
}

/** A listed instrument, as stored and served (unknown keys are stripped). */
export const InstrumentSchema = z
  .object({ ...shape, book_epoch: BookEpochSchema.optional() })
  .superRefine(checkInstrument);

/**
 * An instrument as an operator creates it: `status` may be left out (defaults to
 * `pre_open`, so a new listing opens only on an explicit status change); unknown keys are rejected.
 */
export const NewInstrumentSchema = z
  .strictObject({ ...shape, status: z.enum(OPERATOR_STATUSES).default("pre_open") })
  .superRefine(checkInstrument);

export type Instrument = z.infer<typeof InstrumentSchema>;
/** Operator input for a new instrument (`status` optional). */
export type NewInstrument = z.input<typeof NewInstrumentSchema>;

const ALLOWED: Record<InstrumentStatus, Record<TradingAction, boolean>> = {
  open: { place: true, place_post_only: true, cancel: true, match: true },
  post_only: { place: false, place_post_only: true, cancel: true, match: true },
  cancel_only: { place: false, place_post_only: false, cancel: true, match: true },
  halted: { place: false, place_post_only: false, cancel: true, match: false },
  pre_open: { place: false, place_post_only: false, cancel: true, match: false },
  closed: { place: false, place_post_only: false, cancel: true, match: false },
  failover: { place: false, place_post_only: false, cancel: false, match: false },
};

/**
 * Whether an instrument in `status` allows `action`:
 *
 * | status        | place | place_post_only | cancel | match |
 * |---------------|-------|-----------------|--------|-------|
 * | `open`        | yes   | yes             | yes    | yes   |
 * | `post_only`   | no    | yes             | yes    | yes   |
 * | `cancel_only` | no    | no              | yes    | yes   |
 * | `halted`      | no    | no              | yes    | no    |
 * | `pre_open`    | no    | no              | yes    | no    |
 * | `closed`      | no    | no              | yes    | no    |
 * | `failover`    | no    | no              | no     | no    |
 *
 * `place` is any order that may take liquidity; `place_post_only` is a post-only limit
 * order. `match` is whether the engine may execute trades at all: `halted` freezes the
 * book, `pre_open` and `closed` have no continuous matching (`pre_open` may accept
 * orders for an opening auction later).
 */
export function statusAllows(status: InstrumentStatus, action: TradingAction): boolean {
  return ALLOWED[status][action];
}
