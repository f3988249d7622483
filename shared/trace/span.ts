/**
 * Spans as this code base records them: started under a W3C trace context, ended once,
 * and collected per request or invocation by a {@link SpanRecorder} until they are
 * exported (otlp.ts encodes them, export.ts sends them). Pure: the runtime's clock and
 * `crypto.getRandomValues` only.
 *
 * Times are `Date.now()` milliseconds. Inside workerd the clock advances only across I/O
 * (a Spectre mitigation), so a span that does no I/O lasts 0 ms there.
 */
import { formatTraceparent, parseTraceparent, randomHex } from "./traceparent.ts";

/** OTLP span kinds. */
export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
export type SpanKindCode = (typeof SpanKind)[keyof typeof SpanKind];

/** OTLP status codes. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

/** A span another span refers to without being its child (a consumer to the producers of its events). */
export interface SpanLink {
  traceId: string;
  spanId: string;
}

export interface FinishedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKindCode;
  startMs: number;
  endMs: number;
  attributes: Attributes;
  status: { code: 0 | 1 | 2; message?: string };
  links?: SpanLink[];
}

/** Where a span starts: its trace, its parent span (if any) and the trace flags it carries on. */
export interface SpanParent {
  traceId: string;
  spanId?: string;
  flags: string;
}

export interface SpanStart {
  name: string;
  kind: SpanKindCode;
  parent: SpanParent;
  /** This span's id (default: a fresh one); the edge's server span uses the id its middleware gave the request. */
  spanId?: string;
  attributes?: Attributes;
  links?: SpanLink[];
}

/** The most spans one recorder keeps; further spans are dropped and counted. */
export const MAX_SPANS_PER_RECORDER = 256;

/** One span being recorded; `end()` hands it to its recorder. */
export class Span {
  readonly traceId: string;
  readonly spanId: string;
  private readonly flags: string;
  private readonly data: FinishedSpan;
  private ended = false;
  private readonly recorder: SpanRecorder;

  constructor(recorder: SpanRecorder, start: SpanStart) {
    this.recorder = recorder;
    this.traceId = start.parent.traceId;
    this.spanId = start.spanId ?? randomHex(8);
    this.flags = start.parent.flags;
    const now = Date.now();
    this.data = {
      traceId: this.traceId,
      spanId: this.spanId,
      name: start.name,
      kind: start.kind,
      startMs: now,
      endMs: now,
      attributes: { ...start.attributes },
      status: { code: StatusCode.UNSET },
    };
    if (start.parent.spanId) this.data.parentSpanId = start.parent.spanId;
    if (start.links && start.links.length > 0) this.data.links = [...start.links];
  }

  /** `traceparent` naming this span: what a call made inside it sends, so the callee's spans are its children. */
  get traceparent(): string {
    return formatTraceparent({ traceId: this.traceId, spanId: this.spanId, flags: this.flags });
  }

  /** This span as the parent of another. */
  get context(): SpanParent {
    return { traceId: this.traceId, spanId: this.spanId, flags: this.flags };
  }

  /** Renames the span (the edge names its server span by the route it matched, known only at the end). */
  updateName(name: string): this {
    this.data.name = name;
    return this;
  }

  setAttribute(key: string, value: AttributeValue | undefined | null): this {
    if (value !== undefined && value !== null) this.data.attributes[key] = value;
    return this;
  }

  addLinks(links: readonly SpanLink[]): this {
    if (links.length > 0) this.data.links = [...(this.data.links ?? []), ...links];
    return this;
  }

  /** Status error with a message (a 5xx, a thrown error). */
  setError(message: string): this {
    this.data.status = { code: StatusCode.ERROR, message: message.slice(0, 512) };
    return this;
  }

  /** Ends the span (later calls do nothing). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.data.endMs = Math.max(this.data.startMs, Date.now());
    this.recorder.finished(this.data);
  }
}

/**
 * The spans of one request or invocation. `take()` hands over the finished ones for export;
 * a span that ends after that goes to `late` (the owner exports it on its own), if given.
 */
export class SpanRecorder {
  private spans: FinishedSpan[] = [];
  /** Spans dropped because the recorder was full. */
  dropped = 0;
  private taken = false;
  private readonly late: ((spans: FinishedSpan[]) => void) | undefined;

  constructor(late?: (spans: FinishedSpan[]) => void) {
    this.late = late;
  }

  start(start: SpanStart): Span {
    return new Span(this, start);
  }

  /** Runs `fn` inside a new span: ended when `fn` settles, error status (and rethrown) when it throws. */
  async within<T>(start: SpanStart, fn: (span: Span) => Promise<T> | T): Promise<T> {
    const span = this.start(start);
    try {
      return await fn(span);
    } catch (err) {
      span.setError(errorMessage(err));
      throw err;
    } finally {
      span.end();
    }
  }

  finished(span: FinishedSpan): void {
    if (this.taken && this.late) {
      this.late([span]);
      return;
    }
    if (this.spans.length >= MAX_SPANS_PER_RECORDER) {
      this.dropped++;
      return;
    }
    this.spans.push(span);
  }

  /** The finished spans so far (then empty); spans ending later go to `late`. */
  take(): FinishedSpan[] {
    this.taken = true;
    const out = this.spans;
    this.spans = [];
    return out;
  }
}

/** A span's parent from a `traceparent` value, only when it is valid and sampled (flag 01). */
export function sampledParent(traceparent: string | undefined): SpanParent | undefined {
  const parsed = parseTraceparent(traceparent);
  if (!parsed || !isSampled(parsed.flags)) return undefined;
  return { traceId: parsed.traceId, spanId: parsed.parentId, flags: parsed.flags };
}

/** Whether trace flags have the sampled bit. */
export function isSampled(flags: string): boolean {
  return (Number.parseInt(flags, 16) & 1) === 1;
}

/** The link to the span a `traceparent` names, if valid. */
export function linkOf(traceparent: unknown): SpanLink | undefined {
  const parsed = typeof traceparent === "string" ? parseTraceparent(traceparent) : undefined;
  return parsed && { traceId: parsed.traceId, spanId: parsed.parentId };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
