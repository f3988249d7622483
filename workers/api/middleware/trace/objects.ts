/**
 * Client spans around every call the edge makes to an object, in one place: while a
 * request is traced, its `c.env` is a copy whose object namespaces hand out wrapped
 * stubs. Each method call on such a stub (RPC or `fetch`) is a client span
 * `<Class>/<method>` (child of the request's server span), and the call carries that
 * span on: an argument object with a `traceparent` field (`CallOptions`, a book batch's
 * context, as `traceHeaders(c)` filled them) gets the client span's instead, and a
 * `fetch` gets it as its `traceparent` header. So the object's own spans are children of
 * the client span that called it.
 *
 * Untraced requests keep the real bindings: none of this runs. `RATE_LIMITER` is not
 * wrapped (the limiter keys its per-isolate state on the namespace object).
 */
import { type Span, SpanKind, type SpanRecorder } from "../../../../shared/trace/span.ts";
import type { Env } from "../../env.ts";

/** The namespaces whose stubs are traced, and the class each reaches. */
const TRACED_BINDINGS = {
  ACCOUNT: "Account",
  ORDER_BOOK: "OrderBook",
  INSTRUMENTS: "InstrumentRegistry",
  FEED_SHARD: "FeedShard",
  FEES: "FeesCollector",
} as const satisfies Partial<Record<keyof Env, string>>;

/** Stub properties that are not calls. */
const NOT_CALLS = new Set(["then", "id", "name", "toJSON", "constructor"]);

type AnyFunction = (...args: unknown[]) => unknown;

/** `env` with its object namespaces handing out traced stubs (spans go to `recorder`, under `parent`). */
export function tracedEnv(env: Env, recorder: SpanRecorder, parent: Span): Env {
  const out: Env = { ...env };
  const bindings = out as unknown as Record<string, object | undefined>;
  for (const [binding, service] of Object.entries(TRACED_BINDINGS)) {
    const ns = bindings[binding];
    if (ns) bindings[binding] = tracedNamespace(ns, service, recorder, parent);
  }
  return out;
}

function tracedNamespace<T extends object>(ns: T, service: string, recorder: SpanRecorder, parent: Span): T {
  return new Proxy(ns, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      if (prop === "get" || prop === "getByName") {
        return (...args: unknown[]) =>
          tracedStub(Reflect.apply(value as AnyFunction, target, args) as object, service, recorder, parent);
      }
      return (value as AnyFunction).bind(target);
    },
  });
}

function tracedStub<T extends object>(stub: T, service: string, recorder: SpanRecorder, parent: Span): T {
  return new Proxy(stub, {
    get(target, prop) {
      if (typeof prop !== "string" || NOT_CALLS.has(prop)) return Reflect.get(target, prop, target);
      return (...args: unknown[]) => callTraced(target, prop, args, service, recorder, parent);
    },
  });
}

async function callTraced(
  stub: object,
  method: string,
  args: unknown[],
  service: string,
  recorder: SpanRecorder,
  parent: Span,
): Promise<unknown> {
  const attributes = { "rpc.system": "cloudflare_durable_objects", "rpc.service": service, "rpc.method": method };
  return recorder.within(
    { name: `${service}/${method}`, kind: SpanKind.CLIENT, parent: parent.context, attributes },
    async (span) => {
      const sent = method === "fetch" ? fetchArgs(args, span.traceparent) : rpcArgs(args, span.traceparent);
      // A stub's method is itself an RPC stub (its `apply` would be a remote method): call it as `stub[method](…)`.
      const result = await (stub as Record<string, AnyFunction>)[method]?.(...sent);
      if (result instanceof Response) {
        span.setAttribute("http.response.status_code", result.status);
        if (result.status >= 500) span.setError(`HTTP ${result.status}`);
      }
      return result;
    },
  );
}

/** Arguments of an RPC call with every top-level `traceparent` field naming the client span. */
export function rpcArgs(args: readonly unknown[], traceparent: string): unknown[] {
  return args.map((arg) =>
    arg !== null &&
    typeof arg === "object" &&
    Object.getPrototypeOf(arg) === Object.prototype &&
    typeof (arg as { traceparent?: unknown }).traceparent === "string"
      ? { ...arg, traceparent }
      : arg,
  );
}

/** Arguments of `stub.fetch(input, init?)` with the client span as the `traceparent` header. */
export function fetchArgs(args: readonly unknown[], traceparent: string): unknown[] {
  const [input, init] = args as [RequestInfo | URL, RequestInit | undefined];
  if (init !== undefined || !(input instanceof Request)) {
    const headers = new Headers(init?.headers);
    headers.set("traceparent", traceparent);
    return [input, { ...init, headers }];
  }
  const headers = new Headers(input.headers);
  headers.set("traceparent", traceparent);
  return [new Request(input, { headers })];
}
