/**
 * Trading fees in quote minor units, from basis points.
 *
 * One rounding rule covers both directions: the exact fee `notional × bps / 10 000`
 * is rounded toward positive infinity. A positive fee rounds up (the exchange never
 * undercharges); a rebate (negative bps) rounds toward zero, down in magnitude (the
 * exchange never overpays).
 */
import type { Instrument } from "../instruments/schema.ts";

/** Basis points per whole: 1 bps = 1 / 10 000. */
export const BPS_PER_UNIT = 10_000n;

/** Which side of a trade an order was on. */
export type Liquidity = "maker" | "taker";

/** The instrument fields fees read. */
export type FeeRates = Pick<Instrument, "maker_fee_bps" | "taker_fee_bps">;

function checkBps(bps: number): bigint {
  if (!Number.isSafeInteger(bps)) throw new RangeError(`fee bps must be an integer, got ${bps}`);
  return BigInt(bps);
}

function checkNotional(notional: bigint): void {
  if (notional < 0n) throw new RangeError(`notional must not be negative, got ${notional}`);
}

/** ⌈n / BPS_PER_UNIT⌉ for any sign of `n` (bigint division truncates toward zero). */
function ceilBps(n: bigint): bigint {
  return n > 0n ? (n + BPS_PER_UNIT - 1n) / BPS_PER_UNIT : n / BPS_PER_UNIT;
}

/**
 * The fee on `notional` (quote minor units, ≥ 0) at `bps`; negative for a rebate.
 *
 * @throws RangeError on a negative notional or non-integer bps.
 * @example feeFor(10_001n, 10) // 11n: 10.001 rounds up
 * @example feeFor(10_999n, -10) // -10n: a 10.999 rebate pays 10
 */
export function feeFor(notional: bigint, bps: number): bigint {
  checkNotional(notional);
  return ceilBps(notional * checkBps(bps));
}

/** The instrument's fee rate in bps for `liquidity`. */
export function feeRate(instrument: FeeRates, liquidity: Liquidity): number {
  return liquidity === "maker" ? instrument.maker_fee_bps : instrument.taker_fee_bps;
}

/** The fee on `notional` for a maker or taker of `instrument` (negative for a maker rebate). */
export function tradeFee(notional: bigint, instrument: FeeRates, liquidity: Liquidity): bigint {
  return feeFor(notional, feeRate(instrument, liquidity));
}

/**
 * The most an order could pay in fees on `notional`, for sizing holds: the larger of the
 * maker and taker fee, and never below zero (a hold never counts on a rebate).
 */
export function maxFee(notional: bigint, instrument: FeeRates): bigint {
  // The fee grows with the rate, so the larger fee is the fee at the larger rate.
  return feeFor(notional, Math.max(instrument.maker_fee_bps, instrument.taker_fee_bps, 0));
}

/** {@link accrueFee}'s answer. */
export interface FeeAccrual {
  /** Fee to charge on this fill (negative for a rebate). */
  fee: bigint;
  /** The order's new exact fee so far, in 1/10 000 of a quote minor unit; keep it for the next fill. */
  accrued: bigint;
}

/**
 * The fee for one fill of an order such that the order's fees add up to the exact fee on
 * everything it has filled, rounded once: `⌈(accrued + notional × bps) / 10 000⌉ − ⌈accrued / 10 000⌉`.
 *
 * Rounding each fill on its own would charge up to one minor unit per fill more than the
 * order's rounded total, and could overrun a hold sized with {@link maxFee}. Accruing per
 * order (start from `0n`; maker and taker fills of one order share the accrual) keeps the
 * order's fees at most `maxFee(total notional)`.
 */
export function accrueFee(accrued: bigint, notional: bigint, bps: number): FeeAccrual {
  checkNotional(notional);
  const next = accrued + notional * checkBps(bps);
  return { fee: ceilBps(next) - ceilBps(accrued), accrued: next };
}
