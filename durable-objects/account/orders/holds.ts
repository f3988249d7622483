/**
 * What an open order's hold must still cover: for an amendment before the book sees
 * it (more is held first), and after it (the excess is given back).
 */
import type { Instrument } from "../../../shared/instruments/schema.ts";
import { fundsToQuote, lotsToBase, maxFee } from "../../../shared/ledger/index.ts";
import type { AmendOrder } from "../../../shared/orders/input.ts";
import { bandCeiling, maxNotionalUnits, priceTicks } from "../../../shared/risk/order-units.ts";
import { lotsOf } from "./order-command.ts";
import type { OrderRecord } from "./record.ts";

/** What an open order's hold must cover after an amendment, or why the amendment cannot be held. */
export function amendedHold(
  order: OrderRecord,
  change: AmendOrder,
  spec: Instrument,
): { asset: string; amount: bigint } | { code: string; message: string } {
  if (order.size_lots === undefined)
    return { code: "not_amendable", message: "orders sized by funds cannot be amended" };
  const lots = change.size === undefined ? order.size_lots : lotsOf(change.size, spec);
  if (lots === undefined)
    return { code: "size_off_lot", message: `size ${change.size} is not a multiple of ${spec.lot_size}` };
  const remaining = BigInt(Math.max(lots - order.filled_lots, 0));
  if (order.side === "sell") return { asset: spec.base, amount: lotsToBase(remaining, spec) };
  const priceText = change.price ?? order.price;
  let ticks: bigint;
  try {
    if (priceText !== undefined) ticks = priceTicks(priceText, spec);
    else {
      const stop = priceTicks(change.stop_price ?? (order.stop_price as string), spec);
      ticks = bandCeiling(stop, spec);
    }
  } catch {
    return { code: "price_off_tick", message: `price is not a multiple of ${spec.tick_size}` };
  }
  const notional = fundsToQuote(ticks * remaining, spec);
  return { asset: spec.quote, amount: notional + maxFee(notional, spec) };
}

/** What an open order sized by quantity can still spend, or undefined for one sized by funds. */
export function holdForRemainder(order: OrderRecord, spec: Instrument): bigint | undefined {
  const needed = amendedHold(order, {}, spec);
  return "code" in needed ? undefined : needed.amount;
}

/**
 * Why an amendment would take the order past the account's per-order notional cap
 * (`maxOrderNotional`, quote decimal: its whole size at its new price, or stop price), or
 * undefined when it stays within. Off-grid values are left to the other checks.
 */
export function amendedNotionalAbove(
  order: OrderRecord,
  change: AmendOrder,
  spec: Instrument,
  maxOrderNotional: string,
): string | undefined {
  if (order.size_lots === undefined) return undefined;
  const lots = change.size === undefined ? order.size_lots : lotsOf(change.size, spec);
  const priceText = change.price ?? order.price ?? change.stop_price ?? order.stop_price;
  if (lots === undefined || priceText === undefined) return undefined;
  let ticks: bigint;
  try {
    ticks = priceTicks(priceText, spec);
  } catch {
    return undefined;
  }
  if (ticks * BigInt(lots) <= maxNotionalUnits(maxOrderNotional, spec)) return undefined;
  return `an order's notional may be at most ${maxOrderNotional} ${spec.quote} for this account`;
}
