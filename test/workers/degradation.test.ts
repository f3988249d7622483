/**
 * The degradation table (docs/degradation.md), row by row where the workers environment
 * can induce it: the whole app (`createApp()`) with one dependency down (a closed port
 * for Postgres, Redis, Kafka REST and the trace collector; an object namespace whose
 * chosen objects throw what workerd throws for an overloaded or reset object) answers
 * what the table says, and everything else keeps working.
 */
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Envelope } from "../../shared/events/envelope.ts";
import { createApp } from "../../workers/api/app.ts";
import type { Env } from "../../workers/api/env.ts";
import { forgetInstruments } from "../../workers/api/instruments.ts";
import { objectBreakers } from "../../workers/api/objects/breakers.ts";
import { handleEventBatch } from "../../workers/consumer/index.ts";
import { fundedTrader, type Trader } from "./account-helpers.ts";
import { expectProblem, OPERATOR } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import { hasDb, sql } from "./postgres-helpers.ts";

const BASE = "http://platform3.test/v1";
const tag = Math.random().toString(36).slice(2, 6).toUpperCase();
const SYMBOL = `DG${tag}-USD`;
const OTHER = `DH${tag}-USD`;
const app = createApp();

let ip = 0;
const freshIp = () => `198.51.${(++ip >> 8) & 255}.${ip & 255}`;

async function call(path: string, init: RequestInit = {}, vars: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`${BASE}${path}`, init), { ...env, ...vars } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const order = (who: Trader, id: string, vars: Partial<Env> = {}, symbol = SYMBOL) =>
  call(
    "/orders",
    {
      method: "POST",
      headers: { ...who.headers, "content-type": "application/json", "cf-connecting-ip": freshIp() },
      body: JSON.stringify({
        client_order_id: id,
        instrument: symbol,
        side: "buy",
        type: "limit",
        price: "1.00",
        size: "1",
      }),
    },
    vars,
  );

/** What workerd throws for an object with too many requests queued. */
function overloaded(): Error {
  return Object.assign(new Error("Durable Object is overloaded. Too many requests queued."), {
    overloaded: true,
    retryable: false,
  });
}

/**
 * `ns` with the objects `down(name)` picks failing: every method call on their stubs
 * rejects with `error()` (the others are the real objects).
 */
