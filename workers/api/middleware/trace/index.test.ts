import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../env.ts";
import { formatTraceparent, parseTraceparent, traceContext, traceHeaders } from "./index.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";
const VALID = `00-${TRACE}-${PARENT}-01`;

function app() {
  const a = new Hono<AppEnv>();
  a.use("*", traceContext());
  a.get("/", (c) => c.json({ trace: c.get("trace"), outgoing: traceHeaders(c) }));
  return a;
}

describe("parseTraceparent", () => {
  it("reads a valid version-00 header", () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: TRACE, parentId: PARENT, flags: "01" });
  });

  it("reads the known fields of a later version", () => {
    expect(parseTraceparent(`01-${TRACE}-${PARENT}-01-extra`)).toEqual({
      traceId: TRACE,
      parentId: PARENT,
      flags: "01",
    });
  });

  it.each([
    ["upper-case hex", `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${PARENT}-01`],
    ["an all-zero parent id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE}-${PARENT}-01`],
    ["extra fields on version 00", `${VALID}-x`],
    ["a short trace id", `00-${TRACE.slice(1)}-${PARENT}-01`],
    ["garbage", "hello"],
  ])("refuses %s", (_why, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });
});

describe("traceContext", () => {
  it("continues a valid incoming trace with a span of its own", async () => {
    const res = await app().request("/", { headers: { traceparent: VALID, tracestate: "vendor=1" } });
    const { trace, outgoing } = await res.json<{ trace: Record<string, string>; outgoing: Record<string, string> }>();
    expect(trace).toMatchObject({ traceId: TRACE, parentId: PARENT, flags: "01", tracestate: "vendor=1" });
    expect(trace.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace.spanId).not.toBe(PARENT);
    const header = res.headers.get("traceparent");
    expect(header).toBe(`00-${TRACE}-${trace.spanId}-01`);
    // Calls made by this request are children of its span.
    expect(outgoing).toEqual({ traceparent: header, tracestate: "vendor=1" });
  });

  it("starts a sampled trace when there is none or it is invalid (and drops its tracestate)", async () => {
    const cases: Record<string, string>[] = [{}, { traceparent: "00-zz-zz-01", tracestate: "vendor=1" }];
    for (const headers of cases) {
      const res = await app().request("/", { headers });
      const { trace } = await res.json<{ trace: Record<string, string> }>();
      expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(trace.parentId).toBeUndefined();
      expect(trace.tracestate).toBeUndefined();
      expect(res.headers.get("traceparent")).toBe(formatTraceparent({ ...trace, flags: "01" } as never));
    }
  });

  it("gives no trace headers outside the middleware", async () => {
    const a = new Hono<AppEnv>();
    a.get("/", (c) => c.json(traceHeaders(c)));
    expect(await (await a.request("/")).json()).toEqual({});
  });
});
