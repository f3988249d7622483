/**
 * Reading an account's balances out of its ledger state: per asset in minor
 * units (total, hold, available), and all of them as decimal strings.
 */
import { type AssetScales, formatAmount } from "./assets.ts";
import type { LedgerState } from "./snapshot.ts";
import type { Balance, BalanceView } from "./types.ts";

/** `asset`'s balances (zero for an asset never used). */
export function balanceOf(state: LedgerState, asset: string): Balance {
  const b = state.balances.get(asset);
  const total = b?.total ?? 0n;
  const hold = b?.hold ?? 0n;
  return { total, hold, available: total - hold };
}

/** Every asset the account has used, by code, as decimal strings on `scales`. */
export function balanceViews(state: LedgerState, scales: AssetScales): BalanceView[] {
  return [...state.balances.keys()].sort().map((asset) => {
    const { total, hold, available } = balanceOf(state, asset);
    const fmt = (n: bigint) => formatAmount(n, asset, scales);
    return { asset, total: fmt(total), hold: fmt(hold), available: fmt(available) };
  });
}
