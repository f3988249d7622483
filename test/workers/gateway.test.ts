/**
 * The gateway end to end: headers every response carries (request id, trace,
 * trading session, security headers), problem+json for every error class
 * (none of which changes state), CORS from the allowlist, and GET /v1/sessions.
 */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../../workers/api/app.ts";
import { listInstrument, place, testInstrument } from "./book-helpers.ts";

const BASE = "http://platform3.test/v1";
const OPERATOR = { authorization: `Bearer ${env.OPERATOR_TOKEN}`, "content-type": "application/json" };
const SYMBOL = "GWY-USD";

const fetchApi = (path: string, init?: RequestInit) => exports.default.fetch(`${BASE}${path}`, init);
const post = (path: string, body: BodyInit, headers: Record<string, string> = OPERATOR) =>
  fetchApi(path, { method: "POST", headers, body });

async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = await res.json<Record<string, unknown>>();
  expect(body).toMatchObject({ status, code, type: `urn:platform3:problem:${code}` });
  return body;
}

function expectGatewayHeaders(res: Response, what: string): void {
  expect(res.headers.get("x-request-id"), what).toMatch(/^[A-Za-z0-9._-]{8,128}$/);
  expect(res.headers.get("traceparent"), what).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  expect(res.headers.get("x-trading-session"), what).toMatch(
    /^(none|(sydney|tokyo|london|new_york)(,(tokyo|london|new_york))*)$/,
  );
  expect(res.headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(res.headers.get("strict-transport-security"), what).toMatch(/^max-age=/);
}

/** The book's resting orders and sequences: what no refused request may change. */
async function bookState() {
  const res = await fetchApi(`/instruments/${SYMBOL}/book?level=3`, { headers: { "cache-control": "no-cache" } });
  const { time: _time, ...view } = await res.json<Record<string, unknown>>();
  return view;
}

beforeAll(async () => {
  await listInstrument(testInstrument(SYMBOL));
  const res = await post(
    `/admin/books/${SYMBOL}/commands`,
    JSON.stringify({ commands: [place("r1", "a", "buy", "99.00", "1")] }),
  );
  expect(res.status).toBe(200);
});

describe("every response", () => {
  it("carries X-Request-Id, traceparent, X-Trading-Session and security headers, errors included", async () => {
    const cases: Array<[string, Promise<Response>]> = [
      ["200", fetchApi("/time")],
      ["HEAD", fetchApi("/health", { method: "HEAD" })],
      ["404", fetchApi("/nope")],
      ["405", fetchApi("/time", { method: "DELETE" })],
      ["400", fetchApi(`/instruments/${SYMBOL}/book?level=9`)],
      ["401", post("/admin/instruments", "{}", { "content-type": "application/json" })],
      ["415", post(`/admin/books/${SYMBOL}/commands`, "{}", { ...OPERATOR, "content-type": "text/plain" })],
      ["413", post(`/admin/books/${SYMBOL}/commands`, "x".repeat(300_000))],
      ["cache", fetchApi(`/instruments/${SYMBOL}/book?depth=998`)],
      ["docs", exports.default.fetch("http://platform3.test/docs")],
    ];
    for (const [what, pending] of cases) {
      const res = await pending;
      expectGatewayHeaders(res, what);
      await res.body?.cancel();
    }
    const hit = await fetchApi(`/instruments/${SYMBOL}/book?depth=998`);
    expect(hit.headers.get("x-cache")).toBe("HIT");
    expectGatewayHeaders(hit, "cache hit");
  });

  it("also on a WebSocket upgrade handed over by a feed object", async () => {
    const res = await fetchApi("/ws", { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(101);
    expectGatewayHeaders(res, "101");
    const socket = res.webSocket;
    socket?.accept();
    socket?.close(1000, "done");
  });

  it("continues the caller's request id and trace", async () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const res = await fetchApi("/time", { headers: { "x-request-id": "caller-id-0001", traceparent } });
    expect(res.headers.get("x-request-id")).toBe("caller-id-0001");
    expect(res.headers.get("traceparent")).toMatch(
      /^00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$/,
    );
  });

  it("is logged once, as JSON with the route template, status, account, request and trace ids", async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(line));
    const res = await createApp().request(
      `/v1/instruments/${SYMBOL}`,
      { headers: { "x-request-id": "log-probe-0001", "cache-control": "no-cache" } },
      env,
    );
    log.mockRestore();
    expect(res.status).toBe(200);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        level: "info",
        msg: "request",
        method: "GET",
        route: "/v1/instruments/{symbol}",
        status: 200,
        duration_ms: expect.any(Number),
        account: null,
        request_id: "log-probe-0001",
        trace_id: res.headers.get("traceparent")?.split("-")[1],
      },
    ]);
  });
});

