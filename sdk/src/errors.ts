/**
 * Errors of the API as typed classes. Every refusal carries the problem's
 * stable `code` (the API's error catalogue: `invalid_order`, `order_rejected`,
 * `rate_limited` …), its HTTP `status` and the whole problem (`reason`,
 * `errors` naming each bad field, `order` …). Branch on the class for the
 * kind of failure and on `code` for the exact one.
 */

/** An RFC 9457 problem as the API answers it. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code: string;
  instance?: string;
  reason?: string;
  errors?: { field: string; message: string }[];
  [member: string]: unknown;
}

/** Any refusal by the API (an HTTP problem, or a WebSocket error reply). */
export class Platform3Error extends Error {
  /** The stable error code. */
  readonly code: string;
  /** The HTTP status REST answers this code with (WebSocket errors: that of the same code, or 0). */
  readonly status: number;
  /** The problem as answered (`reason`, `errors`, `order` …). */
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? problem.code);
    this.name = new.target.name;
    this.code = problem.code;
    this.status = problem.status;
    this.problem = problem;
  }

  /** Why, when the API names it (`price_off_tick`, `insufficient_available` …). */
  get reason(): string | undefined {
    return typeof this.problem.reason === "string" ? this.problem.reason : undefined;
  }
}

/** 400, 413, 415: the request itself is wrong (`invalid_request`, `invalid_order`, …); do not retry as is. */
export class InvalidRequestError extends Platform3Error {}
/** 401: no, or refused, credentials. */
export class AuthenticationError extends Platform3Error {}
/** 403: the credential lacks a scope (`missing_scope`) or the account differs. */
export class PermissionError extends Platform3Error {}
/** 404: no such instrument, order, request … */
export class NotFoundError extends Platform3Error {}
/** 409, 412, 422, 428: refused by the state (a reused key, insufficient funds, a rejected order …). */
export class ConflictError extends Platform3Error {}
/** 429: over a rate limit; `retryAfterMs` says when to try again. */
export class RateLimitError extends Platform3Error {
  /** From `Retry-After` (or the problem's `retry_after`), ms; undefined when not given. */
  readonly retryAfterMs: number | undefined;

  constructor(problem: Problem, retryAfterMs?: number) {
    super(problem);
    this.retryAfterMs = retryAfterMs;
  }
}
/**
 * 5xx: the API could not answer now. For a mutation, the outcome may be unknown
 * (`order_status_unknown`): look the request up by its idempotency key before retrying
 * (the REST client does this itself).
 */
export class UnavailableError extends Platform3Error {
  readonly retryAfterMs: number | undefined;

  constructor(problem: Problem, retryAfterMs?: number) {
    super(problem);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The network failed or the answer was not the API's (no problem body). */
export class TransportError extends Error {
  override readonly cause: unknown;

  constructor(message: string, cause?: unknown) {
    super(message);
    this.name = "TransportError";
    this.cause = cause;
  }
}

/** The typed error of a problem (`retryAfterMs` from the answer's `Retry-After`). */
export function errorOf(problem: Problem, retryAfterMs?: number): Platform3Error {
  const s = problem.status;
  if (s === 401) return new AuthenticationError(problem);
  if (s === 403) return new PermissionError(problem);
  if (s === 404) return new NotFoundError(problem);
  if (s === 429) return new RateLimitError(problem, retryAfterMs);
  if (s >= 500) return new UnavailableError(problem, retryAfterMs);
  if (s === 409 || s === 412 || s === 422 || s === 428) return new ConflictError(problem);
  return new InvalidRequestError(problem);
}

/** `Retry-After` (seconds, or an HTTP date) in ms. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
