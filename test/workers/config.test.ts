/**
 * The operator API of the live configuration (docs/configuration.md), through the real app:
 * env defaults as version 0, If-Match (428 without, 412 on another version), a bad document
 * refused with its failing path while the old version stays live, the audit log with author
 * and reason, rollback as a new version, unknown sections, scopes, and the instruments section
 * reaching the books (a grid change refused while orders rest).
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { registryStub } from "../../durable-objects/instrument-registry/index.ts";
import { bearer, createAccount, expectProblem, OPERATOR, tokenFor } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";

const BASE = "http://platform3.test/v1";
const operator = { authorization: OPERATOR, "cf-connecting-ip": "198.19.7.1" };
const JSON_TYPE = { "content-type": "application/json" };

function api(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, init);
}

function put(section: string, document: unknown, ifMatch: string | undefined, reason = "test change") {
  const headers: Record<string, string> = { ...operator, ...JSON_TYPE };
  if (ifMatch !== undefined) headers["if-match"] = ifMatch;
  return api(`/admin/config/${section}`, { method: "PUT", headers, body: JSON.stringify({ document, reason }) });
}

async function read(section: string): Promise<{ etag: string | null; body: Record<string, unknown> }> {
  const res = await api(`/admin/config/${section}`, { headers: operator });
  expect(res.status).toBe(200);
  return { etag: res.headers.get("etag"), body: await res.json() };
}

let symbols = 0;
async function freshSymbol(): Promise<string> {
  const symbol = `CF${++symbols}${Math.random().toString(36).slice(2, 6).toUpperCase()}-USD`;
  await listInstrument(testInstrument(symbol));
  return symbol;
}

describe("GET /v1/admin/config/{section}", () => {
  it("answers version 0 with the env defaults before any write", async () => {
    const risk = await read("risk");
    expect(risk.etag).toBe('"0"');
    expect(risk.body).toMatchObject({
      section: "risk",
      version: 0,
      author: "env",
      document: { classes: { standard: { max_open_orders_per_instrument: 200 } }, accounts: {} },
    });
    // The test run sets FEED_MAX_SUBSCRIPTIONS="10" (vitest.config.ts): the feed section shows it.
    expect((await read("feed")).body.document).toMatchObject({ max_subscriptions: 10, slow_soft_limit: 100 });
  });

  it("refuses an unknown section with 404 config_section_not_found, on every route", async () => {
    await expectProblem(await api("/admin/config/timeouts", { headers: operator }), 404, "config_section_not_found");
    await expectProblem(await put("timeouts", {}, '"0"'), 404, "config_section_not_found");
    await expectProblem(
      await api("/admin/config/timeouts/versions", { headers: operator }),
      404,
      "config_section_not_found",
    );
  });

  it("needs the admin scope", async () => {
    const created = await createAccount(["read", "trade"]);
    const { access_token } = await tokenFor(created.keyId, created.secret);
    const res = await api("/admin/config/risk", {
      headers: { ...bearer(access_token), "cf-connecting-ip": "198.19.7.2" },
    });
    expect(res.status).toBe(403);
    expect(await api("/admin/config/risk")).toHaveProperty("status", 401);
  });
});

describe("PUT /v1/admin/config/{section}", () => {
  it("writes versions under If-Match: 428 without it, 412 on another version, ETag the new one", async () => {
    const doc = { classes: { admin: { limit: 500, window: "1m" } } };
    const missing = await expectProblem(await put("rate-limits", doc, undefined), 428, "config_version_required");
    expect(String(missing.detail)).toMatch(/If-Match/);
    const start = await read("rate-limits");
    const first = await put("rate-limits", doc, start.etag ?? '"0"', "raise the admin budget");
    expect(first.status).toBe(200);
    const v = Number(JSON.parse(start.etag ?? '"0"')) + 1;
    expect(first.headers.get("etag")).toBe(`"${v}"`);
    expect(await first.json()).toMatchObject({
      version: v,
      author: "operator (operator token)",
      reason: "raise the admin budget",
      document: doc,
    });
    // A second writer still holding the old ETag loses.
    const stale = await expectProblem(
      await put("rate-limits", {}, start.etag ?? '"0"'),
      412,
      "config_version_mismatch",
    );
    expect(stale.current_version).toBe(v);
    expect((await read("rate-limits")).body).toMatchObject({ version: v, document: doc });
    await expectProblem(await put("rate-limits", doc, "latest"), 400, "invalid_request");
  });

  it("refuses an invalid document with 400 naming the failing path; the old version stays live", async () => {
    const before = await read("rate-limits");
    const bad = await expectProblem(
      await put("rate-limits", { classes: { order_entry: { limit: -3, window: "10s" } } }, before.etag ?? '"0"'),
      400,
      "invalid_config",
    );
    expect(bad.path).toBe("classes.order_entry.limit");
    expect(bad.errors).toEqual([expect.objectContaining({ field: "classes.order_entry.limit" })]);
    // What only the edge can check (a route-class weight above a weighted budget) is refused too.
    const weighted = await expectProblem(
      await put("rate-limits", { ip: { limit: 3, window: "1m" } }, before.etag ?? '"0"'),
      400,
      "invalid_config",
    );
    expect(weighted.path).toBe("ip");
    const risk = await expectProblem(await put("risk", { accounts: { a1: "vip" } }, '"0"'), 400, "invalid_config");
    expect(risk.path).toBe("accounts.a1");
    expect(await read("rate-limits")).toEqual(before);
    // A body without a reason is refused by the contract.
    const noReason = await api("/admin/config/risk", {
      method: "PUT",
      headers: { ...operator, ...JSON_TYPE, "if-match": '"0"' },
      body: JSON.stringify({ document: {} }),
    });
    await expectProblem(noReason, 400, "invalid_request");
  });
});

describe("versions and rollback", () => {
  it("keeps every version with author and reason, and rolls back by writing a new version", async () => {
    const start = Number(JSON.parse((await read("fees")).etag ?? '"0"'));
    const a = { default: { taker_fee_bps: 25 }, instruments: {} };
    const b = { default: { taker_fee_bps: 40 }, instruments: {} };
    expect((await put("fees", a, `"${start}"`, "taker 25")).status).toBe(200);
    expect((await put("fees", b, `"${start + 1}"`, "taker 40")).status).toBe(200);
    const rolled = await api("/admin/config/fees/rollback", {
      method: "POST",
      headers: { ...operator, ...JSON_TYPE },
      body: JSON.stringify({ version: start + 1, reason: "40 was a mistake" }),
    });
    expect(rolled.status).toBe(200);
    expect(rolled.headers.get("etag")).toBe(`"${start + 3}"`);
    expect(await rolled.json()).toMatchObject({ version: start + 3, document: a, reason: "40 was a mistake" });

    const res = await api("/admin/config/fees/versions", { headers: operator });
    const history = await res.json<{ current: number; versions: Array<Record<string, unknown>> }>();
    expect(history.current).toBe(start + 3);
    expect(history.versions.slice(0, 3)).toEqual([
      expect.objectContaining({
        version: start + 3,
        reason: "40 was a mistake",
        document: a,
        author: "operator (operator token)",
      }),
      expect.objectContaining({ version: start + 2, reason: "taker 40", document: b }),
      expect.objectContaining({ version: start + 1, reason: "taker 25", document: a }),
    ]);
    expect(typeof history.versions[0]?.at).toBe("string");

    const missing = await api("/admin/config/fees/rollback", {
      method: "POST",
      headers: { ...operator, ...JSON_TYPE },
      body: JSON.stringify({ version: 999, reason: "no such" }),
    });
    await expectProblem(missing, 404, "config_version_not_found");
    const stale = await api("/admin/config/fees/rollback", {
      method: "POST",
      headers: { ...operator, ...JSON_TYPE, "if-match": `"${start}"` },
      body: JSON.stringify({ version: start + 1, reason: "stale" }),
    });
    await expectProblem(stale, 412, "config_version_mismatch");
    // Back to the listings' own rates for the tests below.
    expect((await put("fees", { instruments: {} }, `"${start + 3}"`, "listing rates")).status).toBe(200);
  });
});

describe("the instruments section", () => {
  it("reaches the book and the edge at once; unknown symbols and a grid change under open orders are refused", async () => {
    const symbol = await freshSymbol();
    const etag = (await read("instruments")).etag ?? '"0"';
    const unknown = await expectProblem(
      await put("instruments", { "NOPE-USD": { price_band_pct: "5" } }, etag),
      400,
      "invalid_config",
    );
    expect(unknown.path).toBe("NOPE-USD");
    const crossField = await expectProblem(
      await put("instruments", { [symbol]: { min_qty: "0.0005" } }, etag),
      400,
      "invalid_config",
    );
    expect(crossField.path).toBe(`${symbol}.min_qty`);

    const ok = await put("instruments", { [symbol]: { price_band_pct: "5", max_qty: "10" } }, etag, "tighter band");
    expect(ok.status).toBe(200);
    const version = Number(JSON.parse(ok.headers.get("etag") ?? '"0"'));
    const listed = await (await api(`/instruments/${symbol}`)).json<Record<string, unknown>>();
    expect(listed).toMatchObject({ price_band_pct: "5", max_qty: "10", tick_size: "0.01" });

    // An order resting on the book: the tick size cannot change now.
    const rest = await api(`/admin/books/${symbol}/commands`, {
      method: "POST",
      headers: { ...operator, ...JSON_TYPE },
      body: JSON.stringify({
        commands: [
          {
            type: "place",
            order_id: "o1",
            account: "a1",
            side: "buy",
            order_type: "limit",
            price: "100.00",
            size: "1",
          },
        ],
      }),
    });
    expect(rest.status).toBe(200);
    const grid = await expectProblem(
      await put("instruments", { [symbol]: { price_band_pct: "5", tick_size: "0.1" } }, `"${version}"`),
      409,
      "instrument_conflict",
    );
    expect(grid.path).toBe(`${symbol}.tick_size`);
    expect((await read("instruments")).body.version).toBe(version);
    // (Public instrument reads are cached at the edge for MARKET_DATA_CACHE_MS: ask the registry.)
    const registry = registryStub(env.INSTRUMENTS);
    expect(await registry.get(symbol)).toMatchObject({ tick_size: "0.01", price_band_pct: "5" });

    // A symbol left out of the document trades with its listed parameters again.
    expect((await put("instruments", {}, `"${version}"`, "back to the listing")).status).toBe(200);
    expect(await registry.get(symbol)).toMatchObject({ price_band_pct: "50", max_qty: "1000" });
  });
});
