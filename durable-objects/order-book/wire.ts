/**
 * Translation between the wire (snake_case, decimal strings) and the engine
 * (camelCase, integer units), plus the instrument checks the engine does not
 * know about: grid, size limits, minimum notional, price band, status and the
 * trading calendar (places and amends only while the market is open).
 */

import type { BookCommand, BookRejectCode, PlaceCommand } from "../../shared/book/commands.ts";
import type { Command, EngineEvent, RejectReason } from "../../shared/engine/index.ts";
import { type Calendar, isOpen, nextOpen } from "../../shared/instruments/calendar.ts";
import { type InstrumentStatus, statusAllows } from "../../shared/instruments/schema.ts";
import type { InstrumentUnits, UnitResult } from "../../shared/instruments/units.ts";

export interface BookReject {
  /** The book's own code, or the engine's reject reason. */
  code: BookRejectCode | RejectReason;
  message: string;
}

/** What each engine reject reason means, for error messages. */
export const ENGINE_REJECT_MESSAGES: Record<RejectReason, string> = {
  invalid_command: "the command is not one the book knows",
  invalid_order_id: "order_id must be 1 to 64 characters",
  invalid_account: "account must be 1 to 64 characters",
  invalid_side: "side must be buy or sell",
  invalid_kind: "order_type must be limit, market, stop or stop_limit",
  invalid_tif: "time_in_force does not fit this order (market orders: ioc or fok; post_only: gtc or gtd)",
  invalid_stp: "stp must be cancel_newest, cancel_oldest, cancel_both or decrement_and_cancel",
  invalid_quantity: "size is required for this order and must be positive",
  invalid_funds: "funds applies to market and stop orders only, instead of size, and must be positive",
  invalid_price: "price is required for limit and stop_limit orders only",
  price_off_tick: "price is not a multiple of the tick size",
  invalid_stop_price: "stop_price is required for stop and stop_limit orders only",
  invalid_expiry: "expire_time is required with gtd and only with gtd",
  notional_overflow: "price × size is too large",
  duplicate_order_id: "this book has already accepted an order with this order_id",
  unknown_order: "no open order has this order_id",
  post_only_would_take: "a post-only order would have taken liquidity",
  fok_not_fillable: "a fill-or-kill order could not be filled in full at once",
  stop_would_trigger: "the stop price has already been reached by the last trade",
  already_expired: "expire_time has already passed",
  nothing_to_amend: "the amendment changes nothing",
  amend_below_filled: "the new size is not above the size already filled",
  not_amendable: "this order has no such field to amend",
};

/** What the book needs to know, besides units, to judge a command. */
export interface BookContext {
  status: InstrumentStatus;
  /** Last trade price or mid in ticks, for the price band; undefined before any. */
  referencePrice: number | undefined;
  /** The instant the command runs at (epoch ms), for the trading calendar. */
  now: number;
  /** The instrument's trading calendar: places and amends only while it is open. Undefined: always open. */
  calendar?: Calendar;
}

const STATUS_REJECT: Record<InstrumentStatus, BookRejectCode> = {
  open: "invalid_command",
  pre_open: "instrument_pre_open",
  halted: "instrument_halted",
  cancel_only: "instrument_cancel_only",
  post_only: "instrument_post_only",
  closed: "instrument_closed",
  failover: "instrument_failover",
};

/** Converts a validated wire command into an engine command, or says why the book refuses it. */
export function toEngineCommand(cmd: BookCommand, units: InstrumentUnits, ctx: BookContext): Command | BookReject {
  switch (cmd.type) {
    case "cancel":
      return { type: "cancel", id: cmd.order_id, account: cmd.account };
    case "cancel_all":
      return { type: "cancel_all", account: cmd.account, side: cmd.side };
    case "amend": {
      if (!statusAllows(ctx.status, "place")) return statusReject(ctx.status);
      const closed = calendarReject(ctx);
      if (closed) return closed;
      const fields = priceAndSize(cmd, units, ctx);
      if ("code" in fields) return fields;
      return { type: "amend", id: cmd.order_id, account: cmd.account, ...fields };
    }
    case "place":
      return toPlace(cmd, units, ctx);
  }
}

