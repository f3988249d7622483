/**
 * One order as its Account object keeps it, and its wire view. Sizes are lots and
 * prices decimal strings as the book confirmed them; money is bigint minor units
 * kept as integer strings (exact through JSON).
 */
import { fromUnits } from "../../../shared/decimal.ts";
import { formatAmount } from "../../../shared/ledger/assets.ts";
import type { NewOrder } from "../../../shared/orders/input.ts";

/** FIX order states, plus `pending_new` while the book has not answered yet. */
export type OrderStatus = "pending_new" | "new" | "partially_filled" | "filled" | "cancelled" | "expired" | "rejected";

/** What an order's status became, as the account's metrics count it (`accepted`: the book took it). */
export type ReachedStatus = "accepted" | "filled" | "cancelled" | "expired" | "rejected";

export const OPEN_STATUSES: ReadonlySet<OrderStatus> = new Set(["pending_new", "new", "partially_filled"]);

export interface OrderRecord {
  order_id: string;
  client_order_id: string;
  instrument: string;
  base: string;
  quote: string;
  tick_size: string;
  lot_size: string;
  side: "buy" | "sell";
  type: NewOrder["type"];
  time_in_force: string;
  price?: string;
  stop_price?: string;
  /** Total size in lots (filled included); absent for orders sized by funds. */
  size_lots?: number;
  funds?: string;
  expire_time?: number;
  post_only: boolean;
  stp: string;
  status: OrderStatus;
  filled_lots: number;
  /** Quote minor units traded, and fees paid (negative: rebates), as integer strings. */
  executed_quote: string;
  fees: string;
  /** Exact fee so far in 1/10 000 minor units (see `accrueFee`). */
  fee_accrued: string;
  /** The rates this order pays, fixed when it was placed. */
  maker_fee_bps: number;
  taker_fee_bps: number;
  /** Why the order ended (the book's cause), or why it was rejected. */
  done_reason?: string;
  reject_code?: string;
  reject_message?: string;
  triggered?: boolean;
  /** Hash of the request, to tell a retry from a different order with the same client id. */
  fingerprint: string;
  /** The place command, kept until the book answers so a retry sends exactly the same. */
  book_command?: Record<string, unknown>;
  created_at: number;
  updated_at: number;
}

/** An order on the wire. */
export interface OrderView {
  order_id: string;
  client_order_id: string;
  instrument: string;
  side: "buy" | "sell";
  type: string;
  time_in_force: string;
  price: string | null;
  stop_price: string | null;
  size: string | null;
  funds: string | null;
  expire_time: number | null;
  post_only: boolean;
  stp: string;
  status: OrderStatus;
  filled_size: string;
  remaining_size: string | null;
  executed_value: string;
  average_price: string | null;
  fees: string;
  fee_asset: string;
  done_reason: string | null;
  reject_code: string | null;
  reject_reason: string | null;
  stop_triggered: boolean;
  created_at: string;
  created_at_ms: number;
  updated_at: string;
  updated_at_ms: number;
}

export function isOpen(record: OrderRecord): boolean {
  return OPEN_STATUSES.has(record.status);
}

export function orderView(r: OrderRecord): OrderView {
  const executed = BigInt(r.executed_quote);
  const open = isOpen(r) && r.status !== "pending_new";
  const remaining = r.size_lots === undefined ? null : fromUnits(open ? r.size_lots - r.filled_lots : 0, r.lot_size);
  return {
    order_id: r.order_id,
    client_order_id: r.client_order_id,
    instrument: r.instrument,
    side: r.side,
    type: r.type,
    time_in_force: r.time_in_force,
    price: r.price ?? null,
    stop_price: r.stop_price ?? null,
    size: r.size_lots === undefined ? null : fromUnits(r.size_lots, r.lot_size),
    funds: r.funds ?? null,
    expire_time: r.expire_time ?? null,
    post_only: r.post_only,
    stp: r.stp,
    status: r.status,
    filled_size: fromUnits(r.filled_lots, r.lot_size),
    remaining_size: r.status === "pending_new" ? fromUnits(r.size_lots ?? 0, r.lot_size) : remaining,
    executed_value: formatAmount(executed, r.quote),
    average_price: r.filled_lots > 0 ? averagePrice(executed, r) : null,
    fees: formatAmount(BigInt(r.fees), r.quote),
    fee_asset: r.quote,
    done_reason: r.done_reason ?? null,
    reject_code: r.reject_code ?? null,
    reject_reason: r.reject_message ?? null,
    stop_triggered: r.triggered ?? false,
    created_at: new Date(r.created_at).toISOString(),
    created_at_ms: r.created_at,
    updated_at: new Date(r.updated_at).toISOString(),
    updated_at_ms: r.updated_at,
  };
}

/** Executed value ÷ filled size, as a decimal with 8 more digits than the quote asset has, truncated. */
function averagePrice(executedMinor: bigint, r: OrderRecord): string {
  const value = formatAmount(executedMinor, r.quote);
  const size = fromUnits(r.filled_lots, r.lot_size);
  return divideDecimals(value, size, 8);
}

/** a ÷ b for non-negative decimal strings, truncated to `extra` more fraction digits than `a` has. */
function divideDecimals(a: string, b: string, extra: number): string {
  const [ai = "0", af = ""] = a.split(".");
  const [bi = "0", bf = ""] = b.split(".");
  const scale = af.length + extra;
  const num = BigInt(ai + af) * 10n ** BigInt(bf.length + extra);
  const den = BigInt(bi + bf);
  const q = (num / den).toString().padStart(scale + 1, "0");
  const whole = q.slice(0, q.length - scale);
  const frac = q.slice(q.length - scale).replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : whole;
}
