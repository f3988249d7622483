/**
 * A book's settlement outbox rebuilt from its journal (failover, docs/geography.md#failover):
 * the journal's wire events turned back into the engine events an outbox row carries, for
 * each account the event concerns, keeping only what that account has not applied yet (its
 * book cursor). The Account applies each book `seq` once, after its cursor, so a row that
 * was already applied is skipped there anyway; the cursor only keeps the outbox small.
 */
import type { AcceptedEvent, AmendedEvent, EngineEvent } from "../engine/types.ts";
import type { InstrumentUnits } from "../instruments/units.ts";
import type { BookJournalEvent } from "./book.ts";

export interface RebuiltRow {
  account: string;
  seq: number;
  event: EngineEvent;
}

type Body = Record<string, unknown>;

/** The accounts a journal event concerns (both sides of a trade; the owner of an order event). */
export function concernedAccounts(e: BookJournalEvent): string[] {
  if (e.type === "trade") {
    const maker = String(e.body.maker_account);
    const taker = String(e.body.taker_account);
    return maker === taker ? [taker] : [maker, taker];
  }
  return ["accepted", "done", "amended", "reduced", "stop_triggered"].includes(e.type) ? [String(e.body.account)] : [];
}

/** Every account any of `events` concerns. */
export function journalAccounts(events: readonly BookJournalEvent[]): string[] {
  const out = new Set<string>();
  for (const e of events) for (const a of concernedAccounts(e)) out.add(a);
  return [...out].sort();
}

/** The outbox rows after each account's cursor (`cursors`: account → last seq it applied; absent: 0). */
export function rebuildOutbox(
  events: readonly BookJournalEvent[],
  cursors: ReadonlyMap<string, number>,
  units: InstrumentUnits,
): RebuiltRow[] {
  const rows: RebuiltRow[] = [];
  for (const e of events) {
    const accounts = concernedAccounts(e).filter((a) => e.seq > (cursors.get(a) ?? 0));
    if (accounts.length === 0) continue;
    const event = engineEventOf(e, units);
    for (const account of accounts) rows.push({ account, seq: e.seq, event });
  }
  return rows;
}

/** A journal (wire) event as the engine logged it: decimal strings back to ticks, lots and funds units (every type but `rejected`). */
export function engineEventOf(e: BookJournalEvent, units: InstrumentUnits): EngineEvent {
  const b = e.body as Body;
  const exact = (value: unknown, convert: (v: string) => ReturnType<InstrumentUnits["ticks"]>, field: string) => {
    const n = convert(String(value));
    if (typeof n !== "number") throw new Error(`journal seq ${e.seq}: ${field} ${String(value)} is ${n}`);
    return n;
  };
  const ticks = (field: string) => exact(b[field], (v) => units.ticks(v), field);
  const lots = (field: string) => exact(b[field], (v) => units.lots(v), field);
  const funds = (field: string) => exact(b[field], (v) => units.funds(v), field);
  const optional = <T>(field: string, read: (f: string) => T): T | undefined =>
    b[field] === undefined || b[field] === null ? undefined : read(field);
  switch (e.type) {
    case "accepted": {
      const event: AcceptedEvent = {
        type: "accepted",
        id: String(b.order_id),
        account: String(b.account),
        side: b.side as "buy",
        kind: b.order_type as "limit",
        tif: b.time_in_force as "gtc",
        postOnly: b.post_only === true,
        stp: b.stp as AcceptedEvent["stp"],
      };
      const price = optional("price", ticks);
      const stopPrice = optional("stop_price", ticks);
      const qty = optional("size", lots);
      const fundsValue = optional("funds", funds);
      if (price !== undefined) event.price = price;
      if (stopPrice !== undefined) event.stopPrice = stopPrice;
      if (qty !== undefined) event.qty = qty;
      if (fundsValue !== undefined) event.funds = fundsValue;
      if (typeof b.expire_time === "number") event.expireAt = b.expire_time;
      return event;
    }
    case "trade":
      return {
        type: "trade",
        tradeId: Number(b.trade_id),
        price: ticks("price"),
        qty: lots("size"),
        aggressor: b.aggressor_side as "buy",
        makerId: String(b.maker_order_id),
        makerAccount: String(b.maker_account),
        takerId: String(b.taker_order_id),
        takerAccount: String(b.taker_account),
        makerRemaining: lots("maker_remaining_size"),
      };
    case "done":
      return {
        type: "done",
        id: String(b.order_id),
        account: String(b.account),
        side: b.side as "buy",
        reason: b.reason as "filled",
        cause: b.cause as "filled",
        remaining: lots("remaining_size"),
        remainingFunds: funds("remaining_funds"),
      };
    case "stop_triggered":
      return {
        type: "stop_triggered",
        id: String(b.order_id),
        account: String(b.account),
        stopPrice: ticks("stop_price"),
        lastPrice: ticks("last_price"),
      };
    case "amended": {
      const event: AmendedEvent = {
        type: "amended",
        id: String(b.order_id),
        account: String(b.account),
        qty: lots("size"),
        remaining: lots("remaining_size"),
        priorityKept: b.priority_kept === true,
      };
      const price = optional("price", ticks);
      const stopPrice = optional("stop_price", ticks);
      if (price !== undefined) event.price = price;
      if (stopPrice !== undefined) event.stopPrice = stopPrice;
      return event;
    }
    case "reduced":
      return {
        type: "reduced",
        id: String(b.order_id),
        account: String(b.account),
        by: lots("by_size"),
        remaining: lots("remaining_size"),
        remainingFunds: funds("remaining_funds"),
        cause: "self_trade",
      };
    case "level":
      return { type: "level", side: b.side as "buy", price: ticks("price"), qty: lots("size") };
    default:
      throw new Error(`journal seq ${e.seq}: a ${e.type} event has no engine form here`);
  }
}
