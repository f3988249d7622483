/**
 * An operation: one thing the API does (place an order, read a book), declared
 * once with what every protocol applies to it — the scope it needs, its
 * rate-limit route class, how it is idempotent, the zod schema of its input —
 * and `run(ctx, input)`. REST routes, GraphQL fields and Connect methods are
 * adapters: they turn their request into the input, call the operation and
 * shape its result; they add no rule of their own.
 *
 * Errors are the API's problems: `run` throws `problemException(code, …)`
 * (workers/api/problem.ts), the REST routes return it as it is, and the other
 * adapters read its code, status and extensions with `problemOf` (errors.ts).
 */
import type { z } from "zod";
import { missingScope, unauthorized } from "../auth/problems.ts";
import type { AuthContext, RouteClass } from "../auth-context.ts";
import type { RouteScope } from "../openapi/define.ts";
import { problemException } from "../problem.ts";
import type { OperationContext } from "./context.ts";

/**
 * How a retried call behaves: `read` changes nothing; `key` mutations take an
 * idempotency key whose outcome the account keeps for 24 hours (and `GET
 * /v1/requests/{key}` reports); `client_order_id` placements are also
 * idempotent on the order's own id, key or not.
 */
export type Idempotency = "read" | "key" | "client_order_id";

export interface Operation<I = unknown, O = unknown> {
  /** Stable name, `<area>.<verb>` (`orders.place`): logs, docs, the GraphQL and Connect tables. */
  name: string;
  scope: RouteScope;
  routeClass: RouteClass;
  idempotency: Idempotency;
  /** The input's schema (the REST contract's schema for the same input); output is `I`. */
  input: z.ZodType<I>;
  /** The work itself; throws the problem of a refusal. */
  run(ctx: OperationContext, input: I): Promise<O>;
}

/** Any operation (a table of them, an adapter that serves every one). */
// biome-ignore lint/suspicious/noExplicitAny: a table holds operations of every input and output type.
export type AnyOperation = Operation<any, any>;

/** Declares an operation (identity: it types `run` against `input`). */
export function defineOperation<S extends z.ZodType, O>(
  op: Omit<Operation<z.output<S>, O>, "input"> & { input: S },
): Operation<z.output<S>, O> {
  return op as Operation<z.output<S>, O>;
}

/**
 * Runs `op` for a caller that has not been through the REST route chain (GraphQL, Connect):
 * the scope check (401 without credentials, 403 `missing_scope`), then the input parsed by the
 * operation's schema (400 `invalid_request` naming each field, nothing run), then `run`.
 */
export async function invoke<I, O>(op: Operation<I, O>, ctx: OperationContext, raw: unknown): Promise<O> {
  authorize(op, ctx.caller);
  const parsed = op.input.safeParse(raw);
  if (!parsed.success) throw invalidInput(parsed.error, ctx.instance);
  return op.run(ctx, parsed.data);
}

/** Throws the problem of a caller that may not run `op`. */
export function authorize(op: Pick<Operation, "scope">, caller: AuthContext | undefined): void {
  if (op.scope === "public") return;
  if (!caller) throw unauthorized("Authentication is required: send a bearer access token or sign the request.");
  if (!caller.scopes.includes(op.scope)) throw missingScope(op.scope);
}

/** The caller an operation runs for; 401 when there is none (an adapter that skipped `authorize`). */
export function callerIn(ctx: OperationContext): AuthContext {
  if (!ctx.caller) throw unauthorized("Authentication is required: send a bearer access token or sign the request.");
  return ctx.caller;
}

/** 400 `invalid_request` for arguments that fail the operation's schema, as the REST contracts word it. */
export function invalidInput(error: z.ZodError, instance: string) {
  const errors = error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join(".") : "arguments",
    message: issue.message,
  }));
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  return problemException("invalid_request", `Invalid arguments: ${detail}`, { extensions: { instance, errors } });
}
