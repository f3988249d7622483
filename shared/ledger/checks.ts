/**
 * The checks an account ledger makes before it posts anything, and the
 * rejections they answer with: well-formed assets, amounts and fills, enough
 * available money, and one asset per order hold.
 */
import { isAssetCode } from "./assets.ts";
import { balanceOf } from "./balances.ts";
import type { LedgerState } from "./snapshot.ts";
import type { Fill, LedgerRejection } from "./types.ts";

type Rejection<C extends LedgerRejection["code"]> = Extract<LedgerRejection, { code: C }>;

/** The rejection `code`, with its message and details. */
export function reject<C extends LedgerRejection["code"]>(
  code: C,
  message: string,
  details: Omit<Rejection<C>, "ok" | "code" | "message">,
): Rejection<C> {
  return { ok: false, code, message, ...details } as Rejection<C>;
}

export function checkAsset(asset: string): LedgerRejection | null {
  if (typeof asset === "string" && isAssetCode(asset)) return null;
  return reject("invalid_asset", `not an asset code: ${JSON.stringify(asset)}`, { asset });
}

export function checkAmount(amount: bigint): LedgerRejection | null {
  if (typeof amount === "bigint" && amount > 0n) return null;
  return reject("invalid_amount", `amount must be a positive bigint, got ${amount}`, { amount });
}

/** Why a fill is malformed, or null. */
export function checkFill(f: Fill): string | null {
  if (typeof f.fill_id !== "string" || f.fill_id === "") return "fill_id is required";
  if (typeof f.order_ref !== "string" || f.order_ref === "") return "order_ref is required";
  if (f.side !== "buy" && f.side !== "sell") return "side must be buy or sell";
  if (f.liquidity !== "maker" && f.liquidity !== "taker") return "liquidity must be maker or taker";
  if (!isAssetCode(f.base) || !isAssetCode(f.quote) || f.base === f.quote) return "base and quote must be two assets";
  if (f.fee_asset !== f.quote) return "fees are charged in the quote asset";
  for (const key of ["base_amount", "quote_amount", "fee"] as const) {
    if (typeof f[key] !== "bigint") return `${key} must be a bigint`;
  }
  if (f.base_amount <= 0n || f.quote_amount <= 0n) return "base_amount and quote_amount must be positive";
  if (f.fee > f.quote_amount || -f.fee > f.quote_amount) return "the fee must not exceed the quote amount";
  return null;
}

/** Refuses to take `amount` of `asset` from more than is available. */
export function checkAvailable(state: LedgerState, asset: string, amount: bigint): LedgerRejection | null {
  const available = balanceOf(state, asset).available;
  if (available >= amount) return null;
  return reject("insufficient_available", `available ${asset} is ${available}, less than ${amount}`, {
    asset,
    available,
    requested: amount,
  });
}

/** Refuses to hold or spend `asset` for an order that holds another asset. */
export function checkHeldAsset(state: LedgerState, orderRef: string, asset: string): LedgerRejection | null {
  const h = state.holds.get(orderRef);
  if (h === undefined || h.asset === asset) return null;
  return reject("hold_asset_mismatch", `order ${orderRef} holds ${h.asset}, not ${asset}`, {
    order_ref: orderRef,
    asset,
    held_asset: h.asset,
  });
}
