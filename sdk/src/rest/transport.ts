/**
 * The REST client's fetch: credentials on every attempt, an `Idempotency-Key` on every mutation,
 * and retries that never double a mutation.
 *
 * - Every `POST`/`PUT`/`PATCH`/`DELETE` (except `/v1/auth/…`) gets a generated `Idempotency-Key`
 *   unless the caller set one; every retry of it carries the same key.
 * - When a mutation's outcome is unknown (network error, timeout, 5xx, `order_status_unknown`),
 *   the request is looked up with `GET /v1/requests/{key}`: a stored outcome is returned as the
 *   answer (waiting while it is in progress); otherwise the request is sent again with its key.
 * - `429` (anything) and `5xx` or network errors of reads are retried with exponential backoff
 *   and full jitter, or after `Retry-After` when the answer gives it; attempts are bounded.
 * - A 401 the credential can recover from (an expired token, a stale clock) is retried once.
 */

import { readProblem } from "../auth/http.ts";
import type { Authenticator, OutgoingRequest } from "../auth/types.ts";
import { retryAfterMs, TransportError } from "../errors.ts";

export interface RetryOptions {
  /** Attempts per request, the first included (default 4; 1 turns retries off). */
  maxAttempts?: number;
  /** Backoff of the first retry, ms (default 200): attempt n waits a random time in [0, base × 2^(n−1)]. */
  baseDelayMs?: number;
  /** Largest backoff, ms (default 5 000). */
  maxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: the answer is returned (thrown) as is, ms (default 30 000). */
  maxRetryAfterMs?: number;
  /** How long to wait for a looked-up request that is still in progress before sending it again, ms (default 10 000). */
  inProgressWaitMs?: number;
  /** Per-attempt timeout, ms (default 30 000). A timed-out mutation's outcome is unknown: it is looked up. */
  timeoutMs?: number;
}

export interface TransportOptions {
  baseUrl: string;
  fetch: typeof globalThis.fetch;
  auth: Authenticator | undefined;
  now: () => number;
  headers: Record<string, string>;
  retry: RetryOptions;
  /** Random in [0, 1) for the jitter (default Math.random). */
  random?: () => number;
}

/** Header of an answer the client took from `GET /v1/requests/{key}` rather than from the request itself. */
export const STORED_OUTCOME_HEADER = "x-p3-stored-outcome";

const MUTATIONS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Whether a request is a mutation that gets an `Idempotency-Key`. */
export function isKeyedMutation(method: string, url: URL): boolean {
  return MUTATIONS.has(method.toUpperCase()) && !url.pathname.startsWith("/v1/auth/");
}

/** A fresh Idempotency-Key (the API accepts 1–64 of `A–Z a–z 0–9 . _ : -`). */
export function newIdempotencyKey(): string {
  return `sdk-${crypto.randomUUID()}`;
}

