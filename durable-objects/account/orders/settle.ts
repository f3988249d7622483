/**
 * Applies a book's outbox rows to an account's orders and ledger, in `seq` order and
 * each once: rows at or below the account's cursor for that book are skipped. Trades
 * settle as fills (exactly once by `instrument:trade_id`, fees accrued per order at
 * the rates fixed when it was placed); a done order's remaining hold is released.
 * Pure over the state it is given; the caller persists what it reports.
 */

import { fromUnits } from "../../../shared/decimal.ts";
import type { EngineEvent } from "../../../shared/engine/index.ts";
import { type AccountLedger, accrueFee, formatAmount, fundsToQuote, lotsToBase } from "../../../shared/ledger/index.ts";
import type { LedgerTransaction } from "../../../shared/ledger/types.ts";
import type { OutboxRow } from "../../order-book/contract.ts";
import type { OrderRecord, ReachedStatus } from "./record.ts";

/** One fill of one of the account's orders, on the wire. */
export interface FillView {
  fill_id: string;
  trade_id: number;
  order_id: string;
  client_order_id: string;
  instrument: string;
  side: "buy" | "sell";
  price: string;
  size: string;
  value: string;
  fee: string;
  fee_asset: string;
  liquidity: "maker" | "taker";
  time: string;
  time_ms: number;
  seq: number;
}

/** What applying rows changed, for the caller to persist and publish. */
export interface Applied {
  cursor: number;
  transactions: LedgerTransaction[];
  fills: FillView[];
  changed: Set<OrderRecord>;
  /** Statuses orders reached (for the account's metrics). */
  reached: ReachedStatus[];
}

export interface SettleState {
  ledger: AccountLedger;
  /** The account's open orders by id (done ones are never named by later rows). */
  order(id: string): OrderRecord | undefined;
}

/** Applies `rows` of `instrument` after `cursor`; throws if the ledger refuses one (a bug, never input). */
export function applyRows(state: SettleState, instrument: string, cursor: number, rows: readonly OutboxRow[]): Applied {
  const out: Applied = { cursor, transactions: [], fills: [], changed: new Set(), reached: [] };
  for (const row of rows) {
    if (row.seq <= out.cursor) continue;
    applyEvent(state, instrument, row, out);
    out.cursor = row.seq;
  }
  return out;
}

function applyEvent(state: SettleState, instrument: string, row: OutboxRow, out: Applied): void {
  const e: EngineEvent = row.event;
  switch (e.type) {
    case "trade": {
      // Both sides may be this account's only when self-trade prevention allowed it: it never does.
      for (const [id, liquidity] of [
        [e.makerId, "maker"],
        [e.takerId, "taker"],
      ] as const) {
        const order = state.order(id);
        if (order) settleFill(state.ledger, instrument, order, e, liquidity, row, out);
      }
      return;
    }
    case "accepted": {
      const order = state.order(e.id);
      if (order?.status === "pending_new") {
        touch(order, row, out).status = "new";
        out.reached.push("accepted");
      }
      if (order) delete order.book_command;
      return;
    }
    case "done": {
      const order = state.order(e.id);
      if (!order) return;
      touch(order, row, out);
      order.status = e.reason;
      out.reached.push(e.reason);
      order.done_reason = e.cause;
      delete order.book_command;
      release(state.ledger, order, out);
      return;
    }
    case "amended": {
      const order = state.order(e.id);
      if (!order) return;
      touch(order, row, out).size_lots = e.qty;
      if (e.price !== undefined) order.price = fromUnits(e.price, order.tick_size);
      if (e.stopPrice !== undefined) order.stop_price = fromUnits(e.stopPrice, order.tick_size);
      return;
    }
    case "reduced": {
      const order = state.order(e.id);
      if (order && order.size_lots !== undefined) touch(order, row, out).size_lots = order.filled_lots + e.remaining;
      return;
    }
    case "stop_triggered": {
      const order = state.order(e.id);
      if (order) touch(order, row, out).triggered = true;
      return;
    }
    default:
      return;
  }
}

function touch(order: OrderRecord, row: OutboxRow, out: Applied): OrderRecord {
  order.updated_at = row.at;
  out.changed.add(order);
  return order;
}

function settleFill(
  ledger: AccountLedger,
  instrument: string,
  order: OrderRecord,
  e: Extract<EngineEvent, { type: "trade" }>,
  liquidity: "maker" | "taker",
  row: OutboxRow,
  out: Applied,
): void {
  const spec = {
    symbol: instrument,
    base: order.base,
    quote: order.quote,
    tick_size: order.tick_size,
    lot_size: order.lot_size,
  };
  const baseAmount = lotsToBase(e.qty, spec);
  const quoteAmount = fundsToQuote(BigInt(e.price) * BigInt(e.qty), spec);
  const bps = liquidity === "maker" ? order.maker_fee_bps : order.taker_fee_bps;
  const { fee, accrued } = accrueFee(BigInt(order.fee_accrued), quoteAmount, bps);
  const fillId = `${instrument}:${e.tradeId}`;
  const result = ledger.applyFill({
    fill_id: fillId,
    order_ref: order.order_id,
    side: order.side,
    base: order.base,
    quote: order.quote,
    base_amount: baseAmount,
    quote_amount: quoteAmount,
    fee,
    fee_asset: order.quote,
    liquidity,
  });
  if (!result.ok) throw new Error(`fill ${fillId} of order ${order.order_id} refused by the ledger: ${result.message}`);
  if (result.duplicate) return;
  if (result.transaction) out.transactions.push(result.transaction);
  touch(order, row, out);
  order.fee_accrued = `${accrued}`;
  order.filled_lots += e.qty;
  order.executed_quote = `${BigInt(order.executed_quote) + quoteAmount}`;
  order.fees = `${BigInt(order.fees) + fee}`;
  if (order.status === "new" || order.status === "pending_new") order.status = "partially_filled";
  out.fills.push({
    fill_id: fillId,
    trade_id: e.tradeId,
    order_id: order.order_id,
    client_order_id: order.client_order_id,
    instrument,
    side: order.side,
    price: fromUnits(e.price, order.tick_size),
    size: fromUnits(e.qty, order.lot_size),
    value: formatAmount(quoteAmount, order.quote),
    fee: formatAmount(fee, order.quote),
    fee_asset: order.quote,
    liquidity,
    time: new Date(row.at).toISOString(),
    time_ms: row.at,
    seq: row.seq,
  });
}

/** Returns what the order still holds to available (a spent hold is simply forgotten). */
export function release(ledger: AccountLedger, order: OrderRecord, out: { transactions: LedgerTransaction[] }): void {
  if (ledger.holdOf(order.order_id) === undefined) return;
  const result = ledger.release(order.order_id);
  if (!result.ok) throw new Error(`releasing the hold of ${order.order_id} failed: ${result.message}`);
  if (result.transaction) out.transactions.push(result.transaction);
}
