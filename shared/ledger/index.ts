/**
 * Account ledger: assets and minor units, fees, and one account's balances, holds and
 * double-entry journal. Pure TypeScript, `bigint` amounts, no runtime imports.
 */
export * from "./account-ledger.ts";
export * from "./assets.ts";
export * from "./fees.ts";
export type { LedgerPosition, LedgerSnapshot, LedgerState } from "./snapshot.ts";
export type * from "./types.ts";
