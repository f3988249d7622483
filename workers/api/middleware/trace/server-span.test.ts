/**
 * The edge's spans in a bare app: a server span per traced request (error on a thrown
 * error, unsampled and untraced requests untouched) and a client span per object call that
 * carries itself on to the object. Exports are caught at `fetch`.
 */
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { OtlpSpan, OtlpTraceRequest } from "../../../../shared/trace/otlp.ts";
import type { AppEnv, Env } from "../../env.ts";
import { traceContext } from "./index.ts";
import { fetchArgs, rpcArgs } from "./objects.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";
const ENDPOINT = "http://collector.test:4318";

/** A stand-in namespace whose stubs answer `echo(options)` with what they were given. */
function fakeNamespace() {
  const stub = {
    echo: async (options: { traceparent?: string; request_id?: string }) => options,
    fail: async () => {
      throw new Error("object reset");
    },
  };
  return { getByName: (_name: string) => stub, idFromName: (name: string) => `id:${name}` };
}

function app() {
  const a = new Hono<AppEnv>();
  a.use("*", traceContext());
  a.get("/echo", async (c) => {
    const stub = (c.env.ACCOUNT as unknown as ReturnType<typeof fakeNamespace>).getByName("alice");
    return c.json({ got: await stub.echo({ traceparent: "server's", request_id: "r" }), sameEnv: c.env === baseEnv });
  });
  a.get("/fail", async (c) => {
    await (c.env.ACCOUNT as unknown as ReturnType<typeof fakeNamespace>).getByName("alice").fail();
    return c.text("unreachable");
  });
  a.onError((err, c) => c.json({ error: String(err) }, 500));
  return a;
}

let baseEnv: Env;
const exported = () => {
  const spy = vi.mocked(globalThis.fetch);
  return spy.mock.calls.flatMap(([url, init]) => {
    expect(String(url)).toBe(`${ENDPOINT}/v1/traces`);
    const body = JSON.parse(String((init as RequestInit).body)) as OtlpTraceRequest;
    return body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  });
};

async function request(path: string, env: Partial<Env>, flags = "01") {
  baseEnv = { ...env, ACCOUNT: fakeNamespace() } as unknown as Env;
  return app().request(path, { headers: { traceparent: `00-${TRACE}-${PARENT}-${flags}` } }, baseEnv);
}

afterEach(() => vi.restoreAllMocks());

describe("edge spans", () => {
  it("a traced request: server span, and a client span whose traceparent the object receives", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("{}"));
    const res = await request("/echo", { OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT });
    const { got, sameEnv } = await res.json<{ got: { traceparent: string; request_id: string }; sameEnv: boolean }>();
    expect(sameEnv).toBe(false);
    await vi.waitFor(() => expect(exported()).toHaveLength(2));
    const spans = exported();
    const server = spans.find((s) => s.kind === 2) as OtlpSpan;
    const client = spans.find((s) => s.kind === 3) as OtlpSpan;
    expect(server).toMatchObject({ traceId: TRACE, parentSpanId: PARENT, name: "GET", status: { code: 0 } });
    expect(res.headers.get("traceparent")).toBe(`00-${TRACE}-${server.spanId}-01`);
    expect(client).toMatchObject({ traceId: TRACE, parentSpanId: server.spanId, name: "Account/echo" });
    // The object is called with the client span as its parent; other fields are left alone.
    expect(got).toEqual({ traceparent: `00-${TRACE}-${client.spanId}-01`, request_id: "r" });
  });

  it("a thrown error: the client span and the server span (500) have status error with a message", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("{}"));
    const res = await request("/fail", { OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT });
    expect(res.status).toBe(500);
    await vi.waitFor(() => expect(exported()).toHaveLength(2));
    const spans = exported();
    expect(spans.find((s) => s.kind === 3)?.status).toEqual({ code: 2, message: "Error: object reset" });
    expect(spans.find((s) => s.kind === 2)?.status).toEqual({ code: 2, message: "Error: object reset" });
  });

  it("without an endpoint, or for an unsampled trace, nothing is recorded and the bindings are the real ones", async () => {
    const spy = vi.spyOn(globalThis, "fetch");
    for (const [env, flags] of [
      [{}, "01"],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT }, "00"],
    ] as const) {
      const res = await request("/echo", env, flags);
      const { got, sameEnv } = await res.json<{ got: { traceparent: string }; sameEnv: boolean }>();
      expect(sameEnv).toBe(true);
      expect(got.traceparent).toBe("server's");
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(spy).not.toHaveBeenCalled();
  });
});

describe("what a client span carries on", () => {
  const TP = `00-${TRACE}-1111111111111111-01`;

  it("replaces the traceparent field of plain argument objects only", () => {
    const date = new Date(0);
    expect(rpcArgs(["alice", { traceparent: "old", x: 1 }, { other: 1 }, date, null], TP)).toEqual([
      "alice",
      { traceparent: TP, x: 1 },
      { other: 1 },
      date,
      null,
    ]);
  });

  it("sets the traceparent header of a fetch, whatever form its headers take", () => {
    const [, init] = fetchArgs(
      ["https://shard/ws", { method: "GET", headers: new Headers({ traceparent: "old", a: "1" }) }],
      TP,
    ) as [string, RequestInit];
    expect(new Headers(init.headers).get("traceparent")).toBe(TP);
    expect(new Headers(init.headers).get("a")).toBe("1");
    expect(init.method).toBe("GET");
    const [req] = fetchArgs([new Request("https://shard/x", { headers: { a: "2" } })], TP) as [Request];
    expect(req.headers.get("traceparent")).toBe(TP);
    expect(req.headers.get("a")).toBe("2");
    const [, bare] = fetchArgs(["https://shard/y"], TP) as [string, RequestInit];
    expect(new Headers(bare.headers).get("traceparent")).toBe(TP);
  });
});
