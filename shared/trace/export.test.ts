/**
 * The OTLP exporter against a real HTTP server on a loopback port (and a closed one):
 * what it sends, and that a failing, hanging or absent collector is counted, never thrown.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  DEFAULT_EXPORT_TIMEOUT_MS,
  exportFailures,
  exportSpans,
  MAX_IN_FLIGHT,
  type OtlpConfig,
  otlpConfig,
  parseConfig,
  parseHeaders,
  traceExportStats,
} from "./export.ts";
import type { OtlpTraceRequest } from "./otlp.ts";
import { type FinishedSpan, SpanKind } from "./span.ts";

describe("configuration", () => {
  it("is off without an endpoint", () => {
    expect(otlpConfig({})).toBeUndefined();
    expect(otlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "" })).toBeUndefined();
  });

  it("reads the endpoint, headers, service name and resource", () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/",
      OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Bearer%20abc, x-team = edge,broken,=nokey",
      API_VERSION: "0.1.0",
      ENVIRONMENT: "staging",
    };
    const config = otlpConfig(env);
    expect(config).toEqual({
      url: "http://127.0.0.1:4318/v1/traces",
      headers: { authorization: "Bearer abc", "x-team": "edge" },
      resource: { "service.name": "platform3-edge", "service.version": "0.1.0", "deployment.environment": "staging" },
      timeoutMs: DEFAULT_EXPORT_TIMEOUT_MS,
    });
    expect(otlpConfig(env)).toBe(config); // parsed once per env object
  });

  it("takes the traces endpoint as it is, a service name and a timeout", () => {
    expect(
      parseConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://ignored:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://otlp.example.com/otlp/v1/traces",
        OTEL_SERVICE_NAME: "edge-eu",
        OTEL_EXPORTER_OTLP_TIMEOUT: "250",
      }),
    ).toMatchObject({
      url: "https://otlp.example.com/otlp/v1/traces",
      resource: { "service.name": "edge-eu" },
      timeoutMs: 250,
    });
  });

  it("turns tracing off (with a warning) when the endpoint is not an http(s) URL", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(otlpConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "127.0.0.1:4318" })).toBeUndefined();
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });

  it("keeps a value that is not percent-encoding as it is", () => {
    expect(parseHeaders("k=100%")).toEqual({ k: "100%" });
    expect(parseHeaders(undefined)).toEqual({});
  });
});

const SPAN: FinishedSpan = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  name: "GET /v1/time",
  kind: SpanKind.SERVER,
  startMs: 1_767_225_600_000,
  endMs: 1_767_225_600_001,
  attributes: {},
  status: { code: 0 },
};

describe("export", () => {
  let server: Server;
  let url: string;
  let mode: "ok" | "fail" | "hang" = "ok";
  const received: Array<{ headers: IncomingHttpHeaders; body: OtlpTraceRequest }> = [];
  const hanging: ServerResponse[] = [];
  const config = (over: Partial<OtlpConfig> = {}): OtlpConfig => ({
    url: `${url}/v1/traces`,
    headers: { "x-token": "t" },
    resource: { "service.name": "test" },
    timeoutMs: 2_000,
    ...over,
  });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        if (mode === "hang") return void hanging.push(res);
        if (mode === "fail") return void res.writeHead(503).end("no");
        received.push({ headers: req.headers, body: JSON.parse(body) });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("POSTs the spans as OTLP JSON with the configured headers", async () => {
    mode = "ok";
    const before = traceExportStats();
    expect(await exportSpans(config(), [SPAN])).toBe(true);
    const last = received.at(-1);
    expect(last?.headers["content-type"]).toBe("application/json");
    expect(last?.headers["x-token"]).toBe("t");
    expect(last?.body.resourceSpans[0]?.scopeSpans[0]?.spans[0]).toMatchObject({ spanId: SPAN.spanId, kind: 2 });
    expect(traceExportStats().exported).toBe(before.exported + 1);
    expect(await exportSpans(config(), [])).toBe(true); // nothing to send, nothing sent
    expect(received).toHaveLength(1);
  });

  it("counts a non-2xx answer, a collector that is gone and one that hangs past the deadline; never throws", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const failures = exportFailures();
    const dropped = traceExportStats().dropped;
    mode = "fail";
    expect(await exportSpans(config(), [SPAN, SPAN])).toBe(false);
    expect(await exportSpans(config({ url: "http://127.0.0.1:9/v1/traces" }), [SPAN])).toBe(false);
    mode = "hang";
    const started = Date.now();
    expect(await exportSpans(config({ timeoutMs: 150 }), [SPAN])).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(exportFailures()).toBe(failures + 3);
    expect(traceExportStats().dropped).toBe(dropped + 4);
    warn.mockRestore();
  });

  it(`keeps at most ${MAX_IN_FLIGHT} exports in flight and drops what comes beyond`, async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    mode = "hang";
    const dropped = traceExportStats().dropped;
    const pending = Array.from({ length: MAX_IN_FLIGHT }, () => exportSpans(config({ timeoutMs: 1_000 }), [SPAN]));
    await vi.waitFor(() => expect(traceExportStats().in_flight).toBe(MAX_IN_FLIGHT));
    expect(await exportSpans(config(), [SPAN, SPAN, SPAN])).toBe(false); // at once: not even tried
    expect(traceExportStats().dropped).toBe(dropped + 3);
    expect(await Promise.all(pending)).toEqual(Array(MAX_IN_FLIGHT).fill(false));
    expect(traceExportStats().in_flight).toBe(0);
    warn.mockRestore();
  });
});
