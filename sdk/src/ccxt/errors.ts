/**
 * The API's problem `code`s (and `code:reason` pairs, matched first) mapped to
 * ccxt's error classes. `throwForProblem` (problems.ts, platform3's `handleErrors`)
 * throws the exact match, else a broad match on a part of the code, else `ExchangeError`.
 */
import {
  AccountNotEnabled,
  AccountSuspended,
  AuthenticationError,
  BadRequest,
  BadSymbol,
  DuplicateOrderId,
  ExchangeError,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  MarketClosed,
  OrderImmediatelyFillable,
  OrderNotFillable,
  OrderNotFound,
  PermissionDenied,
  RateLimitExceeded,
  RequestTimeout,
} from "ccxt";

type ErrorClass = typeof ExchangeError;

export const EXACT: Record<string, ErrorClass> = {
  // The request itself.
  bad_request: BadRequest,
  invalid_request: BadRequest,
  body_not_allowed: BadRequest,
  payload_too_large: BadRequest,
  unsupported_media_type: BadRequest,
  method_not_allowed: BadRequest,
  not_found: BadRequest,
  request_not_found: BadRequest,
  idempotency_key_reused: BadRequest,
  // Credentials and scopes.
  unauthorized: AuthenticationError,
  "unauthorized:stale_timestamp": InvalidNonce,
  "unauthorized:replayed_nonce": InvalidNonce,
  unauthenticated: AuthenticationError,
  invalid_grant: AuthenticationError,
  missing_scope: PermissionDenied,
  account_mismatch: PermissionDenied,
  account_not_found: AccountNotEnabled,
  // Instruments and orders.
  instrument_not_found: BadSymbol,
  unknown_instrument: BadSymbol,
  invalid_order: InvalidOrder,
  order_rejected: InvalidOrder,
  "order_rejected:insufficient_available": InsufficientFunds,
  "order_rejected:account_disabled": AccountSuspended,
  "order_rejected:market_closed": MarketClosed,
  "order_rejected:instrument_closed": MarketClosed,
  "order_rejected:instrument_halted": MarketClosed,
  "order_rejected:instrument_pre_open": MarketClosed,
  "order_rejected:instrument_cancel_only": MarketClosed,
  "order_rejected:instrument_post_only": MarketClosed,
  "order_rejected:post_only_would_take": OrderImmediatelyFillable,
  "order_rejected:fok_not_fillable": OrderNotFillable,
  amend_rejected: InvalidOrder,
  "amend_rejected:insufficient_available": InsufficientFunds,
  cancel_rejected: InvalidOrder,
  order_not_found: OrderNotFound,
  order_not_open: OrderNotFound,
  client_order_id_conflict: DuplicateOrderId,
  insufficient_available: InsufficientFunds,
  // Limits.
  rate_limited: RateLimitExceeded,
  feed_ip_limit: RateLimitExceeded,
  feed_account_limit: RateLimitExceeded,
  too_many_subscriptions: RateLimitExceeded,
  // The service. An unknown outcome is a timeout in ccxt's terms (a NetworkError: the order may exist).
  order_status_unknown: RequestTimeout,
  auth_not_configured: ExchangeNotAvailable,
  operator_disabled: ExchangeNotAvailable,
  feed_capacity: ExchangeNotAvailable,
  object_circuit_open: ExchangeNotAvailable,
  internal_error: ExchangeError,
};

/** Matched against any part of the code: every `*_unavailable` (`object_unavailable`, `history_unavailable` …). */
export const BROAD: Record<string, ErrorClass> = {
  unavailable: ExchangeNotAvailable,
};