function sleep(ms: number, signal: AbortSignal | null | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The credential could not be had (a refused token exchange …): thrown as is, never retried as a network error. */
class CredentialFailure {
  readonly cause: unknown;
  constructor(cause: unknown) {
    this.cause = cause;
  }
}

class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/** The answer stored for a keyed request, as a Response like the one that was lost. */
function storedResponse(outcome: { status: number; response?: unknown; key: string }): Response {
  const problem = outcome.status >= 400;
  return new Response(JSON.stringify(outcome.response ?? null), {
    status: outcome.status,
    headers: {
      "content-type": problem ? "application/problem+json" : "application/json",
      "idempotency-key": outcome.key,
      [STORED_OUTCOME_HEADER]: "1",
    },
  });
}

export function createTransport(options: TransportOptions): (input: Request) => Promise<Response> {
  const { auth, now, retry } = options;
  const maxAttempts = Math.max(1, retry.maxAttempts ?? 4);
  const baseDelay = retry.baseDelayMs ?? 200;
  const maxDelay = retry.maxDelayMs ?? 5_000;
  const maxRetryAfter = retry.maxRetryAfterMs ?? 30_000;
  const inProgressWait = retry.inProgressWaitMs ?? 10_000;
  const timeoutMs = retry.timeoutMs ?? 30_000;
  const random = options.random ?? Math.random;
  const fetchFn = options.fetch;

  /** One attempt: fresh credentials, the timeout, the caller's signal. */
  async function attempt(
    method: string,
    url: URL,
    baseHeaders: Headers,
    body: Uint8Array<ArrayBuffer> | undefined,
    signal: AbortSignal | null,
  ): Promise<{ response: Response; sent: OutgoingRequest }> {
    const sent: OutgoingRequest = { method, url, headers: new Headers(baseHeaders), body };
    try {
      if (auth) await auth.authorize(sent);
    } catch (err) {
      throw new CredentialFailure(err);
    }
    const controller = new AbortController();
    const timeout = new AttemptTimeout(timeoutMs);
    const timer = setTimeout(() => controller.abort(timeout), timeoutMs);
    const onAbort = () => controller.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const response = await fetchFn(
        new Request(url, { method, headers: sent.headers, body: body ?? null, signal: controller.signal }),
      );
      return { response, sent };
    } catch (err) {
      throw controller.signal.reason === timeout ? timeout : err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** The delay before attempt `n + 1`: `Retry-After` when given, else full jitter. */
  function backoff(n: number, response: Response | undefined): number | undefined {
    const after = response ? retryAfterMs(response.headers.get("retry-after"), now()) : undefined;
    if (after !== undefined) return after > maxRetryAfter ? undefined : after;
    return random() * Math.min(maxDelay, baseDelay * 2 ** (n - 1));
  }

  /**
   * `GET /v1/requests/{key}`: the stored answer, or undefined when there is none to return
   * (never recorded, its outcome unknown, still running past the wait, or the lookup failed).
   */
  async function lookup(key: string, signal: AbortSignal | null): Promise<Response | undefined> {
    const url = new URL(`${options.baseUrl}/v1/requests/${encodeURIComponent(key)}`);
    const headers = new Headers(options.headers);
    headers.set("accept", "application/json");
    const deadline = now() + inProgressWait;
    let recovered = false;
    for (;;) {
      let res: Response;
      let sent: OutgoingRequest;
      try {
        ({ response: res, sent } = await attempt("GET", url, headers, undefined, signal));
      } catch (err) {
        if (err instanceof CredentialFailure) throw err.cause;
        if (signal?.aborted) throw err;
        return undefined;
      }
      if (res.status === 200) {
        const outcome = (await res.json()) as {
          key: string;
          in_progress: boolean;
          status?: number;
          response?: unknown;
        };
        if (outcome.in_progress || typeof outcome.status !== "number") return undefined;
        return storedResponse({ key, status: outcome.status, response: outcome.response });
      }
      if (res.status === 202) {
        const wait = retryAfterMs(res.headers.get("retry-after"), now()) ?? 500;
        await res.body?.cancel();
        if (now() + wait > deadline) return undefined;
        await sleep(wait, signal);
        continue;
      }
      if (res.status === 401 && auth?.recover && !recovered) {
        const problem = await readProblem(res);
        recovered = true;
        if (problem && (await auth.recover(problem, sent))) continue;
        return undefined;
      }
      // 404 request_not_found (never recorded, or its outcome was unknown), 403 (a trade-only key), …
      await res.body?.cancel();
      return undefined;
    }
  }

  return async function send(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const raw = method === "GET" || method === "HEAD" ? undefined : new Uint8Array(await request.arrayBuffer());
    const body = raw && raw.byteLength > 0 ? raw : undefined;
    const headers = new Headers(request.headers);
    const mutation = isKeyedMutation(method, url);
    if (mutation && !headers.get("idempotency-key")) headers.set("idempotency-key", newIdempotencyKey());
    const key = mutation ? (headers.get("idempotency-key") as string) : undefined;
    const signal = request.signal;
    let recovered = false;

    for (let n = 1; ; n++) {
      let response: Response | undefined;
      let sent: OutgoingRequest | undefined;
      let failure: unknown;
      let unsent = false;
      try {
        ({ response, sent } = await attempt(method, url, headers, body, signal));
      } catch (err) {
        if (signal?.aborted) throw err;
        if (err instanceof CredentialFailure) {
          // The credential's own call failed on the network: nothing was sent, so retry without a lookup.
          if (!(err.cause instanceof TransportError)) throw err.cause;
          unsent = true;
        }
        failure = err instanceof CredentialFailure ? err.cause : err;
      }

      if (response && sent && response.status === 401 && auth?.recover && !recovered) {
        recovered = true;
        const problem = await readProblem(response.clone());
        if (problem && (await auth.recover(problem, sent))) {
          await response.body?.cancel();
          n--; // a renewed credential is not a retry
          continue;
        }
        return response;
      }

      const status = response?.status ?? 0;
      const retryable = failure !== undefined || status === 429 || status >= 500;
      if (!retryable) return response as Response;

      // A mutation that may have happened: ask the API what became of it before sending it again.
      if (key && status !== 429 && !unsent) {
        const stored = await lookup(key, signal);
        if (stored) {
          await response?.body?.cancel();
          return stored;
        }
      }

      const delay = n < maxAttempts ? backoff(n, response) : undefined;
      if (delay === undefined) {
        if (response) return response;
        const why = failure instanceof Error ? failure.message : String(failure);
        throw new TransportError(`${method} ${url.pathname}: ${why} (after ${n} attempt${n > 1 ? "s" : ""})`, failure);
      }
      await response?.body?.cancel();
      await sleep(delay, signal);
    }
  };
}