function toPlace(cmd: PlaceCommand, units: InstrumentUnits, ctx: BookContext): Command | BookReject {
  const action = cmd.post_only ? "place_post_only" : "place";
  if (!statusAllows(ctx.status, action)) return statusReject(ctx.status);
  const closed = calendarReject(ctx);
  if (closed) return closed;
  const fields = priceAndSize(cmd, units, ctx);
  if ("code" in fields) return fields;
  const { price, qty } = fields;
  if (price !== undefined && qty !== undefined && price * qty < units.minNotional) {
    return reject(
      "notional_below_minimum",
      `price × size is ${units.notional(price * qty)}; the minimum notional is ${units.notional(units.minNotional)}`,
    );
  }
  const out: Command = {
    type: "place",
    id: cmd.order_id,
    account: cmd.account,
    side: cmd.side,
    kind: cmd.order_type,
    tif: cmd.time_in_force,
    expireAt: cmd.expire_time,
    postOnly: cmd.post_only,
    stp: cmd.stp,
    ...fields,
  };
  if (cmd.protection_price !== undefined) {
    if (cmd.order_type !== "market" && cmd.order_type !== "stop") {
      return reject("invalid_command", "protection_price applies to market and stop orders only");
    }
    // Not held to the band: it is the band's edge, set from the reference price the hold was sized with.
    const ticks = convert(
      units.ticks(cmd.protection_price),
      "protection_price",
      "price_off_tick",
      cmd.protection_price,
      units.tick,
    );
    if (typeof ticks !== "number") return ticks;
    out.price = ticks;
  }
  if (cmd.funds !== undefined) {
    const funds = convert(units.funds(cmd.funds), "funds", "funds_off_grid", cmd.funds, units.fundsUnit);
    if (typeof funds !== "number") return funds;
    if (funds < units.minNotional) {
      return reject("notional_below_minimum", `funds must be at least ${units.notional(units.minNotional)}`);
    }
    out.funds = funds;
  }
  return out;
}

/** `price` (in the band), `stop_price` and `size` (within limits) in engine units, as present. */
function priceAndSize(
  cmd: { price?: string | undefined; stop_price?: string | undefined; size?: string | undefined },
  units: InstrumentUnits,
  ctx: BookContext,
): { price?: number; stopPrice?: number; qty?: number } | BookReject {
  const out: { price?: number; stopPrice?: number; qty?: number } = {};
  if (cmd.price !== undefined) {
    const ticks = convert(units.ticks(cmd.price), "price", "price_off_tick", cmd.price, units.tick);
    if (typeof ticks !== "number") return ticks;
    const bad = checkBand(ticks, units, ctx);
    if (bad) return bad;
    out.price = ticks;
  }
  if (cmd.stop_price !== undefined) {
    const ticks = convert(units.ticks(cmd.stop_price), "stop_price", "stop_price_off_tick", cmd.stop_price, units.tick);
    if (typeof ticks !== "number") return ticks;
    out.stopPrice = ticks;
  }
  if (cmd.size !== undefined) {
    const lots = convert(units.lots(cmd.size), "size", "size_off_lot", cmd.size, units.lot);
    if (typeof lots !== "number") return lots;
    const bad = checkSize(lots, units);
    if (bad) return bad;
    out.qty = lots;
  }
  return out;
}

function convert(
  result: UnitResult,
  field: string,
  offGrid: BookRejectCode,
  value: string,
  unit: string,
): number | BookReject {
  if (typeof result === "number") return result;
  if (result === "off_grid") return reject(offGrid, `${field} ${value} is not a multiple of ${unit}`);
  if (result === "too_large") return reject("value_too_large", `${field} ${value} is too large`);
  return reject("invalid_command", `${field} ${value} is not a decimal`);
}

function checkSize(lots: number, units: InstrumentUnits): BookReject | null {
  if (lots < units.minLots) {
    return reject("size_below_minimum", `size must be at least ${units.size(units.minLots)}`);
  }
  if (lots > units.maxLots) {
    return reject("size_above_maximum", `size must be at most ${units.size(units.maxLots)}`);
  }
  return null;
}

