/**
 * Book commands as they arrive from the edge (snake_case, decimal strings).
 * The zod schemas are the validation; the edge routes reuse them.
 */
import { z } from "zod";
import { DECIMAL_PATTERN, isDecimal } from "../decimal.ts";

/** A non-negative decimal without exponent, sign or stray spaces. */
/** A wire decimal (shared/decimal.ts): plain digits, no sign, exponent or leading zeros, at most 30 digits. */
export const DecimalString = z
  .string()
  .regex(DECIMAL_PATTERN, {
    message: 'must be a decimal string such as "123.45" (no sign, exponent or leading zeros)',
    abort: true,
  })
  .refine(isDecimal, "must have at most 30 digits, 18 after the point");

export const OrderIdString = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, "may contain only letters, digits and . _ : -");
export const AccountIdString = OrderIdString;

export const SIDES = ["buy", "sell"] as const;
export const ORDER_TYPES = ["limit", "market", "stop", "stop_limit"] as const;
export const TIME_IN_FORCE = ["gtc", "ioc", "fok", "gtd"] as const;
export const STP_MODES = ["cancel_newest", "cancel_oldest", "cancel_both", "decrement_and_cancel"] as const;

export const PlaceCommandSchema = z
  .object({
    type: z.literal("place"),
    order_id: OrderIdString,
    account: AccountIdString,
    side: z.enum(SIDES),
    order_type: z.enum(ORDER_TYPES),
    price: DecimalString.optional(),
    stop_price: DecimalString.optional(),
    /** Market and stop orders only: the price they never trade beyond (the Account sets it from the band). */
    protection_price: DecimalString.optional(),
    size: DecimalString.optional(),
    funds: DecimalString.optional(),
    time_in_force: z.enum(TIME_IN_FORCE).optional(),
    /** Epoch milliseconds; with `gtd` only. */
    expire_time: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    post_only: z.boolean().optional(),
    stp: z.enum(STP_MODES).optional(),
  })
  .strict();

export const CancelCommandSchema = z
  .object({ type: z.literal("cancel"), order_id: OrderIdString, account: AccountIdString.optional() })
  .strict();

export const CancelAllCommandSchema = z
  .object({ type: z.literal("cancel_all"), account: AccountIdString, side: z.enum(SIDES).optional() })
  .strict();

export const AmendCommandSchema = z
  .object({
    type: z.literal("amend"),
    order_id: OrderIdString,
    account: AccountIdString.optional(),
    size: DecimalString.optional(),
    price: DecimalString.optional(),
    stop_price: DecimalString.optional(),
  })
  .strict();

export const BookCommandSchema = z.discriminatedUnion("type", [
  PlaceCommandSchema,
  CancelCommandSchema,
  CancelAllCommandSchema,
  AmendCommandSchema,
]);

/** Most commands one call (and one transaction) may carry. */
export const MAX_BATCH = 100;

export const BookBatchSchema = z.array(BookCommandSchema).min(1).max(MAX_BATCH);

export type PlaceCommand = z.infer<typeof PlaceCommandSchema>;
export type BookCommand = z.infer<typeof BookCommandSchema>;

/** Stable codes for commands the book refuses before the engine sees them. */
export type BookRejectCode =
  | "instrument_not_configured"
  | "instrument_pre_open"
  | "instrument_halted"
  | "instrument_cancel_only"
  | "instrument_post_only"
  | "instrument_closed"
  | "instrument_failover"
  | "market_closed"
  | "price_off_tick"
  | "stop_price_off_tick"
  | "size_off_lot"
  | "funds_off_grid"
  | "value_too_large"
  | "size_below_minimum"
  | "size_above_maximum"
  | "notional_below_minimum"
  | "price_outside_band"
  | "invalid_command";
