/**
 * Order-entry outcomes of the Account object on the wire: the HTTP status and
 * body of each kind of outcome, or the problem of a refusal. One mapping, used
 * by the order operations (so by REST, GraphQL and Connect alike) and by
 * `GET /v1/requests/{key}` to report what a stored outcome was answered with.
 */
import type { Context } from "hono";
import type {
  BatchOutcome,
  CancelAfterOutcome,
  CancelAllOutcome,
  DeskError,
  FillView,
  KeyReused,
  OrderOutcome,
  OrderView,
  StoredOutcome,
} from "../../../durable-objects/account/index.ts";
import { ERROR_CODES, type ErrorCode, type Problem, problemBody, problemException } from "../problem.ts";

/** The operations the Account object records under an Idempotency-Key. */
export const ORDER_OPERATIONS = ["place", "batch", "cancel", "amend", "cancel_all", "cancel_after"] as const;
export type OrderOperation = (typeof ORDER_OPERATIONS)[number];

/** What any order-entry call may answer. */
export type AnyOutcome = StoredOutcome | KeyReused;

/** A refusal, as its problem (without `instance`) and the headers it goes with. */
export interface Failure {
  ok: false;
  status: number;
  problem: Problem;
  headers: Record<string, string>;
}

export interface Success<T> {
  ok: true;
  status: 200 | 201;
  body: T;
}

export type Reply<T> = Success<T> | Failure;

export interface OrderReply {
  order: OrderView;
  fills: FillView[];
  replayed: boolean;
}

export type BatchItem =
  | { ok: true; order: OrderView; fills: FillView[]; replayed: boolean }
  | { ok: false; error: Problem };

/** Problem fields a refusal's own fields never overwrite. */
const RESERVED = new Set(["ok", "code", "message", "type", "title", "status", "detail", "instance"]);

/** The problem of a refusal: its code is the problem code; `reason`, `order` and amounts become extensions. */
export function failure(error: DeskError | KeyReused | { code: string; message: string }): Failure {
  const known = error.code in ERROR_CODES;
  const code = (known ? error.code : "order_rejected") as ErrorCode;
  const extensions: Record<string, unknown> = known ? {} : { reason: error.code };
  for (const [k, v] of Object.entries(error)) if (!RESERVED.has(k) && v !== undefined) extensions[k] = v;
  const problem = problemBody(code, error.message, extensions);
  const headers: Record<string, string> =
    code === "order_status_unknown" || code === "instrument_moving"
      ? { "retry-after": "1" }
      : code === "rate_limited"
        ? budgetHeaders(error as Record<string, unknown>)
        : {};
  return { ok: false, status: problem.status, problem, headers };
}

/**
 * The headers of a refusal by the account's budget (`account:orders`, `account:cancels`), as
 * the edge's limits send theirs: `Retry-After` and the refusing budget's `RateLimit-*`.
 */
function budgetHeaders(error: Record<string, unknown>): Record<string, string> {
  const n = (field: string) => (typeof error[field] === "number" ? (error[field] as number) : 0);
  return {
    "retry-after": String(Math.max(1, n("retry_after"))),
    "ratelimit-limit": String(n("limit_units")),
    "ratelimit-remaining": "0",
    "ratelimit-reset": String(Math.ceil(n("reset_ms") / 1000)),
  };
}

/** A refusal made at the edge (a bad order in a batch, an unknown instrument). */
export function edgeFailure(code: ErrorCode, detail: string, extensions: Record<string, unknown> = {}): Failure {
  const problem = problemBody(code, detail, extensions);
  return { ok: false, status: problem.status, problem, headers: {} };
}

/** Whether `x` is a {@link Failure} (not an outcome of the object). */
export function isFailure(x: unknown): x is Failure {
  return typeof x === "object" && x !== null && "problem" in x && "headers" in x && (x as Failure).ok === false;
}

function refused(outcome: AnyOutcome): outcome is DeskError | KeyReused {
  return !outcome.ok;
}

function unexpected(outcome: unknown): Error {
  return new Error(`unexpected order-entry outcome: ${JSON.stringify(outcome).slice(0, 200)}`);
}

/** One order's outcome (place, amend, cancel): 201 when newly placed, else 200. */
export function orderReply(outcome: AnyOutcome, operation: "place" | "amend" | "cancel" = "place"): Reply<OrderReply> {
  if (refused(outcome)) return failure(outcome);
  if (!("order" in outcome)) throw unexpected(outcome);
  const { order, fills, replayed } = outcome as Extract<OrderOutcome, { ok: true }>;
  const status = operation === "place" && !replayed ? 201 : 200;
  return { ok: true, status, body: { order, fills, replayed } };
}

/** One result of a batch: the order, or the problem it would have got alone. */
export function batchItem(outcome: OrderOutcome | Failure): BatchItem {
  if (isFailure(outcome)) return { ok: false, error: outcome.problem };
  const reply = orderReply(outcome);
  return reply.ok ? { ok: true, ...reply.body } : { ok: false, error: reply.problem };
}

/** A batch: 200 with one result per order; only the whole call can fail (key reused, no account). */
export function batchReply(outcome: AnyOutcome): Reply<{ results: BatchItem[] }> {
  if (refused(outcome)) return failure(outcome);
  if (!("results" in outcome)) throw unexpected(outcome);
  return { ok: true, status: 200, body: { results: (outcome as BatchOutcome).results.map(batchItem) } };
}

export function cancelAllReply(outcome: AnyOutcome): Reply<{ cancelled: OrderView[] }> {
  if (refused(outcome)) return failure(outcome);
  if (!("cancelled" in outcome)) throw unexpected(outcome);
  return { ok: true, status: 200, body: { cancelled: (outcome as CancelAllOutcome).cancelled } };
}

export function cancelAfterReply(
  outcome: AnyOutcome,
): Reply<{ cancel_at: string | null; cancel_at_ms: number | null }> {
  if (refused(outcome)) return failure(outcome);
  if (!("cancel_at_ms" in outcome)) throw unexpected(outcome);
  const { cancel_at, cancel_at_ms } = outcome as CancelAfterOutcome;
  return { ok: true, status: 200, body: { cancel_at, cancel_at_ms } };
}

/** The status and body a stored outcome of `operation` was answered with (problems without `instance`). */
export function storedReply(operation: OrderOperation, outcome: AnyOutcome): { status: number; body: unknown } {
  let reply: Reply<unknown>;
  switch (operation) {
    case "place":
    case "amend":
    case "cancel":
      reply = orderReply(outcome, operation);
      break;
    case "batch":
      reply = batchReply(outcome);
      break;
    case "cancel_all":
      reply = cancelAllReply(outcome);
      break;
    case "cancel_after":
      reply = cancelAfterReply(outcome);
      break;
  }
  return reply.ok ? { status: reply.status, body: reply.body } : { status: reply.status, body: reply.problem };
}

/** The success of `reply`, or its problem thrown as the response (with `instance`: the request path). */
export function unwrap<T>(c: Context, reply: Reply<T>): Success<T> {
  return unwrapAt(c.req.path, reply);
}

/** The success of `reply`, or its problem thrown (with `instance`). */
export function unwrapAt<T>(instance: string, reply: Reply<T>): Success<T> {
  if (reply.ok) return reply;
  const { type: _type, title: _title, status: _status, detail, code, ...extensions } = reply.problem;
  throw problemException(code, detail, {
    headers: reply.headers,
    extensions: { instance, ...extensions },
  });
}
