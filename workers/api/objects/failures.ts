/**
 * Which failures of a call into a Durable Object are the infrastructure's (and count
 * against the object's circuit breaker), and which are the object's own answer.
 *
 * The runtime marks what it throws: `overloaded` (too many requests queued on the
 * object), `retryable` (the object was reset, its connection broke, it was moved), and
 * `remote` (the exception was thrown by the object's own code). A business refusal is
 * never thrown at all (the objects answer `{ ok: false, code }`), and an exception the
 * object's code throws on purpose or by a bug is `remote` without `retryable`: the object
 * is up and answered, so it does not count. Anything else (no flags: the call never
 * reached the object, or its answer was lost) and a call past its deadline do.
 */

import { isUnreachable } from "../../../durable-objects/runtime/unreachable.ts";
import { withTimeout } from "../../../shared/resilience/deadline.ts";

/** A call that got no answer within its deadline. */
export class ObjectCallTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = "ObjectCallTimeout";
  }
}

/** Whether `err`, thrown by a call into an object, means the object (or the way to it) is failing. */
export function isInfrastructureFailure(err: unknown): boolean {
  return err instanceof ObjectCallTimeout || isUnreachable(err);
}

/** Default deadline of one call into an object from the edge, ms (`OBJECT_CALL_TIMEOUT_MS`). */
export const DEFAULT_OBJECT_CALL_TIMEOUT_MS = 30_000;

/** `OBJECT_CALL_TIMEOUT_MS` as a deadline, else the default. */
export function objectCallTimeoutMs(value: string | undefined): number {
  const ms = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(ms) && ms > 0
    ? ms
    : DEFAULT_OBJECT_CALL_TIMEOUT_MS;
}

/** Runs `call` with a deadline: past it, rejects with {@link ObjectCallTimeout} (the call itself runs on). */
export function withDeadline<T>(call: () => Promise<T>, ms: number, what: string): Promise<T> {
  return withTimeout(call(), ms, () => new ObjectCallTimeout(what, ms));
}
