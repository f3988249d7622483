/**
 * W3C Trace Context (`traceparent`, `tracestate`). A valid incoming
 * `traceparent` is continued (same trace id, its span becomes our parent),
 * anything else starts a new trace. This request gets a span of its own, which
 * the response's `traceparent` names. Handlers read `c.get("trace")`.
 *
 * Calls to objects carry the trace with `traceHeaders(c)`: as headers on
 * `stub.fetch(url, { headers: { ...traceHeaders(c) } })`, or as a field of an
 * RPC argument (`{ ..., traceparent: traceHeaders(c).traceparent }`), so the
 * object logs the same `trace_id`.
 *
 * With `OTEL_EXPORTER_OTLP_ENDPOINT` set, a sampled request is also recorded and
 * exported: its server span and a client span per object call (server-span.ts,
 * objects.ts; docs/operations.md "Traces"). Unset, nothing more runs than the above.
 */
import type { Context, MiddlewareHandler } from "hono";
import { otlpConfig } from "../../../../shared/trace/export.ts";
import { isSampled } from "../../../../shared/trace/span.ts";
import {
  formatTraceparent,
  parseTraceparent,
  randomHex,
  type TraceContext,
} from "../../../../shared/trace/traceparent.ts";
import type { AppEnv } from "../../env.ts";
import { withServerSpan } from "./server-span.ts";

export { formatTraceparent, parseTraceparent, randomHex, type TraceContext };

export interface TraceOptions {
  /** Flags of a trace started here (default `01`: sampled). */
  sampled?: boolean;
}

export function traceContext(options: TraceOptions = {}): MiddlewareHandler<AppEnv> {
  const newFlags = options.sampled === false ? "00" : "01";
  return async (c, next) => {
    const incoming = parseTraceparent(c.req.header("traceparent"));
    const trace: TraceContext = incoming
      ? { traceId: incoming.traceId, spanId: randomHex(8), parentId: incoming.parentId, flags: incoming.flags }
      : { traceId: randomHex(16), spanId: randomHex(8), flags: newFlags };
    const state = incoming ? c.req.header("tracestate") : undefined;
    if (state) trace.tracestate = state;
    c.set("trace", trace);
    // Tracing off (no endpoint): one property read, then exactly what it was before.
    const config = c.env ? otlpConfig(c.env) : undefined;
    await (config && isSampled(trace.flags) ? withServerSpan(c, next, trace, config) : next());
    c.res.headers.set("traceparent", formatTraceparent(trace));
  };
}

/**
 * Headers that continue this request's trace in a call it makes (to an object
 * or any service): `traceparent` naming this request's span, and `tracestate`.
 * Empty outside `traceContext()`.
 */
export function traceHeaders(c: Context<AppEnv>): Record<string, string> {
  const trace = c.get("trace");
  if (!trace) return {};
  const headers: Record<string, string> = { traceparent: formatTraceparent(trace) };
  if (trace.tracestate) headers.tracestate = trace.tracestate;
  return headers;
}
