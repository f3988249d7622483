/**
 * OTLP/HTTP JSON export of finished spans: `POST ${OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces`
 * (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is), `Content-Type: application/json`,
 * the headers of `OTEL_EXPORTER_OTLP_HEADERS` ("k=v,k2=v2", values percent-decoded),
 * resource `service.name` (`OTEL_SERVICE_NAME`, default "platform3-edge"),
 * `service.version` (`API_VERSION`) and `deployment.environment` (`ENVIRONMENT`).
 *
 * Never in the way of a request: each call is one POST, bounded in time
 * (`OTEL_EXPORTER_OTLP_TIMEOUT` ms, default 10 000, via `AbortSignal.timeout`) and in
 * number (at most {@link MAX_IN_FLIGHT} per isolate; beyond, the spans are dropped). An
 * unreachable collector, a timeout or a non-2xx answer is counted ({@link traceExportStats})
 * and the spans are dropped; nothing is retried and nothing throws. Without an endpoint
 * there is no config and callers record nothing at all.
 */
import { encodeTraces, type Resource } from "./otlp.ts";
import type { FinishedSpan } from "./span.ts";

/** The variables tracing reads (the Worker's and every object's vars). */
export interface TraceEnv {
  /** Collector base URL, e.g. `http://127.0.0.1:4318`; spans go to `<it>/v1/traces`. Unset: no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  /** Full traces URL, used as it is (wins over the base URL). */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  /** Extra request headers, `k=v,k2=v2` (e.g. `authorization=Bearer%20abc`). */
  OTEL_EXPORTER_OTLP_HEADERS?: string;
  /** Deadline of one export, ms (default 10 000). */
  OTEL_EXPORTER_OTLP_TIMEOUT?: string;
  /** `service.name` (default "platform3-edge"). */
  OTEL_SERVICE_NAME?: string;
  API_VERSION?: string;
  ENVIRONMENT?: string;
}

export interface OtlpConfig {
  url: string;
  headers: Record<string, string>;
  resource: Resource;
  timeoutMs: number;
}

export const DEFAULT_SERVICE_NAME = "platform3-edge";
export const DEFAULT_EXPORT_TIMEOUT_MS = 10_000;
/** Exports one isolate has in flight at most; a batch beyond it is dropped (a collector that hangs holds them). */
export const MAX_IN_FLIGHT = 32;

const configs = new WeakMap<object, OtlpConfig | null>();

/** The export settings of `env`, or undefined when no endpoint is set (tracing off: record nothing). */
export function otlpConfig(env: TraceEnv): OtlpConfig | undefined {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  let config = configs.get(env);
  if (config === undefined) {
    config = parseConfig(env);
    configs.set(env, config);
  }
  return config ?? undefined;
}

/** Reads the settings (exported for tests); null when the endpoint is not an http(s) URL. */
export function parseConfig(env: TraceEnv): OtlpConfig | null {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const url = traces || (base ? `${base.replace(/\/+$/, "")}/v1/traces` : "");
  if (!/^https?:\/\/[^/]/i.test(url)) {
    console.warn(JSON.stringify({ level: "warn", msg: "tracing off: the OTLP endpoint is not an http(s) URL", url }));
    return null;
  }
  const timeout = Number(env.OTEL_EXPORTER_OTLP_TIMEOUT);
  const resource: Resource = { "service.name": env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME };
  if (env.API_VERSION) resource["service.version"] = env.API_VERSION;
  if (env.ENVIRONMENT) resource["deployment.environment"] = env.ENVIRONMENT;
  return {
    url,
    headers: parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
    resource,
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_EXPORT_TIMEOUT_MS,
  };
}

/** `k=v,k2=v2` as headers: keys and values trimmed, values percent-decoded; malformed pairs skipped. */
export function parseHeaders(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? "").split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim().toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(key)) continue;
    const raw = pair.slice(at + 1).trim();
    try {
      out[key] = decodeURIComponent(raw);
    } catch {
      out[key] = raw;
    }
  }
  return out;
}

const counters = { exported: 0, failures: 0, dropped: 0 };
let inFlight = 0;
let lastWarnAt = Number.NEGATIVE_INFINITY;
const WARN_EVERY_MS = 60_000;

/**
 * This isolate's export counts since it started: spans the collector accepted (`exported`),
 * POSTs that failed (`failures`: unreachable, timed out, non-2xx) and spans lost (`dropped`:
 * those of failed POSTs, beyond {@link MAX_IN_FLIGHT}, or beyond a recorder's cap).
 */
export function traceExportStats(): { exported: number; failures: number; dropped: number; in_flight: number } {
  return { ...counters, in_flight: inFlight };
}

/** Failed trace exports of this isolate (a counter for the metrics endpoint). */
export function exportFailures(): number {
  return counters.failures;
}

/**
 * POSTs `spans` to the collector; resolves to whether it accepted them, never rejects.
 * `dropped` adds spans the caller had to drop already (a full recorder).
 */
export async function exportSpans(
  config: OtlpConfig,
  spans: readonly FinishedSpan[],
  dropped = 0,
  fetchImpl: typeof fetch = fetch,
): Promise<boolean> {
  counters.dropped += dropped;
  if (spans.length === 0) return true;
  if (inFlight >= MAX_IN_FLIGHT) {
    counters.dropped += spans.length;
    return false;
  }
  inFlight++;
  try {
    const res = await fetchImpl(config.url, {
      method: "POST",
      headers: { ...config.headers, "content-type": "application/json" },
      body: JSON.stringify(encodeTraces(spans, config.resource)),
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    await res.body?.cancel().catch(() => {});
    if (!res.ok) return failed(spans.length, `HTTP ${res.status}`, config.url);
    counters.exported += spans.length;
    return true;
  } catch (err) {
    return failed(spans.length, String(err), config.url);
  } finally {
    inFlight--;
  }
}

function failed(spans: number, error: string, url: string): false {
  counters.failures++;
  counters.dropped += spans;
  const now = Date.now();
  if (now - lastWarnAt >= WARN_EVERY_MS) {
    lastWarnAt = now;
    console.warn(
      JSON.stringify({
        level: "warn",
        msg: "trace export failed; spans dropped",
        url,
        error,
        failures: counters.failures,
      }),
    );
  }
  return false;
}