function failing<T extends object>(ns: T, down: (name: string) => boolean, error: () => unknown = overloaded): T {
  const stubOf = (stub: object, name: string) =>
    new Proxy(stub, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof prop !== "string" || prop === "then" || typeof value !== "function" || !down(name)) return value;
        return () => Promise.reject(error());
      },
    });
  return new Proxy(ns, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      if (prop === "get" || prop === "getByName") {
        return (address: unknown, ...rest: unknown[]) => {
          const name = typeof address === "string" ? address : String((address as { name?: string }).name ?? address);
          return stubOf((value as (...a: unknown[]) => object).call(target, address, ...rest), name);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

let trader: Trader;
let other: Trader;

beforeAll(async () => {
  await listInstrument(testInstrument(SYMBOL));
  await listInstrument(testInstrument(OTHER));
  trader = await fundedTrader({ USD: "1000" });
  other = await fundedTrader({ USD: "1000" });
});

afterEach(() => {
  objectBreakers.reset();
  forgetInstruments();
});

describe("an OrderBook object down", () => {
  it("its market data answers 503 object_unavailable, then object_circuit_open with Retry-After; other books answer", async () => {
    // Replicas off: the row is about the book's breaker (geo-replica.test.ts has the replicas' answer).
    const vars = { ORDER_BOOK: failing(env.ORDER_BOOK, (name) => name === SYMBOL), MARKET_DATA_REPLICAS: "false" };
    for (let i = 0; i < 3; i++) {
      const res = await call(`/instruments/${SYMBOL}/book?level=2`, {}, vars);
      await expectProblem(res, 503, "object_unavailable");
      expect(res.headers.get("retry-after")).toBe("1");
    }
    expect(objectBreakers.state("order_book", SYMBOL)).toBe("open");
    const refused = await call(`/instruments/${SYMBOL}/trades`, {}, vars);
    const body = await expectProblem(refused, 503, "object_circuit_open");
    expect(body).toMatchObject({ dependency: "order_book" });
    // The first cool-off is 2 s with jitter (1–2 s).
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    // One failing book does not cut off the others.
    expect((await call(`/instruments/${OTHER}/book?level=2`, {}, vars)).status).toBe(200);
    // The class's gauge shows the open breaker (no symbol label).
    const scrape = await exports.default.fetch(`${BASE}/admin/metrics`, {
      headers: { authorization: OPERATOR, "cf-connecting-ip": freshIp() },
    });
    expect(await scrape.text()).toMatch(/^p3_breaker_state\{dependency="order_book"\} 2$/m);
  });

  it("public market data answers from the edge cache for MARKET_DATA_CACHE_MS while its book is down", async () => {
    const path = `/instruments/${SYMBOL}/book?level=2&depth=3`;
    expect((await call(path)).status).toBe(200);
    const vars = { ORDER_BOOK: failing(env.ORDER_BOOK, (name) => name === SYMBOL), MARKET_DATA_REPLICAS: "false" };
    const cached = await call(path, {}, vars);
    expect(cached.status).toBe(200);
    expect(cached.headers.get("x-cache")).toBe("HIT");
    await expectProblem(
      await call(path, { headers: { "cache-control": "no-cache" } }, vars),
      503,
      "object_unavailable",
    );
  });

  it("closes again after the cool-off when the probe succeeds", async () => {
    let down = true;
    const vars = {
      ORDER_BOOK: failing(env.ORDER_BOOK, (name) => down && name === SYMBOL),
      MARKET_DATA_REPLICAS: "false",
    };
    for (let i = 0; i < 3; i++) await call(`/instruments/${SYMBOL}/book?level=2`, {}, vars);
    await expectProblem(await call(`/instruments/${SYMBOL}/book?level=2`, {}, vars), 503, "object_circuit_open");
    down = false;
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await call(`/instruments/${SYMBOL}/book?level=2`, {}, vars)).status).toBe(200);
    expect(objectBreakers.state("order_book", SYMBOL)).toBe("closed");
  });

  it("an exception the object's own code throws does not count against its breaker", async () => {
    const remote = () => Object.assign(new Error("a bug in the object"), { remote: true });
    const vars = { ORDER_BOOK: failing(env.ORDER_BOOK, (name) => name === SYMBOL, remote) };
    for (let i = 0; i < 5; i++) {
      await expectProblem(await call(`/instruments/${SYMBOL}/trades?limit=${i + 1}`, {}, vars), 500, "internal_error");
    }
    expect(objectBreakers.state("order_book", SYMBOL)).toBe("closed");
  });
});

describe("an Account object down", () => {
  it("its routes answer 503 (orders: status unknown, then object_circuit_open: not sent); other accounts trade", async () => {
    const vars = { ACCOUNT: failing(env.ACCOUNT, (name) => name === trader.account) };
    const first = await order(trader, `dg-a-${tag}-1`, vars);
    expect(first.status).toBe(503);
    let code = "";
    for (let i = 0; i < 4 && code !== "object_circuit_open"; i++) {
      const res = await call(
        "/accounts/me/balances",
        { headers: { ...trader.headers, "cf-connecting-ip": freshIp() } },
        vars,
      );
      expect(res.status).toBe(503);
      code = ((await res.json()) as { code: string }).code;
      expect(["object_unavailable", "object_circuit_open"]).toContain(code);
    }
    expect(code).toBe("object_circuit_open");
    const refused = await order(trader, `dg-a-${tag}-2`, vars);
    await expectProblem(refused, 503, "object_circuit_open");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Another account keeps trading through the same isolate.
    expect((await order(other, `dg-b-${tag}-1`, vars)).status).toBe(201);
  });
});

describe("the InstrumentRegistry down", () => {
  it("instrument lookups and order entry answer 503 with Retry-After; routes that need none keep answering", async () => {
    const vars = { INSTRUMENTS: failing(env.INSTRUMENTS, () => true) };
    const res = await call("/instruments", {}, vars);
    await expectProblem(res, 503, "object_unavailable");
    expect(res.headers.get("retry-after")).toBe("1");
    // Order entry looks the instrument up first: refused before the account is called.
    const refused = await order(trader, `dg-reg-${tag}`, vars);
    expect(refused.status).toBe(503);
    expect(["object_unavailable", "object_circuit_open"]).toContain(((await refused.json()) as { code: string }).code);
    const balances = await call(
      "/accounts/me/balances",
      { headers: { ...trader.headers, "cf-connecting-ip": freshIp() } },
      vars,
    );
    expect(balances.status).toBe(200);
  });
});

describe("Postgres down", () => {
  it("trading goes on; history answers 503 history_unavailable with Retry-After", async () => {
    const down = { DATABASE_URL: `postgres://nobody@127.0.0.1:1/degradation-${tag}` };
    expect((await order(trader, `dg-pg-${tag}`, down)).status).toBe(201);
    const res = await call("/history/orders", { headers: { ...trader.headers, "cf-connecting-ip": freshIp() } }, down);
    await expectProblem(res, 503, "history_unavailable");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});

describe("Redis down", () => {
  it("rate limits fall back to the RateLimiter object and cached reads to the book: everything answers", async () => {
    const down = { UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1", UPSTASH_REDIS_REST_TOKEN: "t" };
    expect((await order(trader, `dg-redis-${tag}`, down)).status).toBe(201);
    expect((await call(`/instruments/${SYMBOL}/ticker`, {}, down)).status).toBe(200);
    expect((await call(`/instruments/${SYMBOL}/book?level=1`, {}, down)).status).toBe(200);
  });
});

describe("the trace collector down", () => {
  it("requests answer as usual; the spans are dropped", async () => {
    const down = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:1", OTEL_EXPORTER_OTLP_TIMEOUT: "500" };
    expect((await order(trader, `dg-otlp-${tag}`, down)).status).toBe(201);
    expect((await call(`/instruments/${SYMBOL}/book?level=2`, {}, down)).status).toBe(200);
  });
});

describe("the metrics hub down", () => {
  it("trading goes on; the scrape answers from this isolate's memory, counting the failed push", async () => {
    const down = {
      METRICS_HUB: failing(
        env.METRICS_HUB,
        () => true,
        () => new Error("hub unreachable"),
      ),
      METRICS_SCRAPE_TIMEOUT_MS: "500",
    };
    expect((await order(trader, `dg-hub-${tag}`, down)).status).toBe(201);
    const scrape = await call(
      "/admin/metrics",
      { headers: { authorization: OPERATOR, "cf-connecting-ip": freshIp() } },
      down,
    );
    expect(scrape.status).toBe(200);
    // What this isolate could not push is shown from memory, with the failed push counted.
    const text = await scrape.text();
    expect(text).toMatch(/^p3_metrics_push_errors_total\{holder="edge"\} [1-9]/m);
  });
});

describe.skipIf(!hasDb)("Kafka REST down", () => {
  it("the consumer still writes Postgres, and the batch goes back to the Queue for Kafka", async () => {
    const key = `DGK${tag}-USD`;
    const events: Envelope[] = [1, 2].map((seq) => ({
      stream: "book",
      key,
      seq,
      at: 1_773_232_200_000 + seq,
      type: "trade",
      body: {
        type: "trade",
        trade_id: seq,
        price: "1.00",
        size: "1",
        aggressor_side: "buy",
        maker_order_id: `m${seq}`,
        taker_order_id: `t${seq}`,
      },
    }));
    const batch = createMessageBatch<Envelope>(
      "platform3-events",
      events.map((body) => ({ id: `dg-${body.key}-${body.seq}`, timestamp: body.at, attempts: 1, body })),
    );
    const retryAll = vi.spyOn(batch, "retryAll");
    const kafkaDown = {
      ...env,
      KAFKA_REST_URL: "http://127.0.0.1:1",
      KAFKA_CLUSTER_ID: "lkc-down",
      KAFKA_REST_USERNAME: "u",
      KAFKA_REST_PASSWORD: "p",
    };
    const ctx = createExecutionContext();
    const outcome = await handleEventBatch(batch, kafkaDown);
    expect(outcome.acked).toBe(0);
    expect(outcome.error).toMatch(/Kafka REST/);
    expect(retryAll).toHaveBeenCalled();
    expect((await getQueueResult(batch, ctx)).ackAll).toBe(false);
    const rows = await sql<{ seq: string }>("SELECT seq::text FROM journal WHERE stream = 'book' AND key = $1", [key]);
    expect(rows.map((r) => r.seq).sort()).toEqual(["1", "2"]);
  });
});
