/**
 * Version 1 of every `account` stream event (durable-objects/account/journal.ts): `order`
 * (the order's view after a change, orders/record.ts `orderView`), `fill` (orders/settle.ts
 * `FillView`) and `ledger_entry` (one journal entry with the balances after it).
 */
import { z } from "zod";
import { Decimal, EpochMs, Id, Side, SignedDecimal, Timestamp } from "./fields.ts";

const OrderStatus = z.enum(["pending_new", "new", "partially_filled", "filled", "cancelled", "expired", "rejected"]);

export const AccountOrderV1 = z
  .looseObject({
    order_id: Id,
    client_order_id: Id,
    instrument: z.string().min(1).max(32),
    side: Side,
    type: z.string().min(1).max(32),
    time_in_force: z.string().min(1).max(16),
    price: Decimal.nullable(),
    stop_price: Decimal.nullable(),
    size: Decimal.nullable(),
    funds: Decimal.nullable(),
    expire_time: EpochMs.nullable(),
    post_only: z.boolean(),
    stp: z.string().min(1).max(32),
    status: OrderStatus,
    filled_size: Decimal,
    remaining_size: Decimal.nullable(),
    executed_value: Decimal,
    average_price: Decimal.nullable(),
    fees: SignedDecimal,
    fee_asset: z.string().min(1).max(12),
    done_reason: z.string().nullable(),
    reject_code: z.string().nullable(),
    reject_reason: z.string().nullable(),
    stop_triggered: z.boolean(),
    created_at: Timestamp,
    created_at_ms: EpochMs,
    updated_at: Timestamp,
    updated_at_ms: EpochMs,
  })
  .describe("An order's view after a change (placed, acknowledged, filled, amended, cancelled, rejected).");

export const AccountFillV1 = z
  .looseObject({
    fill_id: Id,
    trade_id: z.number().int().positive(),
    order_id: Id,
    client_order_id: Id,
    instrument: z.string().min(1).max(32),
    side: Side,
    price: Decimal,
    size: Decimal,
    value: Decimal,
    fee: SignedDecimal,
    fee_asset: z.string().min(1).max(12),
    liquidity: z.enum(["maker", "taker"]),
    time: Timestamp,
    time_ms: EpochMs,
    seq: z.number().int().nonnegative(),
  })
  .describe("One fill of one of the account's orders.");

export const AccountLedgerEntryV1 = z
  .looseObject({
    entry_id: z.number().int().positive(),
    tx_id: z.number().int().positive(),
    time: Timestamp,
    time_ms: EpochMs,
    type: z.enum(["deposit", "withdrawal", "hold", "release", "trade", "fee"]),
    asset: z.string().min(1).max(12),
    ledger_account: z.enum(["available", "hold"]),
    amount: SignedDecimal,
    balance: SignedDecimal,
    hold: SignedDecimal,
    reference: z.string().max(256),
  })
  .describe("One journal entry: a leg on the account's own money, with the asset's balances after it.");
