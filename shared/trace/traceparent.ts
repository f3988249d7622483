/** W3C Trace Context: the `traceparent` header read and written, and random span ids. */
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
