/**
 * Every stable error code of the API, HTTP and WebSocket alike, in one catalogue.
 * Clients branch on `code`; `title` is fixed per code; the HTTP `status` is the one
 * a REST answer carries (WebSocket replies carry the code and a message only).
 * Never rename a code; add new ones instead.
 */
export const ERROR_CODES = {
  // Requests
  bad_request: { status: 400, title: "Bad Request" },
  invalid_request: { status: 400, title: "Invalid Request" },
  invalid_order: { status: 400, title: "Invalid Order" },
  body_not_allowed: { status: 400, title: "Body Not Allowed" },
  method_not_allowed: { status: 405, title: "Method Not Allowed" },
  payload_too_large: { status: 413, title: "Payload Too Large" },
  unsupported_media_type: { status: 415, title: "Unsupported Media Type" },
  upgrade_required: { status: 426, title: "Upgrade Required" },
  rate_limited: { status: 429, title: "Too Many Requests" },
  // Authentication and authorization
  unauthorized: { status: 401, title: "Unauthorized" },
  missing_scope: { status: 403, title: "Missing Scope" },
  invalid_grant: { status: 400, title: "Invalid Grant" },
  api_key_not_found: { status: 404, title: "API Key Not Found" },
  api_key_limit: { status: 409, title: "API Key Limit Reached" },
  account_exists: { status: 409, title: "Account Already Exists" },
  auth_not_configured: { status: 503, title: "Authentication Not Configured" },
  // Things that are not there
  not_found: { status: 404, title: "Not Found" },
  instrument_not_found: { status: 404, title: "Instrument Not Found" },
  account_not_found: { status: 404, title: "Account Not Found" },
  order_not_found: { status: 404, title: "Order Not Found" },
  request_not_found: { status: 404, title: "Request Not Found" },
  /** A recovery route names no bookmark the object holds (docs/recovery.md). */
  bookmark_not_found: { status: 404, title: "Bookmark Not Found" },
  /** `/v1/admin/config/{section}` names no configuration section (docs/configuration.md). */
  config_section_not_found: { status: 404, title: "Configuration Section Not Found" },
  config_version_not_found: { status: 404, title: "Configuration Version Not Found" },
  // Configuration writes (docs/configuration.md)
  invalid_config: { status: 400, title: "Invalid Configuration" },
  config_version_mismatch: { status: 412, title: "Configuration Version Mismatch" },
  config_version_required: { status: 428, title: "Configuration Version Required" },
  // Conflicts with the state
  instrument_exists: { status: 409, title: "Instrument Already Listed" },
  instrument_conflict: { status: 409, title: "Instrument Change Refused" },
  insufficient_available: { status: 409, title: "Insufficient Available Balance" },
  reference_conflict: { status: 409, title: "Reference Already Used" },
  order_not_open: { status: 409, title: "Order Not Open" },
  client_order_id_conflict: { status: 409, title: "Client Order Id Already Used" },
  cancel_rejected: { status: 409, title: "Cancel Rejected" },
  /** A restore the state does not allow (journal ahead without roll forward, schema changed, no PITR here). */
  recovery_conflict: { status: 409, title: "Recovery Refused" },
  idempotency_key_reused: { status: 422, title: "Idempotency Key Reused" },
  order_rejected: { status: 422, title: "Order Rejected" },
  amend_rejected: { status: 422, title: "Amend Rejected" },
  // Unavailable
  internal_error: { status: 500, title: "Internal Server Error" },
  operator_disabled: { status: 503, title: "Operator Routes Disabled" },
  feed_capacity: { status: 503, title: "Feed At Capacity" },
  /** A client address holds FEED_MAX_SOCKETS_PER_IP feed sockets (the upgrade is refused). */
  feed_ip_limit: { status: 429, title: "Too Many Feed Sockets From This Address" },
  /** An account holds FEED_MAX_SOCKETS_PER_ACCOUNT authenticated feed sockets (upgrade or `auth` refused). */
  feed_account_limit: { status: 429, title: "Too Many Feed Sockets For This Account" },
  order_status_unknown: { status: 503, title: "Order Status Unknown" },
  history_unavailable: { status: 503, title: "History Unavailable" },
  object_unavailable: { status: 503, title: "Object Unavailable" },
  /** The edge's circuit breaker on that object is open: nothing was sent; repeat after `Retry-After` (docs/degradation.md). */
  object_circuit_open: { status: 503, title: "Object Circuit Open" },
  /** The instrument's book is being handed off to another region: nothing was done; repeat after `Retry-After` (docs/geography.md). */
  instrument_moving: { status: 503, title: "Instrument Moving" },
  /**
   * A book object that moved answers commands with it, naming its successor; the edge and the Account
   * look the instrument up again and send there, so a client never gets it (docs/geography.md).
   */
  book_moved: { status: 503, title: "Book Moved" },
  /**
   * The instrument's home book is unreachable and it is in failover: nothing is sent to it until an
   * operator (or the policy) restores it in another region; repeat after `Retry-After` (docs/geography.md).
   */
  instrument_failover: { status: 503, title: "Instrument In Failover" },
  /** A failover's restored book differs from its journal: nothing was flipped (docs/geography.md). */
  restore_not_verified: { status: 409, title: "Restore Not Verified" },
  /** Public market data that neither the home book nor the caller's regional replica can answer (docs/geography.md). */
  market_data_unavailable: { status: 503, title: "Market Data Unavailable" },
  // WebSocket feed (replies and stream errors; `rate_limited`, `invalid_request` and `missing_scope` above too)
  invalid_json: { status: 400, title: "Invalid JSON" },
  message_too_large: { status: 413, title: "Message Too Large" },
  unknown_method: { status: 400, title: "Unknown Method" },
  invalid_params: { status: 400, title: "Invalid Params" },
  unknown_channel: { status: 400, title: "Unknown Channel" },
  unknown_instrument: { status: 404, title: "Unknown Instrument" },
  too_many_subscriptions: { status: 429, title: "Too Many Subscriptions" },
  unavailable: { status: 503, title: "Unavailable" },
  unauthenticated: { status: 401, title: "Unauthenticated" },
  account_mismatch: { status: 403, title: "Account Mismatch" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes a WebSocket shard answers with itself (order methods add {@link DeskErrorCode}). */
export const FEED_ERROR_CODES = [
  "invalid_json",
  "invalid_request",
  "message_too_large",
  "unknown_method",
  "invalid_params",
  "unknown_channel",
  "unknown_instrument",
  "too_many_subscriptions",
  "rate_limited",
  "unavailable",
  "unauthenticated",
  "missing_scope",
  "account_mismatch",
  "feed_account_limit",
] as const satisfies readonly ErrorCode[];
export type FeedErrorCode = (typeof FEED_ERROR_CODES)[number];

/** The codes of the Account's order desk when it refuses a call (not an order's rejection reason). */
export const DESK_ERROR_CODES = [
  "account_not_found",
  "invalid_order",
  "instrument_not_found",
  "client_order_id_conflict",
  "order_not_found",
  "order_not_open",
  "order_status_unknown",
  "order_rejected",
  "amend_rejected",
  "cancel_rejected",
  "rate_limited",
  "instrument_moving",
  "instrument_failover",
] as const satisfies readonly ErrorCode[];
export type DeskErrorCode = (typeof DESK_ERROR_CODES)[number];

/** Whether `code` is in the catalogue. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
