/**
 * Version 1 of every `book` stream event: the book's wire events (durable-objects/
 * order-book/wire.ts `toWireEvent`), snake_case with decimal strings, `type` repeated in
 * the body. `rejected` is not here: the book never logs a rejection, so it never travels.
 *
 * Required are the fields every event of the type has; fields the engine leaves out when
 * they do not apply (an order's `price` when it has none) are optional. `book.trade`
 * requires what the projections read (trades, candles) and keeps the accounts and the
 * maker's remainder optional, as the first producers sent them.
 */
import { z } from "zod";
import { Decimal, EpochMs, Id, Side } from "./fields.ts";

const OrderType = z.enum(["limit", "market", "stop", "stop_limit"]);
const TimeInForce = z.enum(["gtc", "ioc", "fok", "gtd"]);
const Stp = z.enum(["cancel_newest", "cancel_oldest", "cancel_both", "decrement_and_cancel"]);
const DoneCause = z.enum([
  "filled",
  "user",
  "cancel_all",
  "ioc_remainder",
  "no_liquidity",
  "self_trade",
  "gtd",
  "funds_exhausted",
  "post_only",
  "fok_not_fillable",
]);

export const BookAcceptedV1 = z
  .looseObject({
    type: z.literal("accepted"),
    order_id: Id,
    account: Id,
    side: Side,
    order_type: OrderType,
    time_in_force: TimeInForce,
    price: Decimal.optional(),
    stop_price: Decimal.optional(),
    size: Decimal.optional(),
    funds: Decimal.optional(),
    expire_time: EpochMs.optional(),
    post_only: z.boolean(),
    stp: Stp,
  })
  .describe("An order the book took (resting, or about to trade).");

export const BookTradeV1 = z
  .looseObject({
    type: z.literal("trade"),
    trade_id: z.number().int().positive(),
    price: Decimal,
    size: Decimal,
    aggressor_side: Side,
    maker_order_id: Id,
    taker_order_id: Id,
    maker_account: Id.optional(),
    taker_account: Id.optional(),
    maker_remaining_size: Decimal.optional(),
  })
  .describe("One match between a resting (maker) and an incoming (taker) order.");

export const BookDoneV1 = z
  .looseObject({
    type: z.literal("done"),
    order_id: Id,
    account: Id,
    side: Side,
    reason: z.enum(["filled", "cancelled", "expired"]),
    cause: DoneCause,
    remaining_size: Decimal,
    remaining_funds: Decimal,
  })
  .describe("An order left the book: filled, cancelled or expired.");

export const BookStopTriggeredV1 = z
  .looseObject({
    type: z.literal("stop_triggered"),
    order_id: Id,
    account: Id,
    stop_price: Decimal,
    last_price: Decimal,
  })
  .describe("A stop order's trigger price was reached by the last trade.");

export const BookAmendedV1 = z
  .looseObject({
    type: z.literal("amended"),
    order_id: Id,
    account: Id,
    size: Decimal,
    remaining_size: Decimal,
    price: Decimal.optional(),
    stop_price: Decimal.optional(),
    priority_kept: z.boolean(),
  })
  .describe("A resting order or untriggered stop was amended.");

export const BookReducedV1 = z
  .looseObject({
    type: z.literal("reduced"),
    order_id: Id,
    account: Id,
    by_size: Decimal,
    remaining_size: Decimal,
    remaining_funds: Decimal,
    cause: z.enum(["self_trade"]),
  })
  .describe("An order was reduced by self-trade prevention (decrement_and_cancel).");

export const BookLevelV1 = z
  .looseObject({
    type: z.literal("level"),
    side: Side,
    price: Decimal,
    size: Decimal,
  })
  .describe("A price level's new total size (0: the level is gone).");
