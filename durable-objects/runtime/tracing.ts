/**
 * Spans inside a Durable Object: a call that arrives with a sampled `traceparent` (the
 * edge's client span, or whoever called) runs inside a server span that is its child,
 * and the span is exported after the reply (a timer of 0 ms under `ctx.waitUntil`, so
 * encoding and sending never delay the answer). Only with `OTEL_EXPORTER_OTLP_ENDPOINT`
 * set; otherwise `serve` is one property read and a direct call.
 */
import { exportSpans, otlpConfig, type TraceEnv } from "../../shared/trace/export.ts";
import {
  type Attributes,
  errorMessage,
  type Span,
  SpanKind,
  SpanRecorder,
  sampledParent,
} from "../../shared/trace/span.ts";

/**
 * Runs `fn` (synchronous, or async) in a server span `name` continuing `traceparent`, with
 * `span` undefined when tracing is off or the trace is not sampled. A thrown error (or a
 * rejection) marks the span and goes on.
 */
export function serve<T>(
  ctx: DurableObjectState,
  env: TraceEnv,
  name: string,
  traceparent: string | undefined,
  attributes: Attributes,
  fn: (span: Span | undefined) => T,
): T {
  const config = otlpConfig(env);
  const parent = config && sampledParent(traceparent);
  if (!config || !parent) return fn(undefined);
  const recorder = new SpanRecorder();
  const span = recorder.start({ name, kind: SpanKind.SERVER, parent, attributes });
  const finish = () => {
    span.end();
    ctx.waitUntil(afterReply(() => exportSpans(config, recorder.take(), recorder.dropped)));
  };
  const failed = (err: unknown): never => {
    span.setError(errorMessage(err));
    finish();
    throw err;
  };
  let out: T;
  try {
    out = fn(span);
  } catch (err) {
    return failed(err);
  }
  if (out instanceof Promise) {
    return out.then((value: unknown) => {
      finish();
      return value;
    }, failed) as T;
  }
  finish();
  return out;
}

function afterReply(send: () => Promise<unknown>): Promise<unknown> {
  return new Promise((resolve) => setTimeout(resolve, 0)).then(send);
}
