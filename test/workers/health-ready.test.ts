/**
 * `GET /v1/health/ready`: operator only; 200 when every configured dependency
 * answers; 503 naming the failed component (Postgres down, Redis unreachable),
 * within the probe deadline, and never a 500.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../workers/api/app.ts";
import type { Readiness } from "../../workers/api/health/ready.ts";

const URL = "http://platform3.test/v1/health/ready";
const OPERATOR = { authorization: `Bearer ${env.OPERATOR_TOKEN}` };
const app = createApp();

describe("GET /v1/health/ready", () => {
  it("needs the operator scope", async () => {
    const res = await exports.default.fetch(URL);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  it("probes every dependency and answers 200 when all answer", async () => {
    const res = await exports.default.fetch(URL, { headers: OPERATOR });
    expect(res.status).toBe(200);
    const body = await res.json<Readiness>();
    expect(body.status).toBe("ready");
    expect(body.failed).toEqual([]);
    const status = Object.fromEntries(body.components.map((c) => [c.component, c.status]));
    expect(status).toMatchObject({
      postgres: "ok",
      redis: "not_configured",
      queue: "ok",
      feed: "ok",
      "instrument-registry": "ok",
      "book:BTC-USD": "ok",
    });
  });

  it("answers 503 naming Postgres when it is down, within the probe deadline", async () => {
    const down = { ...env, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none", READY_PROBE_TIMEOUT_MS: "1500" };
    const started = Date.now();
    const res = await app.request(URL, { headers: OPERATOR }, down);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    const body = await res.json<Readiness>();
    expect(body.status).toBe("not_ready");
    expect(body.failed).toEqual(["postgres"]);
    expect(body.components.find((c) => c.component === "postgres")?.detail).toBeTruthy();
  });

  it("names Redis when it is configured but unreachable", async () => {
    const vars = { ...env, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1", UPSTASH_REDIS_REST_TOKEN: "t" };
    const res = await app.request(URL, { headers: OPERATOR }, vars);
    expect(res.status).toBe(503);
    expect((await res.json<Readiness>()).failed).toContain("redis");
  });
});