describe("errors are problem+json with a stable code and change nothing", () => {
  it("covers malformed JSON, wrong content type, oversized bodies, invalid fields, unknown routes and methods", async () => {
    const before = await bookState();
    const commands = `/admin/books/${SYMBOL}/commands`;
    const malformed = await expectProblem(await post(commands, '{"commands": ['), 400, "bad_request");
    expect(malformed.detail).toBe("The body is not valid JSON.");
    await expectProblem(
      await post(commands, "{}", { ...OPERATOR, "content-type": "text/plain" }),
      415,
      "unsupported_media_type",
    );
    const { "content-type": _ct, ...noType } = OPERATOR;
    await expectProblem(await post(commands, '{"commands":[]}', noType), 415, "unsupported_media_type");
    await expectProblem(await post(commands, "x".repeat(262_145)), 413, "payload_too_large");
    const invalid = await expectProblem(
      await post(commands, JSON.stringify({ commands: [{ ...place("x1", "a", "buy", "99.00", "1"), side: "up" }] })),
      400,
      "invalid_request",
    );
    expect(invalid.detail).toMatch(/commands\.0\.side/);
    expect(invalid.detail).toMatch(/"buy"\|"sell"|buy.*sell/);
    expect(invalid.errors).toEqual([{ field: "commands.0.side", message: expect.any(String) }]);
    const status = await expectProblem(
      await fetchApi(`/admin/instruments/${SYMBOL}`, {
        method: "PATCH",
        headers: OPERATOR,
        body: '{"status":"paused"}',
      }),
      400,
      "invalid_request",
    );
    expect(status.detail).toMatch(/status must be one of pre_open, open, cancel_only, post_only, halted, closed/);
    const level = await expectProblem(await fetchApi(`/instruments/${SYMBOL}/book?level=4`), 400, "invalid_request");
    expect(level.detail).toMatch(/level.*1, 2 or 3/);
    await expectProblem(await fetchApi("/instruments/NOPE-USD/book"), 404, "instrument_not_found");
    await expectProblem(await fetchApi(`/instruments/${SYMBOL}/nope`), 404, "not_found");
    const wrong = await fetchApi(commands, { method: "GET", headers: OPERATOR });
    await expectProblem(wrong, 405, "method_not_allowed");
    expect(wrong.headers.get("allow")).toBe("POST");
    expect(await bookState()).toEqual(before);
  });

  it("takes the body limit from MAX_BODY_BYTES", async () => {
    const app = createApp();
    const body = JSON.stringify({ commands: [place("big", "a", "buy", "99.00", "1")] });
    const res = await app.request(
      `/v1/admin/books/${SYMBOL}/commands`,
      { method: "POST", headers: OPERATOR, body },
      {
        ...env,
        MAX_BODY_BYTES: "64",
      },
    );
    const problem = await expectProblem(res, 413, "payload_too_large");
    expect(problem.detail).toMatch(/64 bytes/);
  });

  it("answers 500 internal_error with the request id and no internals", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const app = createApp();
    app.get("/v1/explode", () => {
      throw new TypeError("cannot read secret_table.password");
    });
    const res = await app.request("/v1/explode", { headers: { "x-request-id": "boom-req-0001" } }, env);
    const body = await expectProblem(res, 500, "internal_error");
    expect(body.request_id).toBe("boom-req-0001");
    expect(res.headers.get("x-request-id")).toBe("boom-req-0001");
    expect(JSON.stringify(body)).not.toMatch(/secret|password|TypeError/);
    expect(JSON.parse(String(logged.mock.calls[0]?.[0]))).toMatchObject({
      level: "error",
      request_id: "boom-req-0001",
      error: expect.stringContaining("secret_table"),
    });
    logged.mockRestore();
  });
});

describe("CORS", () => {
  const ALLOWED = "https://app.example.com";

  it("answers listed origins, preflights included, and nobody else", async () => {
    const app = createApp();
    const corsEnv = { ...env, CORS_ORIGINS: ALLOWED };
    const simple = await app.request("/v1/time", { headers: { origin: ALLOWED } }, corsEnv);
    expect(simple.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(simple.headers.get("access-control-expose-headers")).toMatch(/X-Trading-Session/);
    const preflight = await app.request(
      `/v1/admin/books/${SYMBOL}/commands`,
      { method: "OPTIONS", headers: { origin: ALLOWED, "access-control-request-method": "POST" } },
      corsEnv,
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    const other = await app.request("/v1/time", { headers: { origin: "https://other.example" } }, corsEnv);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("sends no CORS headers with the default (empty) CORS_ORIGINS", async () => {
    const res = await fetchApi("/time", { headers: { origin: ALLOWED } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("GET /v1/sessions", () => {
  it("lists the sessions open now with their close and the others with their next open", async () => {
    const res = await fetchApi("/sessions");
    expect(res.status).toBe(200);
    const body = await res.json<{
      time: string;
      epoch_ms: number;
      open: Array<Record<string, string | number>>;
      next: Array<Record<string, string | number>>;
    }>();
    expect(Date.parse(body.time)).toBe(body.epoch_ms);
    const names = [...body.open, ...body.next].map((s) => s.name).sort();
    expect(names).toEqual(["london", "new_york", "sydney", "tokyo"]);
    for (const s of body.open) {
      expect(Date.parse(s.opened_at as string)).toBe(s.opened_at_ms);
      expect(Date.parse(s.closes_at as string)).toBe(s.closes_at_ms);
      expect(s.opened_at_ms as number).toBeLessThanOrEqual(body.epoch_ms);
      expect(s.closes_at_ms as number).toBeGreaterThan(body.epoch_ms);
    }
    for (const s of body.next) {
      expect(Date.parse(s.opens_at as string)).toBe(s.opens_at_ms);
      expect(s.opens_at_ms as number).toBeGreaterThan(body.epoch_ms);
      expect(s.closes_at_ms as number).toBeGreaterThan(s.opens_at_ms as number);
    }
    const opens = body.next.map((s) => s.opens_at_ms as number);
    expect(opens).toEqual([...opens].sort((a, b) => a - b));
    const label = body.open.map((s) => s.name).join(",") || "none";
    expect(res.headers.get("x-trading-session")).toBe(label);
  });
});
