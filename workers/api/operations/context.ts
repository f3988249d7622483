/**
 * What an operation knows about its caller and request, whatever the protocol
 * it arrived by (REST, GraphQL, Connect; the WebSocket feed has its own, see
 * docs/architecture.md#operations). Adapters build one per request (per field,
 * for GraphQL mutations with their own idempotency keys).
 */
import type { Context } from "hono";
import type { CallOptions } from "../../../durable-objects/account/index.ts";
import type { AuthContext } from "../auth-context.ts";
import { clientIp } from "../client-address.ts";
import { edgeConfig } from "../config/index.ts";
import type { AppEnv, Env } from "../env.ts";
import { formatTraceparent } from "../middleware/trace/index.ts";

export interface OperationContext {
  /** The Worker's bindings (object namespaces already behind their circuit breakers). */
  env: Env;
  /** The authenticated caller, or undefined for an anonymous request. */
  caller: AuthContext | undefined;
  /** The `instance` a problem names: the request path (REST) or the endpoint (`/v1/graphql`). */
  instance: string;
  /** The request id (`X-Request-Id`), carried into the objects' logs. */
  requestId?: string | undefined;
  /** W3C `traceparent` of the request's span, continued by the objects. */
  traceparent?: string | undefined;
  /** The mutation's idempotency key (REST: the `Idempotency-Key` header; GraphQL: the field's `idempotency_key`). */
  idempotencyKey?: string | undefined;
  /**
   * The Hono request the operation runs in, when there is one: the edge caches that are keyed
   * on the request (Redis read-through of tickers, the keyed-outcome cache) use it, and are
   * skipped without it. Business rules never read it.
   */
  http?: Context<AppEnv> | undefined;
  /** The caller's address (per-address limits of the streams it opens). */
  ip?: string | undefined;
  /** Aborts when the request goes away: streams opened for it end with it. */
  signal?: AbortSignal | undefined;
}

/** The context of a Hono request: its caller, path, ids, trace and `Idempotency-Key`. */
export function contextOf(c: Context<AppEnv>, overrides: Partial<OperationContext> = {}): OperationContext {
  const trace = c.get("trace");
  return {
    env: c.env,
    caller: c.get("auth"),
    instance: c.req.path,
    requestId: c.get("requestId"),
    traceparent: trace ? formatTraceparent(trace) : undefined,
    idempotencyKey: c.req.header("idempotency-key"),
    http: c,
    ip: clientIp(c),
    signal: c.req.raw.signal,
    ...overrides,
  };
}

/** The Account call options of an operation: its key, trace and id, and the isolate's configuration versions. */
export function callOptionsOf(ctx: OperationContext): CallOptions {
  const options: CallOptions = { traceparent: ctx.traceparent, request_id: ctx.requestId };
  if (ctx.idempotencyKey !== undefined) options.idempotency_key = ctx.idempotencyKey;
  // The isolate's configuration versions: an Account holding older ones catches up before the call.
  const config = edgeConfig(ctx.env);
  if (config?.isLoaded) options.config_versions = config.versions();
  return options;
}
