/**
 * A new order as its Account object records it and sends it to the book: the record
 * (`pending_new`, fee rates fixed), the book's place command (the funds budget for
 * buys by funds, the protection price for market orders), and the request's
 * fingerprint that tells a retry from another order under the same client id.
 */
import { fromUnits, toUnits, unitProduct } from "../../../shared/decimal.ts";
import type { Instrument } from "../../../shared/instruments/schema.ts";
import type { NewOrder } from "../../../shared/orders/input.ts";
import { bandCeiling, bandFloor, priceTicks } from "../../../shared/risk/order-units.ts";
import type { OrderRecord } from "./record.ts";

export function newRecord(input: NewOrder, spec: Instrument, fingerprint: string, now: number): OrderRecord {
  const record: OrderRecord = {
    order_id: crypto.randomUUID(),
    client_order_id: input.client_order_id,
    instrument: spec.symbol,
    base: spec.base,
    quote: spec.quote,
    tick_size: spec.tick_size,
    lot_size: spec.lot_size,
    side: input.side,
    type: input.type,
    time_in_force: input.time_in_force ?? (input.type === "market" || input.type === "stop" ? "ioc" : "gtc"),
    post_only: input.post_only ?? false,
    stp: input.stp ?? "cancel_newest",
    status: "pending_new",
    filled_lots: 0,
    executed_quote: "0",
    fees: "0",
    fee_accrued: "0",
    maker_fee_bps: spec.maker_fee_bps,
    taker_fee_bps: spec.taker_fee_bps,
    fingerprint,
    created_at: now,
    updated_at: now,
  };
  if (input.price !== undefined) record.price = input.price;
  if (input.stop_price !== undefined) record.stop_price = input.stop_price;
  if (input.funds !== undefined) record.funds = input.funds;
  if (input.expire_time !== undefined) record.expire_time = input.expire_time;
  if (input.size !== undefined) {
    const lots = lotsOf(input.size, spec);
    if (lots !== undefined) record.size_lots = lots;
  }
  return record;
}

/** `size` in lots, or undefined when it is off the lot grid. */
export function lotsOf(size: string, spec: Instrument): number | undefined {
  const lots = toUnits(size, spec.lot_size);
  return typeof lots === "bigint" && lots <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(lots) : undefined;
}

export function placeCommand(
  input: NewOrder,
  record: OrderRecord,
  spec: Instrument,
  protection: string | undefined,
  fundsBudget: bigint | undefined,
): Record<string, unknown> {
  const command: Record<string, unknown> = {
    type: "place",
    order_id: record.order_id,
    side: input.side,
    order_type: input.type,
    time_in_force: record.time_in_force,
  };
  if (input.price !== undefined) command.price = input.price;
  if (input.stop_price !== undefined) command.stop_price = input.stop_price;
  if (input.size !== undefined) command.size = input.size;
  if (input.funds !== undefined) {
    // A buy by funds spends at most the budget that leaves room for its fee within the hold.
    command.funds =
      fundsBudget === undefined ? input.funds : fromUnits(fundsBudget, unitProduct(spec.tick_size, spec.lot_size));
  }
  if (input.expire_time !== undefined) command.expire_time = input.expire_time;
  if (input.post_only) command.post_only = true;
  if (input.stp !== undefined) command.stp = input.stp;
  if (protection !== undefined) command.protection_price = protection;
  return command;
}

/**
 * The price a market order (or a triggered stop) never trades beyond: the edge of the band
 * around the anchor its hold was sized from. Only orders whose hold depends on the fill
 * prices get one: buys by size and sells by funds.
 */
export function protectionPrice(input: NewOrder, spec: Instrument, reference: string | undefined): string | undefined {
  if (input.type !== "market" && input.type !== "stop") return undefined;
  const bySize = input.size !== undefined;
  if (input.side === "buy" ? !bySize : bySize) return undefined;
  const anchorText = input.type === "stop" ? input.stop_price : reference;
  if (anchorText === undefined) return undefined;
  const anchor = priceTicks(anchorText, spec);
  const ticks = input.side === "buy" ? bandCeiling(anchor, spec) : bandFloor(anchor, spec);
  return fromUnits(ticks, spec.tick_size);
}

/** A stable hash of what makes two requests the same order. */
export function fingerprintOf(input: NewOrder): string {
  const keys = Object.keys(input).sort() as (keyof NewOrder)[];
  return JSON.stringify(keys.map((k) => [k, input[k]]));
}
