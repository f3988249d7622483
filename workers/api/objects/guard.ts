/**
 * Every call the edge makes into a Durable Object, through its object's circuit breaker
 * (breakers.ts), in one place: `guardObjects()` makes a request's `c.env` a copy whose
 * object namespaces hand out guarded stubs, so routes, middleware and helpers
 * (`bookFor`, `accountStub(c.env.ACCOUNT, …)`, `registryStub`) are covered without
 * knowing it. Each method call on a guarded stub (RPC or `fetch`) has a deadline
 * (`OBJECT_CALL_TIMEOUT_MS`, default 30 s) and answers, when it fails:
 *
 * - breaker open: 503 `object_circuit_open` with `Retry-After` (the breaker's remaining
 *   cool-off, whole seconds): nothing was sent, repeating later is safe;
 * - an infrastructure failure (overloaded, reset, unreachable, past the deadline): 503
 *   `object_unavailable` with `Retry-After: 1`: the object may or may not have acted;
 * - an exception the object's code threw: unchanged (the app's 500, as before).
 *
 * Not guarded: `RATE_LIMITER` (its backend has its own fallback and keys per-isolate
 * state on the namespace object) and `METRICS_HUB` (pushes and scrapes have their own
 * deadlines and count what did not answer), `suffer` (fault injection: its failure is
 * the point) and `benchBacklog` (the benchmark's bulk fill, long on purpose).
 */
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { CircuitOpenError } from "../../../shared/resilience/errors.ts";
import type { AppEnv, Env } from "../env.ts";
import { problemException } from "../problem.ts";
import { type ObjectBreakers, type ObjectClass, objectBreakers } from "./breakers.ts";
import { isInfrastructureFailure, objectCallTimeoutMs, withDeadline } from "./failures.ts";

/** The namespaces whose stubs are guarded, and the class each reaches. */
export const GUARDED_BINDINGS = {
  ACCOUNT: "account",
  ORDER_BOOK: "order_book",
  INSTRUMENTS: "instrument_registry",
  FEED_SHARD: "feed_shard",
  FEES: "fees",
} as const satisfies Partial<Record<keyof Env, ObjectClass>>;

/** Stub properties that are not calls. */
const NOT_CALLS = new Set(["then", "id", "name", "toJSON", "constructor", "dup"]);
/** Methods that bypass the breaker and the deadline: fault injection, and the benchmark's bulk fill (minutes on purpose). */
const UNGUARDED_METHODS = new Set(["suffer", "benchBacklog"]);

/** `Retry-After` of an infrastructure failure while the breaker is still closed, seconds. */
export const OBJECT_RETRY_AFTER_SECONDS = 1;

type AnyFunction = (...args: unknown[]) => unknown;

/** Middleware: the request's `c.env` with guarded object namespaces. */
export function guardObjects(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.env) c.env = guardedEnv(c.env);
    await next();
  };
}

const guardedEnvs = new WeakMap<object, Env>();

/** `env` with its object namespaces handing out guarded stubs (one copy per `env` object). */
export function guardedEnv(env: Env, breakers: ObjectBreakers = objectBreakers): Env {
  if (breakers === objectBreakers) {
    const known = guardedEnvs.get(env);
    if (known) return known;
  }
  const out: Env = { ...env };
  const bindings = out as unknown as Record<string, object | undefined>;
  const timeoutMs = objectCallTimeoutMs(env.OBJECT_CALL_TIMEOUT_MS);
  for (const [binding, cls] of Object.entries(GUARDED_BINDINGS)) {
    const ns = bindings[binding];
    if (ns) bindings[binding] = guardedNamespace(ns, cls, breakers, timeoutMs);
  }
  if (breakers === objectBreakers) {
    guardedEnvs.set(env, out);
    guardedEnvs.set(out, out); // guarding twice is guarding once
  }
  return out;
}

function guardedNamespace<T extends object>(ns: T, cls: ObjectClass, breakers: ObjectBreakers, timeoutMs: number): T {
  return new Proxy(ns, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      if (prop === "get" || prop === "getByName") {
        return (...args: unknown[]) => {
          const stub = Reflect.apply(value as AnyFunction, target, args) as object;
          return guardedStub(stub, cls, objectKey(args[0]), breakers, timeoutMs);
        };
      }
      return (value as AnyFunction).bind(target);
    },
  });
}

/** The object's name (`idFromName`, `getByName`), else its id. */
function objectKey(address: unknown): string {
  if (typeof address === "string") return address;
  const id = address as { name?: unknown; toString(): string } | undefined;
  return typeof id?.name === "string" ? id.name : String(id);
}

function guardedStub<T extends object>(
  stub: T,
  cls: ObjectClass,
  key: string,
  breakers: ObjectBreakers,
  timeoutMs: number,
): T {
  return new Proxy(stub, {
    get(target, prop) {
      if (typeof prop !== "string" || NOT_CALLS.has(prop)) return Reflect.get(target, prop, target);
      const call = (...args: unknown[]) => (target as Record<string, AnyFunction>)[prop]?.(...args);
      if (UNGUARDED_METHODS.has(prop)) return call;
      return (...args: unknown[]) =>
        guardedCall(cls, key, prop, breakers, timeoutMs, () => Promise.resolve(call(...args)));
    },
  });
}

async function guardedCall<T>(
  cls: ObjectClass,
  key: string,
  method: string,
  breakers: ObjectBreakers,
  timeoutMs: number,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await breakers.run(cls, key, () => withDeadline(call, timeoutMs, `${cls} ${key} (${method})`));
  } catch (err) {
    throw objectProblem(err, cls, key, method);
  }
}

/** What a failed call becomes: a complete 503 problem for what the infrastructure did, else the error itself. */
function objectProblem(err: unknown, cls: ObjectClass, key: string, method: string): unknown {
  if (err instanceof CircuitOpenError) {
    const seconds = Math.max(1, Math.ceil(err.retryAfterMs / 1000));
    return refusal(
      problemException(
        "object_circuit_open",
        `${err.message}. Nothing was sent to the ${cls} object; repeat the request after Retry-After.`,
        { headers: { "retry-after": String(seconds) }, extensions: { dependency: cls, retry_after: seconds } },
      ),
    );
  }
  if (!isInfrastructureFailure(err)) return err;
  console.warn(
    JSON.stringify({
      level: "warn",
      msg: "object call failed",
      dependency: cls,
      object: key,
      method,
      error: String(err),
    }),
  );
  return problemException(
    "object_unavailable",
    `The ${cls} object did not answer (${String(err)}); retry shortly. Whether a change took effect is not known: repeat it with the same key or reference.`,
    {
      headers: { "retry-after": String(OBJECT_RETRY_AFTER_SECONDS) },
      extensions: { dependency: cls, retry_after: OBJECT_RETRY_AFTER_SECONDS },
    },
  );
}

const refusals = new WeakSet<HTTPException>();

function refusal(exception: HTTPException): HTTPException {
  refusals.add(exception);
  return exception;
}

/** Whether `err` is a refusal by an open breaker: the call was never sent (so its outcome is known: none). */
export function isCircuitOpenRefusal(err: unknown): boolean {
  return err instanceof HTTPException && refusals.has(err);
}
