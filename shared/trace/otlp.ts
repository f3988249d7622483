/**
 * Finished spans in the OTLP/HTTP JSON encoding (`ExportTraceServiceRequest` as JSON, the
 * body `POST /v1/traces` takes): ids as lower-case hex, times as decimal strings of
 * nanoseconds since the epoch, 64-bit integers as decimal strings (the protobuf JSON
 * mapping), enums as numbers.
 */
import type { Attributes, AttributeValue, FinishedSpan } from "./span.ts";

/** Who produced the spans: `service.name`, `service.version`, `deployment.environment`. */
export type Resource = Record<string, string>;

/** The instrumentation scope every span of this code base is recorded under. */
export const SCOPE = { name: "platform3-edge", version: "1" } as const;

export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
}

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  links?: Array<{ traceId: string; spanId: string }>;
  status: { code: number; message?: string };
}

export interface OtlpTraceRequest {
  resourceSpans: Array<{
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: Array<{ scope: { name: string; version: string }; spans: OtlpSpan[] }>;
  }>;
}

/** The export request for `spans`, all under one resource and scope. */
export function encodeTraces(spans: readonly FinishedSpan[], resource: Resource): OtlpTraceRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: keyValues(resource) },
        scopeSpans: [{ scope: { ...SCOPE }, spans: spans.map(encodeSpan) }],
      },
    ],
  };
}

export function encodeSpan(span: FinishedSpan): OtlpSpan {
  const out: OtlpSpan = {
    traceId: span.traceId,
    spanId: span.spanId,
    name: span.name,
    kind: span.kind,
    startTimeUnixNano: nanos(span.startMs),
    endTimeUnixNano: nanos(span.endMs),
    attributes: keyValues(span.attributes),
    status: span.status.message === undefined ? { code: span.status.code } : { ...span.status },
  };
  if (span.parentSpanId) out.parentSpanId = span.parentSpanId;
  if (span.links) out.links = span.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId }));
  return out;
}

/** Epoch milliseconds as a decimal string of nanoseconds (exact: no float beyond 2^53). */
export function nanos(ms: number): string {
  const whole = Math.floor(ms);
  const fraction = Math.round((ms - whole) * 1e6);
  return whole === 0 && fraction === 0 ? "0" : `${whole}${String(fraction).padStart(6, "0")}`;
}

function keyValues(attributes: Attributes | Resource): OtlpKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

function anyValue(value: AttributeValue): OtlpAnyValue {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}
