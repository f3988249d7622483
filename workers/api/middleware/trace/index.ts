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
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env.ts";

export interface TraceContext {
  /** 32 lower-case hex digits, shared by every span of the trace. */
  traceId: string;
  /** This request's span, 16 hex digits. */
  spanId: string;
  /** The caller's span, when a valid traceparent came in. */
  parentId?: string;
  /** Trace flags, 2 hex digits (`01`: sampled). */
  flags: string;
  /** Vendor state passed along unchanged. */
  tracestate?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** The parts of a valid `traceparent` header (version 00, or a later one read as 00), else undefined. */
export function parseTraceparent(
  value: string | undefined,
): { traceId: string; parentId: string; flags: string } | undefined {
  const m = value === undefined ? null : TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string?];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined;
  return { traceId, parentId, flags };
}

/** `00-<trace id>-<span id>-<flags>` for a span of `trace`. */
export function formatTraceparent(trace: Pick<TraceContext, "traceId" | "spanId" | "flags">): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}

/** Random lower-case hex of `bytes` bytes, never all zeros. */
export function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  if (buf.every((b) => b === 0)) buf[bytes - 1] = 1;
  return Array.from(buf, (b) => b.toString(16).padStart(2, "0")).join("");
}

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
    await next();
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
