/**
 * Traces end to end: the Worker and its objects in workerd (Miniflare, bench/runtime.ts)
 * with `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a receiver on a loopback port
 * (otlp-receiver.ts), a throwaway Postgres behind the Neon bridge for the consumer. What
 * arrives is checked against the OTLP/HTTP JSON encoding: ids, parent links, resource,
 * status; then the collector misbehaves (hangs, answers 503, goes away) and requests
 * must still answer 2xx, without waiting for it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTraders, listInstrument, nextOrder, OPERATOR, SYMBOL, type Trader } from "../../bench/orders/setup.ts";
import { CLIENT_HEADERS, startServer, stopServer } from "../../bench/runtime.ts";
import { startNeonWsBridge } from "../../scripts/neon-ws-bridge.ts";
import { dbmate, startTestPostgres } from "../../scripts/postgres-server.ts";
import { freePort } from "../../scripts/redis-server.ts";
import { randomHex } from "../../shared/trace/traceparent.ts";
import { attributesOf, type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.ts";

/** The exporter's deadline in this run: a request that waited for a hanging collector would take at least this. */
const EXPORT_TIMEOUT_MS = 1_000;

let receiver: OtlpReceiver;
let base: string;
let trader: Trader;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  cleanups.push(() => receiver.close());
  const pg = await startTestPostgres();
  cleanups.push(() => pg.stop());
  await dbmate(pg.url, ["up"], { quiet: true });
  const bridge = await startNeonWsBridge({ pgHost: pg.host, pgPort: pg.port });
  cleanups.push(() => bridge.close());
  // Redis configured but unreachable: the readiness probe fails it, so GET /v1/health/ready answers 503.
  const nowhere = `http://127.0.0.1:${await freePort()}`;
  const server = await startServer({
    runtime: "miniflare",
    label: "traces",
    verbose: process.env.TRACES_VERBOSE === "1", // the Worker's log lines on stderr
    vars: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: "x-collector-token=s3cret%20value, x-tenant = edge",
      OTEL_EXPORTER_OTLP_TIMEOUT: String(EXPORT_TIMEOUT_MS),
      DATABASE_URL: pg.url,
      NEON_WS_PROXY: bridge.wsProxy,
      FAULT_ROUTES: "true",
      UPSTASH_REDIS_REST_URL: nowhere,
      UPSTASH_REDIS_REST_TOKEN: "unused",
    },
  });
  cleanups.push(() => stopServer());
  base = server.base;
  await listInstrument(base, SYMBOL);
  [trader] = (await createTraders(base, 1, `trace-${Date.now().toString(36)}`)) as [Trader];
}, 240_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
});

function traceparent(flags = "01") {
  const traceId = randomHex(16);
  const parent = randomHex(8);
  return { traceId, parent, header: `00-${traceId}-${parent}-${flags}` };
}

async function placeOrder(
  headers: Record<string, string> = {},
): Promise<{ status: number; ms: number; res: Response }> {
  const started = performance.now();
  const res = await fetch(`${base}/v1/orders`, {
    method: "POST",
    headers: { ...trader.headers, "content-type": "application/json", ...headers },
    body: JSON.stringify(nextOrder("trace")),
  });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started, res };
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

function expectWellFormed(span: ReceivedSpan): void {
  expect(span.traceId).toMatch(HEX32);
  expect(span.spanId).toMatch(HEX16);
  if (span.parentSpanId !== undefined) expect(span.parentSpanId).toMatch(HEX16);
  expect([1, 2, 3, 4, 5]).toContain(span.kind);
  expect(span.startTimeUnixNano).toMatch(/^\d+$/);
  expect(span.endTimeUnixNano).toMatch(/^\d+$/);
  expect(BigInt(span.endTimeUnixNano) >= BigInt(span.startTimeUnixNano)).toBe(true);
  // Nanoseconds since the epoch, within a minute of now.
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  expect(BigInt(span.startTimeUnixNano) > nowNs - 60_000_000_000n).toBe(true);
  expect([0, 1, 2]).toContain(span.status.code);
  expect(span.resource).toMatchObject({
    "service.name": "platform3-edge",
    "service.version": "0.1.0",
    "deployment.environment": "development",
  });
  expect(span.scope.name).toBe("platform3-edge");
}