function checkBand(ticks: number, units: InstrumentUnits, ctx: BookContext): BookReject | null {
  if (ctx.referencePrice === undefined || units.withinBand(ticks, ctx.referencePrice)) return null;
  return reject(
    "price_outside_band",
    `price ${units.price(ticks)} is outside the band around the reference price ${units.price(ctx.referencePrice)}`,
  );
}

function statusReject(status: InstrumentStatus): BookReject {
  const verb = status === "post_only" ? "accepts only post-only orders" : "accepts cancels only";
  return reject(STATUS_REJECT[status], `the instrument is ${status} and ${verb}`);
}

/** The last calendar verdict: every command of a batch runs at the same instant. */
let lastVerdict: { calendar: Calendar; now: number; reject: BookReject | null } | undefined;

/** `market_closed` outside the calendar's sessions, naming the next opening (RFC 3339). */
function calendarReject(ctx: BookContext): BookReject | null {
  const { calendar, now } = ctx;
  if (calendar === undefined || calendar.kind === "24x7") return null;
  if (lastVerdict?.calendar === calendar && lastVerdict.now === now) return lastVerdict.reject;
  let verdict: BookReject | null = null;
  if (!isOpen(calendar, now)) {
    const next = nextOpen(calendar, now);
    const when = next === null ? "no opening is scheduled" : `it next opens at ${new Date(next).toISOString()}`;
    verdict = reject("market_closed", `the market is closed by the instrument's trading calendar; ${when}`);
  }
  lastVerdict = { calendar, now, reject: verdict };
  return verdict;
}

function reject(code: BookRejectCode, message: string): BookReject {
  return { code, message };
}

/** An engine event on the wire. `seq` and `time` are added when the event is logged. */
export type WireEvent = Record<string, string | number | boolean | undefined>;

/** Converts an engine event to its wire form (decimal strings, snake_case). */
export function toWireEvent(e: EngineEvent, units: InstrumentUnits): WireEvent {
  const price = (t: number | undefined) => (t === undefined ? undefined : units.price(t));
  switch (e.type) {
    case "accepted":
      return {
        type: "accepted",
        order_id: e.id,
        account: e.account,
        side: e.side,
        order_type: e.kind,
        time_in_force: e.tif,
        price: price(e.price),
        stop_price: price(e.stopPrice),
        size: e.qty === undefined ? undefined : units.size(e.qty),
        funds: e.funds === undefined ? undefined : units.notional(e.funds),
        expire_time: e.expireAt,
        post_only: e.postOnly,
        stp: e.stp,
      };
    case "rejected":
      return { type: "rejected", order_id: e.id, command: e.command, reason: e.reason };
    case "trade":
      return {
        type: "trade",
        trade_id: e.tradeId,
        price: units.price(e.price),
        size: units.size(e.qty),
        aggressor_side: e.aggressor,
        maker_order_id: e.makerId,
        maker_account: e.makerAccount,
        taker_order_id: e.takerId,
        taker_account: e.takerAccount,
        maker_remaining_size: units.size(e.makerRemaining),
      };
    case "done":
      return {
        type: "done",
        order_id: e.id,
        account: e.account,
        side: e.side,
        reason: e.reason,
        cause: e.cause,
        remaining_size: units.size(e.remaining),
        remaining_funds: units.notional(e.remainingFunds),
      };
    case "stop_triggered":
      return {
        type: "stop_triggered",
        order_id: e.id,
        account: e.account,
        stop_price: units.price(e.stopPrice),
        last_price: units.price(e.lastPrice),
      };
    case "amended":
      return {
        type: "amended",
        order_id: e.id,
        account: e.account,
        size: units.size(e.qty),
        remaining_size: units.size(e.remaining),
        price: price(e.price),
        stop_price: price(e.stopPrice),
        priority_kept: e.priorityKept,
      };
    case "reduced":
      return {
        type: "reduced",
        order_id: e.id,
        account: e.account,
        by_size: units.size(e.by),
        remaining_size: units.size(e.remaining),
        remaining_funds: units.notional(e.remainingFunds),
        cause: e.cause,
      };
    case "level":
      return { type: "level", side: e.side, price: units.price(e.price), size: units.size(e.qty) };
  }
}
