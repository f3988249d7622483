/**
 * The edge request's server span, when tracing is on (`OTEL_EXPORTER_OTLP_ENDPOINT`) and
 * the request's trace is sampled: span id = the request's own (`c.get("trace").spanId`),
 * parent = the caller's span, named `<METHOD> <route template>` with
 * `http.request.method`, `url.path` and `http.route` (the template, never ids) and
 * `http.response.status_code`; error status on a 5xx. Calls to objects inside it are
 * client spans (objects.ts). Its spans leave in one export after the response
 * (`waitUntil`); a span that ends later goes on its own.
 */
import type { Context, Next } from "hono";
import { exportSpans, type OtlpConfig } from "../../../../shared/trace/export.ts";
import { errorMessage, SpanKind, SpanRecorder } from "../../../../shared/trace/span.ts";
import type { TraceContext } from "../../../../shared/trace/traceparent.ts";
import type { AppEnv } from "../../env.ts";
import { tracedEnv } from "./objects.ts";

export async function withServerSpan(
  c: Context<AppEnv>,
  next: Next,
  trace: TraceContext,
  config: OtlpConfig,
): Promise<void> {
  const waitUntil = waitUntilOf(c);
  const recorder = new SpanRecorder((late) => waitUntil(exportSpans(config, late)));
  const method = c.req.method;
  const span = recorder.start({
    name: method,
    kind: SpanKind.SERVER,
    parent: { traceId: trace.traceId, spanId: trace.parentId, flags: trace.flags },
    spanId: trace.spanId,
    attributes: { "http.request.method": method },
  });
  c.env = tracedEnv(c.env, recorder, span);
  try {
    await next();
  } catch (err) {
    span.setError(errorMessage(err));
    throw err;
  } finally {
    const route = c.get("route")?.path;
    if (route) {
      span.updateName(`${method} ${route}`).setAttribute("http.route", route).setAttribute("url.path", route);
    }
    const status = c.finalized ? c.res.status : 500;
    span.setAttribute("http.response.status_code", status);
    if (status >= 500) span.setError(c.error ? errorMessage(c.error) : `HTTP ${status}`);
    span.end();
    waitUntil(exportSpans(config, recorder.take(), recorder.dropped));
  }
}

/** `ctx.waitUntil` of the request, or a plain fire-and-forget where there is none (`app.request` in tests). */
function waitUntilOf(c: Context<AppEnv>): (promise: Promise<unknown>) => void {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return (promise) => void promise;
  }
}
