import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { SEED_INSTRUMENTS } from "../../shared/instruments/seed.ts";
import { listInstrument, place, testInstrument } from "./book-helpers.ts";

const BASE = "http://platform3.test/v1";
const OPERATOR = { authorization: "Bearer test-operator-token", "content-type": "application/json" };
const FRESH = { "cache-control": "no-cache" };

const get = (path: string, headers: Record<string, string> = FRESH) =>
  exports.default.fetch(`${BASE}${path}`, { headers });
const post = (path: string, body: unknown, headers: Record<string, string> = OPERATOR) =>
  exports.default.fetch(`${BASE}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
const patch = (path: string, body: unknown) =>
  exports.default.fetch(`${BASE}${path}`, { method: "PATCH", headers: OPERATOR, body: JSON.stringify(body) });

async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = await res.json<Record<string, unknown>>();
  expect(body).toMatchObject({ status, code });
  return body;
}

const SYMBOL = "MKT-USD";

beforeAll(async () => {
  await listInstrument(testInstrument(SYMBOL));
  const res = await post(`/admin/books/${SYMBOL}/commands`, {
    commands: [
      place("s1", "alice", "sell", "101.00", "2"),
      place("s2", "alice", "sell", "102.00", "1"),
      place("b1", "bob", "buy", "99.00", "1"),
      place("t1", "carol", "buy", "101.00", "0.5"),
      place("t2", "carol", "buy", "101.00", "0.5"),
      place("t3", "carol", "buy", "101.00", "0.5"),
    ],
  });
  expect(res.status).toBe(200);
});

describe("instruments", () => {
  it("lists the seeded instruments and any listed by an operator", async () => {
    const res = await get("/instruments");
    expect(res.status).toBe(200);
    const { instruments } = await res.json<{ instruments: Array<{ symbol: string }> }>();
    const symbols = instruments.map((i) => i.symbol);
    for (const seeded of SEED_INSTRUMENTS) expect(symbols).toContain(seeded.symbol);
    expect(symbols).toContain(SYMBOL);
  });

  it("returns one instrument, and 404 problem JSON for an unknown symbol", async () => {
    expect(await (await get("/instruments/BTC-USD")).json()).toMatchObject({ symbol: "BTC-USD", tick_size: "0.01" });
    const body = await expectProblem(await get("/instruments/NOPE-USD"), 404, "instrument_not_found");
    expect(body.detail).toMatch(/NOPE-USD/);
  });

  it("lets an operator list a new instrument (pre_open by default) and refuses duplicates and bad specs", async () => {
    const spec = { ...testInstrument("NEW-USD") } as Record<string, unknown>;
    delete spec.status;
    const created = await post("/admin/instruments", spec);
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ symbol: "NEW-USD", status: "pre_open" });
    await expectProblem(await post("/admin/instruments", spec), 409, "instrument_exists");
    await expectProblem(
      await post("/admin/instruments", { ...spec, symbol: "BAD", tick_size: "-1" }),
      400,
      "invalid_request",
    );
  });

  it("guards operator routes with the operator token", async () => {
    const res = await post("/admin/instruments", {}, { "content-type": "application/json" });
    await expectProblem(res, 401, "unauthorized");
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const wrong = await post("/admin/instruments", {}, { ...OPERATOR, authorization: "Bearer nope" });
    await expectProblem(wrong, 401, "unauthorized");
  });

  it("halts an instrument: new orders are refused with a clear error, cancels still work", async () => {
    await listInstrument(testInstrument("HAL-USD"));
    await post("/admin/books/HAL-USD/commands", { commands: [place("r1", "a", "buy", "99.00", "1")] });
    const halted = await patch("/admin/instruments/HAL-USD", { status: "halted" });
    expect(await halted.json()).toMatchObject({ status: "halted" });
    const res = await post("/admin/books/HAL-USD/commands", {
      commands: [place("r2", "a", "buy", "99.00", "1"), { type: "cancel", order_id: "r1" }],
    });
    const { results } = await res.json<{ results: Array<{ ok: boolean; error?: { code: string } }> }>();
    expect(results[0]).toMatchObject({ ok: false, error: { code: "instrument_halted" } });
    expect(results[1]?.ok).toBe(true);
    await expectProblem(await patch("/admin/instruments/HAL-USD", { status: "paused" }), 400, "invalid_request");
    await expectProblem(await patch("/admin/instruments/NOPE-USD", { status: "open" }), 404, "instrument_not_found");
  });
});

describe("operator batches", () => {
  it('answers reply: "summary" with ok, error and each command\'s seqs, without the events', async () => {
    await listInstrument(testInstrument("SUM-USD"));
    const res = await post("/admin/books/SUM-USD/commands", {
      reply: "summary",
      commands: [
        place("m1", "alice", "sell", "100.00", "1"),
        place("m1", "alice", "sell", "100.00", "1"),
        place("m2", "bob", "buy", "100.00", "1"),
      ],
    });
    expect(res.status).toBe(200);
    const body = await res.json<{
      first_seq: number;
      last_seq: number;
      results: Array<Record<string, unknown>>;
    }>();
    const [rest, dup, take] = body.results;
    expect(rest).toEqual({ ok: true, first_seq: body.first_seq, last_seq: expect.any(Number) });
    expect(dup).toEqual({ ok: false, error: { code: "duplicate_order_id", message: expect.any(String) } });
    expect(take).toMatchObject({ ok: true, last_seq: body.last_seq });
    expect(take?.first_seq).toBe((rest?.last_seq as number) + 1);
    for (const r of body.results) expect(r).not.toHaveProperty("events");

    // The default (and reply: "full") still carries every event with its seq.
    const full = await post("/admin/books/SUM-USD/commands", {
      reply: "full",
      commands: [place("m3", "alice", "sell", "101.00", "1")],
    });
    const fullBody = await full.json<{ results: Array<{ events: Array<{ seq: number }> }> }>();
    expect(fullBody.results[0]?.events.length).toBeGreaterThan(0);
    await expectProblem(
      await post("/admin/books/SUM-USD/commands", {
        reply: "tiny",
        commands: [place("m4", "a", "sell", "101.00", "1")],
      }),
      400,
      "invalid_request",
    );
  });
});

describe("order book", () => {
  it("serves L1, L2 and L3 with the sequence the snapshot is at", async () => {
    const l2 = await (await get(`/instruments/${SYMBOL}/book?level=2&depth=10`)).json<Record<string, unknown>>();
    expect(l2).toMatchObject({
      level: 2,
      bids: [["99.00", "1.000"]],
      asks: [
        ["101.00", "0.500"],
        ["102.00", "1.000"],
      ],
    });
    expect(typeof l2.seq).toBe("number");
    const l1 = await (await get(`/instruments/${SYMBOL}/book?level=1`)).json<Record<string, unknown>>();
    expect(l1).toMatchObject({ bids: [["99.00", "1.000"]], asks: [["101.00", "0.500"]] });
    const l3 = await (await get(`/instruments/${SYMBOL}/book?level=3`)).json<Record<string, unknown>>();
    expect(l3.asks).toEqual([
      { order_id: "s1", price: "101.00", size: "0.500" },
      { order_id: "s2", price: "102.00", size: "1.000" },
    ]);
  });

  it.each([
    ["level=4", "level"],
    ["level=two", "level"],
    ["depth=0", "depth"],
    ["depth=5000", "depth"],
    ["depth=1.5", "depth"],
    ["colour=blue", "colour"],
  ])("answers ?%s with a 400 naming %s", async (query, field) => {
    const body = await expectProblem(await get(`/instruments/${SYMBOL}/book?${query}`), 400, "invalid_request");
    expect(body.detail).toMatch(new RegExp(field));
  });

  it("answers 404 for the book of an unknown instrument", async () => {
    await expectProblem(await get("/instruments/NOPE-USD/book"), 404, "instrument_not_found");
  });
});

describe("trades, ticker, candles", () => {
  it("pages trades newest first with before/after cursors", async () => {
    const all = await (await get(`/instruments/${SYMBOL}/trades`)).json<{
      trades: Array<{ trade_id: number; price: string }>;
    }>();
    expect(all.trades.map((t) => t.trade_id)).toEqual([3, 2, 1]);
    expect(all.trades[0]).toMatchObject({ price: "101.00", size: "0.500", side: "buy" });
    const page1 = await (await get(`/instruments/${SYMBOL}/trades?limit=2`)).json<{
      trades: Array<{ trade_id: number }>;
      next_before: number;
    }>();
    expect(page1.trades.map((t) => t.trade_id)).toEqual([3, 2]);
    const page2 = await (await get(`/instruments/${SYMBOL}/trades?limit=2&before=${page1.next_before}`)).json<{
      trades: Array<{ trade_id: number }>;
    }>();
    expect(page2.trades.map((t) => t.trade_id)).toEqual([1]);
    const newer = await (await get(`/instruments/${SYMBOL}/trades?after=1`)).json<{
      trades: Array<{ trade_id: number }>;
    }>();
    expect(newer.trades.map((t) => t.trade_id)).toEqual([3, 2]);
    await expectProblem(await get(`/instruments/${SYMBOL}/trades?before=2&after=1`), 400, "invalid_request");
    await expectProblem(await get(`/instruments/${SYMBOL}/trades?limit=0`), 400, "invalid_request");
  });

  it("reports best bid/ask, last and rolling 24 h figures", async () => {
    const ticker = await (await get(`/instruments/${SYMBOL}/ticker`)).json();
    expect(ticker).toMatchObject({
      instrument: SYMBOL,
      best_bid: "99.00",
      best_ask: "101.00",
      last: "101.00",
      open_24h: "101.00",
      high_24h: "101.00",
      low_24h: "101.00",
      volume_24h: "1.500",
      trades_24h: 3,
    });
  });

  it("aggregates candles for every interval and rejects a bad interval or window", async () => {
    const widths: Record<string, number> = {
      "1m": 60_000,
      "5m": 300_000,
      "15m": 900_000,
      "1h": 3_600_000,
      "6h": 21_600_000,
      "1d": 86_400_000,
    };
    for (const [interval, width] of Object.entries(widths)) {
      const body = await (await get(`/instruments/${SYMBOL}/candles?interval=${interval}`)).json<{
        candles: { start: number }[];
      }>();
      // Each bucket starts on its interval's boundary.
      for (const c of body.candles) expect(c.start % width).toBe(0);
      expect(body.candles).toEqual([
        expect.objectContaining({
          open: "101.00",
          high: "101.00",
          low: "101.00",
          close: "101.00",
          volume: "1.500",
          trades: 3,
        }),
      ]);
    }
    const bad = await expectProblem(await get(`/instruments/${SYMBOL}/candles?interval=2m`), 400, "invalid_request");
    expect(bad.detail).toMatch(/1m, 5m, 15m, 1h, 6h, 1d/);
    await expectProblem(await get(`/instruments/${SYMBOL}/candles`), 400, "invalid_request");
    await expectProblem(await get(`/instruments/${SYMBOL}/candles?interval=1m&start=10&end=5`), 400, "invalid_request");
  });

  it("caches public market data at the edge for a moment", async () => {
    // A depth no other test asks for: a cache key of this test's own.
    const first = await get(`/instruments/${SYMBOL}/book?depth=997`, {});
    expect(first.headers.get("x-cache")).toBe("MISS");
    expect(first.headers.get("cache-control")).toMatch(/max-age=1/);
    const second = await get(`/instruments/${SYMBOL}/book?depth=997`, {});
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(await second.json()).toEqual(await first.json());
  });
});

describe("operator batch entry", () => {
  it("continues the caller's trace into the book: its batch log line carries the same trace id", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    try {
      const res = await post(
        `/admin/books/${SYMBOL}/commands`,
        { commands: [place("trace-1", "dave", "buy", "90.00", "1")] },
        {
          ...OPERATOR,
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
          "x-request-id": "req-trace-test-1",
        },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get("traceparent")).toMatch(new RegExp(`^00-${traceId}-`));
    } finally {
      log.mockRestore();
    }
    const parsed = lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    const batch = parsed.find((l) => l.msg === "book batch");
    expect(batch).toMatchObject({ instrument: SYMBOL, commands: 1, trace_id: traceId, request_id: "req-trace-test-1" });
  });

  it("rejects malformed bodies with 4xx problems and changes nothing", async () => {
    const path = `/admin/books/${SYMBOL}/commands`;
    const l3 = async () => {
      const { time: _time, ...view } = await (await get(`/instruments/${SYMBOL}/book?level=3`)).json<
        Record<string, unknown>
      >();
      return view;
    };
    const before = await l3();
    await expectProblem(await post(path, { commands: [] }), 400, "invalid_request");
    await expectProblem(await post(path, { commands: [{ type: "explode" }] }), 400, "invalid_request");
    await expectProblem(
      await post(path, { commands: Array.from({ length: 101 }, (_, i) => place(`x${i}`, "a", "buy", "99.00", "1")) }),
      400,
      "invalid_request",
    );
    await expectProblem(await post(path, { commands: [place("x", "a", "buy", "1e2", "1")] }), 400, "invalid_request");
    const notJson = await exports.default.fetch(`${BASE}${path}`, { method: "POST", headers: OPERATOR, body: "{" });
    await expectProblem(notJson, 400, "bad_request");
    const wrongType = await exports.default.fetch(`${BASE}${path}`, {
      method: "POST",
      headers: { ...OPERATOR, "content-type": "text/plain" },
      body: "{}",
    });
    await expectProblem(wrongType, 415, "unsupported_media_type");
    const huge = await exports.default.fetch(`${BASE}${path}`, {
      method: "POST",
      headers: OPERATOR,
      body: "x".repeat(300_000),
    });
    await expectProblem(huge, 413, "payload_too_large");
    expect(await l3()).toEqual(before);
  });
});
