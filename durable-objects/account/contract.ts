/**
 * The Account object's RPC contract: the result types its methods answer the
 * edge with (re-exported from `index.ts`, which is what callers import).
 */
import type { Scope } from "../../shared/auth/scopes.ts";
import type { BalanceView } from "./funds.ts";
import type { CreatedKey } from "./types.ts";

/** Where a call came from, for logs, and its Idempotency-Key if it has one. */
export interface CallOptions {
  idempotency_key?: string | undefined;
  traceparent?: string;
  request_id?: string;
}

export interface AccountInfo {
  account_id: string;
  name: string | null;
  created_at: string;
}

export type CreateAccountResult =
  | { ok: true; account: AccountInfo; api_key: CreatedKey }
  | { ok: false; code: "account_exists"; message: string };

export type RevokeKeyResult =
  /** `families`: the refresh families revoked with the key (the edge forgets them at once). */
  | { ok: true; families: string[] }
  | { ok: false; code: "api_key_not_found"; message: string }
  | { ok: false; code: "missing_scope"; scope: Scope; message: string };

/** Answered for an account that was never created (no storage is written). */
export interface AccountNotFound {
  ok: false;
  code: "account_not_found";
  message: string;
}

export interface AccountBalances {
  ok: true;
  account_id: string;
  trading_enabled: boolean;
  balances: BalanceView[];
}

export interface TradingSwitch {
  ok: true;
  account_id: string;
  trading_enabled: boolean;
  /** RFC 3339 and epoch ms of the last change, null if never changed. */
  changed_at: string | null;
  changed_at_ms: number | null;
}

export interface AssertionCheck {
  key_id: string;
  assertion: string;
  /** Accepted `aud` values (the token endpoint URL, the issuer). */
  audiences: string[];
  ip: string | undefined;
  /** Longest accepted exp − iat, seconds. */
  max_lifetime_s: number;
}
