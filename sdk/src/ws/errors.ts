/**
 * The feed's error replies (`{"id", "error": {"code", "message", …}}`) as the typed
 * errors of ../errors.ts. A reply carries no HTTP status, so the error gets the status
 * REST answers the same code with (the API's error catalogue), or 0 for a code it does
 * not know; the class follows that status.
 */
import {
  AuthenticationError,
  ConflictError,
  InvalidRequestError,
  NotFoundError,
  PermissionError,
  type Platform3Error,
  type Problem,
  RateLimitError,
  UnavailableError,
} from "../errors.ts";
import type { ReplyError } from "./types.ts";

/** The HTTP status of each code a feed socket can answer (REST's, for the same code). */
export const FEED_CODE_STATUS: Readonly<Record<string, number>> = {
  invalid_json: 400,
  invalid_request: 400,
  invalid_params: 400,
  invalid_order: 400,
  unknown_method: 400,
  unknown_channel: 400,
  message_too_large: 413,
  unauthenticated: 401,
  unauthorized: 401,
  missing_scope: 403,
  account_mismatch: 403,
  unknown_instrument: 404,
  instrument_not_found: 404,
  account_not_found: 404,
  order_not_found: 404,
  order_not_open: 409,
  client_order_id_conflict: 409,
  cancel_rejected: 409,
  insufficient_available: 409,
  order_rejected: 422,
  amend_rejected: 422,
  rate_limited: 429,
  too_many_subscriptions: 429,
  feed_account_limit: 429,
  feed_ip_limit: 429,
  unavailable: 503,
  order_status_unknown: 503,
  feed_capacity: 503,
  internal_error: 500,
};

/** The typed error of an error reply (`retry_after_ms`, when given, becomes `retryAfterMs`). */
export function replyError(error: ReplyError): Platform3Error {
  const status = FEED_CODE_STATUS[error.code] ?? 0;
  const { message, ...details } = error;
  const problem: Problem = { ...details, status, code: error.code, detail: message };
  const retry = typeof error.retry_after_ms === "number" ? error.retry_after_ms : undefined;
  // Status 0 (a code this client does not know) falls through to InvalidRequestError.
  if (status === 401) return new AuthenticationError(problem);
  if (status === 403) return new PermissionError(problem);
  if (status === 404) return new NotFoundError(problem);

  if (status === 429) return new RateLimitError(problem, retry);
  if (status >= 500) return new UnavailableError(problem, retry);
  if (status === 409 || status === 412 || status === 422 || status === 428) return new ConflictError(problem);
  return new InvalidRequestError(problem);
}

/** The outcome of an order request the socket dropped before its reply: unknown (look it up, or repeat with its client_order_id). */
export function statusUnknown(method: string, why: string): UnavailableError {
  return new UnavailableError({
    status: 503,
    code: "order_status_unknown",
    detail: `${method}: ${why} before the reply; the outcome is unknown. Repeat with the same client_order_id, or look the order up.`,
  });
}
