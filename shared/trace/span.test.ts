import { describe, expect, it } from "vitest";
import { encodeTraces, nanos } from "./otlp.ts";
import {
  type FinishedSpan,
  isSampled,
  linkOf,
  MAX_SPANS_PER_RECORDER,
  SpanKind,
  SpanRecorder,
  sampledParent,
} from "./span.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";

describe("SpanRecorder", () => {
  it("records a child span of its parent, with a traceparent naming the span", () => {
    const recorder = new SpanRecorder();
    const span = recorder.start({
      name: "x",
      kind: SpanKind.CLIENT,
      parent: { traceId: TRACE, spanId: PARENT, flags: "01" },
    });
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.traceparent).toBe(`00-${TRACE}-${span.spanId}-01`);
    span.setAttribute("a", 1).setAttribute("skipped", undefined).end();
    span.end(); // once only
    const [done, ...rest] = recorder.take();
    expect(rest).toEqual([]);
    expect(done).toMatchObject({ traceId: TRACE, parentSpanId: PARENT, name: "x", kind: 3, attributes: { a: 1 } });
    expect(done?.status).toEqual({ code: 0 });
    expect((done as FinishedSpan).endMs).toBeGreaterThanOrEqual((done as FinishedSpan).startMs);
  });

  it("marks a span that throws with status error and rethrows", async () => {
    const recorder = new SpanRecorder();
    await expect(
      recorder.within({ name: "boom", kind: SpanKind.SERVER, parent: { traceId: TRACE, flags: "01" } }, () => {
        throw new TypeError("kaput");
      }),
    ).rejects.toThrow("kaput");
    const [span] = recorder.take();
    expect(span?.status).toEqual({ code: 2, message: "TypeError: kaput" });
    expect(span?.parentSpanId).toBeUndefined();
  });

  it("keeps at most MAX_SPANS_PER_RECORDER spans and counts the rest as dropped", () => {
    const recorder = new SpanRecorder();
    for (let i = 0; i < MAX_SPANS_PER_RECORDER + 3; i++) {
      recorder.start({ name: `s${i}`, kind: SpanKind.INTERNAL, parent: { traceId: TRACE, flags: "01" } }).end();
    }
    expect(recorder.take()).toHaveLength(MAX_SPANS_PER_RECORDER);
    expect(recorder.dropped).toBe(3);
  });

  it("hands spans that end after take() to `late`", () => {
    const late: FinishedSpan[][] = [];
    const recorder = new SpanRecorder((spans) => late.push(spans));
    const span = recorder.start({ name: "slow", kind: SpanKind.CLIENT, parent: { traceId: TRACE, flags: "01" } });
    expect(recorder.take()).toEqual([]);
    span.end();
    expect(late.map((b) => b.map((s) => s.name))).toEqual([["slow"]]);
  });
});

describe("trace context helpers", () => {
  it("continues only valid, sampled traceparents", () => {
    expect(sampledParent(`00-${TRACE}-${PARENT}-01`)).toEqual({ traceId: TRACE, spanId: PARENT, flags: "01" });
    expect(sampledParent(`00-${TRACE}-${PARENT}-00`)).toBeUndefined();
    expect(sampledParent("garbage")).toBeUndefined();
    expect(sampledParent(undefined)).toBeUndefined();
    expect(isSampled("03")).toBe(true);
    expect(isSampled("02")).toBe(false);
    expect(linkOf(`00-${TRACE}-${PARENT}-00`)).toEqual({ traceId: TRACE, spanId: PARENT });
    expect(linkOf(42)).toBeUndefined();
  });
});

describe("OTLP JSON encoding", () => {
  it("encodes resource, scope and spans as ExportTraceServiceRequest JSON", () => {
    const spans: FinishedSpan[] = [
      {
        traceId: TRACE,
        spanId: "1111111111111111",
        parentSpanId: PARENT,
        name: "POST /v1/orders",
        kind: SpanKind.SERVER,
        startMs: 1_767_225_600_000,
        endMs: 1_767_225_600_004,
        attributes: { "http.response.status_code": 503, ratio: 0.5, ok: false, "url.path": "/v1/orders" },
        status: { code: 2, message: "HTTP 503" },
        links: [{ traceId: TRACE, spanId: PARENT }],
      },
      {
        traceId: TRACE,
        spanId: "2222222222222222",
        name: "root",
        kind: SpanKind.INTERNAL,
        startMs: 5,
        endMs: 5,
        attributes: {},
        status: { code: 0 },
      },
    ];
    const body = encodeTraces(spans, { "service.name": "platform3-edge", "service.version": "0.1.0" });
    expect(body).toEqual({
      resourceSpans: [
        {
          resource: {
            attributes: [
              { key: "service.name", value: { stringValue: "platform3-edge" } },
              { key: "service.version", value: { stringValue: "0.1.0" } },
            ],
          },
          scopeSpans: [
            {
              scope: { name: "platform3-edge", version: "1" },
              spans: [
                {
                  traceId: TRACE,
                  spanId: "1111111111111111",
                  parentSpanId: PARENT,
                  name: "POST /v1/orders",
                  kind: 2,
                  startTimeUnixNano: "1767225600000000000",
                  endTimeUnixNano: "1767225600004000000",
                  attributes: [
                    { key: "http.response.status_code", value: { intValue: "503" } },
                    { key: "ratio", value: { doubleValue: 0.5 } },
                    { key: "ok", value: { boolValue: false } },
                    { key: "url.path", value: { stringValue: "/v1/orders" } },
                  ],
                  links: [{ traceId: TRACE, spanId: PARENT }],
                  status: { code: 2, message: "HTTP 503" },
                },
                {
                  traceId: TRACE,
                  spanId: "2222222222222222",
                  name: "root",
                  kind: 1,
                  startTimeUnixNano: "5000000",
                  endTimeUnixNano: "5000000",
                  attributes: [],
                  status: { code: 0 },
                },
              ],
            },
          ],
        },
      ],
    });
    // It is plain JSON: what goes on the wire parses back to the same thing.
    expect(JSON.parse(JSON.stringify(body))).toEqual(body);
  });

  it("writes nanoseconds exactly, beyond what a double holds", () => {
    expect(nanos(0)).toBe("0");
    expect(nanos(1)).toBe("1000000");
    expect(nanos(1_767_225_600_123)).toBe("1767225600123000000");
    expect(nanos(1.5)).toBe("1500000");
  });
});
