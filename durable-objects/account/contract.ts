/**
 * The Account object's contract: the types its methods take and answer with, and the
 * rules a caller applies to them. Outside this folder, import the class from `index.ts`,
 * these from here, and the stub from `stub.ts`.
 */
import type { Scope } from "../../shared/auth/scopes.ts";
import type { SectionVersions } from "../../shared/config/sections.ts";
import type { BalanceView } from "./funds.ts";
import type { CancelAllOutcome, DeskError, OrderOutcome } from "./orders/outcomes.ts";
import type { CreatedKey } from "./types.ts";

export type { AccountRecoveryRefusal, AccountRestored, AccountRestorePlan } from "./bookmarks.ts";
export type { FeedSessionsRpc, FeedSocketsAnswer, FeedSocketsClaim, RevokedSessions } from "./feed-sockets.ts";
export type * from "./funds.ts";
export type { EntryQuery } from "./ledger-store.ts";
export type { CancelAllOutcome, DeskError, DeskErrorCode, OrderOutcome } from "./orders/outcomes.ts";
export type { OrderView } from "./orders/record.ts";
export type { FillView } from "./orders/settle.ts";
export type { Page, RequestRecord } from "./orders/store.ts";
export type * from "./types.ts";
export type { UserMessage, UserShardRpc, UserSnapshot, UserSubscribeReply } from "./user-feed.ts";

/** Where a call came from, for logs, its Idempotency-Key if it has one, and how it meets the account's budgets. */
export interface CallOptions {
  idempotency_key?: string | undefined;
  traceparent?: string;
  request_id?: string;
  /**
   * How the account's order budgets (orders/order-budget.ts) admit the call: `all` (default) a
   * batch fits whole or is refused whole; `each` every order of a batch on its own, in order (the
   * feed's grouped `order.place` requests, each a request of its own); `exempt` never refused
   * (the system's own cancels: cancel-on-disconnect). Set by the edge and the feed, never by a client.
   */
  admission?: "all" | "each" | "exempt";
  /**
   * The configuration versions the caller holds (the edge isolate's, the feed shard's): an
   * Account whose copy is older refreshes it before the call, so a new version reaches a
   * trading account within the caller's refresh time without every account polling.
   */
  config_versions?: Partial<SectionVersions>;
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

/** Idempotency records are kept this long. */
export const REQUEST_TTL_MS = 24 * 3_600_000;

export interface BatchOutcome {
  ok: true;
  results: OrderOutcome[];
}

export interface CancelAfterOutcome {
  ok: true;
  /** When every open order will be cancelled unless refreshed; null when disarmed. */
  cancel_at: string | null;
  cancel_at_ms: number | null;
}

/** A mutation's outcome as stored under its Idempotency-Key. */
export type StoredOutcome = OrderOutcome | CancelAllOutcome | BatchOutcome | CancelAfterOutcome | DeskError;

/** A request repeated under its Idempotency-Key with a different body. */
export interface KeyReused {
  ok: false;
  code: "idempotency_key_reused";
  message: string;
}

/**
 * An outcome refused, wholly or in part, by the account's order budget: not stored under its
 * key either, so the same request after the wait runs.
 */
export function budgetRefused(outcome: StoredOutcome): boolean {
  if (!outcome.ok) return outcome.code === "rate_limited";
  return "results" in outcome && outcome.results.some((r) => !r.ok && r.code === "rate_limited");
}

/**
 * An outcome not to store under its key: some order's book call did not answer, or the book was
 * being moved (`instrument_moving`), so a repeat must try again.
 */
export function statusUnknown(outcome: StoredOutcome): boolean {
  const retry = (code: string) => code === "order_status_unknown" || code === "instrument_moving";
  if (!outcome.ok) return retry(outcome.code);
  return "results" in outcome && outcome.results.some((r) => !r.ok && retry(r.code));
}