describe("traces over OTLP/HTTP JSON", () => {
  let book: ReceivedSpan;
  let orderTrace: string;

  it("a placed order: the edge's server span, its client span to the Account, the book's span under it", async () => {
    const tp = traceparent();
    orderTrace = tp.traceId;
    const { status, res } = await placeOrder({ traceparent: tp.header });
    expect(status).toBe(201);
    const serverId = res.headers.get("traceparent")?.split("-")[2];
    const spans = await receiver.waitFor((all) => {
      const mine = all.filter((s) => s.traceId === tp.traceId);
      return mine.some((s) => s.name === "OrderBook/submit") &&
        mine.some((s) => s.kind === 2 && s.name.startsWith("POST"))
        ? mine
        : undefined;
    });
    for (const span of spans) expectWellFormed(span);

    const server = spans.find((s) => s.kind === 2 && s.name === "POST /v1/orders") as ReceivedSpan;
    expect(server).toBeDefined();
    expect(server.spanId).toBe(serverId);
    expect(server.parentSpanId).toBe(tp.parent);
    expect(attributesOf(server)).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/v1/orders",
      "url.path": "/v1/orders",
      "http.response.status_code": 201,
    });
    expect(server.status.code).toBe(0);

    const client = spans.find((s) => s.name === "Account/placeOrder") as ReceivedSpan;
    expect(client).toMatchObject({ kind: 3, parentSpanId: server.spanId });
    expect(attributesOf(client)).toMatchObject({ "rpc.service": "Account", "rpc.method": "placeOrder" });

    book = spans.find((s) => s.name === "OrderBook/submit") as ReceivedSpan;
    expect(book).toMatchObject({ kind: 2, parentSpanId: client.spanId });
    expect(attributesOf(book)).toMatchObject({ instrument: SYMBOL, "book.commands": 1, "book.refused": 0 });
    expect(Number(attributesOf(book)["book.first_seq"])).toBeGreaterThan(0);

    const exported = receiver.exports.find((e) =>
      e.body.resourceSpans[0]?.scopeSpans[0]?.spans.includes(server as never),
    );
    const headers = (exported ?? receiver.exports[0])?.headers;
    expect(headers?.["content-type"]).toBe("application/json");
    expect(headers?.["x-collector-token"]).toBe("s3cret value");
    expect(headers?.["x-tenant"]).toBe("edge");
  }, 60_000);

  it("the consumer's span links to the book span that produced the events; its Postgres write is a child", async () => {
    expect(book).toBeDefined();
    const consumer = await receiver.waitFor((all) =>
      all.find((s) => s.kind === 5 && s.links?.some((l) => l.traceId === orderTrace && l.spanId === book.spanId)),
    );
    expectWellFormed(consumer);
    expect(consumer.name).toBe("platform3-events process");
    expect(consumer.traceId).not.toBe(orderTrace);
    expect(attributesOf(consumer)).toMatchObject({ "messaging.destination.name": "platform3-events" });
    const write = await receiver.waitFor((all) =>
      all.find((s) => s.traceId === consumer.traceId && s.parentSpanId === consumer.spanId),
    );
    expect(write).toMatchObject({ name: "postgres write_events", kind: 3, status: { code: 0 } });
    expect(attributesOf(write)).toMatchObject({ "db.system.name": "postgresql" });
  }, 60_000);

  it("a 5xx marks the server span with status error", async () => {
    const tp = traceparent();
    const res = await fetch(`${base}/v1/health/ready`, {
      headers: { ...CLIENT_HEADERS, ...OPERATOR, traceparent: tp.header },
    });
    expect(res.status).toBe(503);
    const server = await receiver.waitFor((all) => all.find((s) => s.traceId === tp.traceId && s.kind === 2));
    expect(server.name).toBe("GET /v1/health/ready");
    expect(server.status).toEqual({ code: 2, message: "HTTP 503" });
    expect(attributesOf(server)["http.response.status_code"]).toBe(503);
  }, 60_000);

  it("an object call that throws marks its client span with status error and a message", async () => {
    const tp = traceparent();
    const res = await fetch(`${base}/v1/faults`, {
      method: "POST",
      headers: { ...CLIENT_HEADERS, ...OPERATOR, "content-type": "application/json", traceparent: tp.header },
      body: JSON.stringify({ target: "book", id: SYMBOL, kind: "abort" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ aborted: true });
    const client = await receiver.waitFor((all) =>
      all.find((s) => s.traceId === tp.traceId && s.name === "OrderBook/suffer"),
    );
    expect(client.kind).toBe(3);
    expect(client.status.code).toBe(2);
    expect(client.status.message).toBeTruthy();
  }, 60_000);

  it("an unsampled trace (flags 00) exports nothing", async () => {
    const tp = traceparent("00");
    expect((await placeOrder({ traceparent: tp.header })).status).toBe(201);
    // A sampled order after it: once its spans are in, the unsampled one's would be too.
    const after = traceparent();
    expect((await placeOrder({ traceparent: after.header })).status).toBe(201);
    await receiver.waitFor((all) => all.find((s) => s.traceId === after.traceId && s.name === "OrderBook/submit"));
    expect(receiver.spans().filter((s) => s.traceId === tp.traceId)).toEqual([]);
  }, 60_000);

  it("a collector that hangs, fails or is gone neither fails nor slows a request", async () => {
    const timed = async (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const { status, ms } = await placeOrder({ traceparent: traceparent().header });
        expect(status).toBe(201);
        out.push(ms);
      }
      return out.sort((a, b) => a - b);
    };
    const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] as number;
    const healthy = await timed(5);
    for (const mode of ["hang", "fail"] as const) {
      receiver.mode = mode;
      const ms = await timed(8);
      // Waiting for the collector would cost the export deadline (1 s) per request.
      expect(Math.max(...ms)).toBeLessThan(EXPORT_TIMEOUT_MS * 0.8);
      expect(median(ms)).toBeLessThan(median(healthy) + 150);
    }
    await receiver.close();
    const gone = await timed(5);
    expect(Math.max(...gone)).toBeLessThan(EXPORT_TIMEOUT_MS * 0.8);
    expect(median(gone)).toBeLessThan(median(healthy) + 150);
  }, 120_000);
});
