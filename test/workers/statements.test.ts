/**
 * Statements (issue 23): `GET /v1/accounts/me/statement` gives, for a period, each asset's
 * opening and closing balance, every ledger entry oldest first, credits, debits and fees, and the
 * fills; it reconciles against the ledger (GET /v1/accounts/me/ledger) and the balances, as JSON
 * and as CSV; bad periods are 400s that name the field.
 */
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { fundedTrader, send, type Trader } from "./account-helpers.ts";
import { expectProblem } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";

const tag = Math.random().toString(36).slice(2, 6).toUpperCase();
const SYMBOL = `ST${tag}-USD`;
const BASE = `ST${tag}`;
const NO_CACHE = { "cache-control": "no-cache" };
/** Before the accounts existed: statements from then open at zero. */
const DAY_AGO = Date.now() - 86_400_000;

const get = (path: string, who?: Trader) =>
  exports.default.fetch(`http://platform3.test/v1${path}`, { headers: { ...(who?.headers ?? {}) } });

type Statement = {
  assets: { asset: string; opening: string; closing: string; fees: string; entries: number; reconciled: boolean }[];
  entries: { entry_id: number; type: string; asset: string; amount: string; balance: string }[];
  fills: unknown[];
  reconciled: boolean;
};

describe("statements", () => {
  let seller: Trader;
  let buyer: Trader;
  let afterFunding = 0;

  beforeAll(async () => {
    await listInstrument(testInstrument(SYMBOL));
    seller = await fundedTrader({ [BASE]: "10" }, NO_CACHE);
    buyer = await fundedTrader({ USD: "1000" }, NO_CACHE);
    await new Promise((r) => setTimeout(r, 5));
    afterFunding = Date.now();
    await new Promise((r) => setTimeout(r, 5));
    const order = (id: string, side: "buy" | "sell") => ({
      client_order_id: id,
      instrument: SYMBOL,
      side,
      type: "limit",
      price: "100.00",
      size: "1",
    });
    await send("POST", "/v1/orders", seller, order("s1", "sell"));
    await send("POST", "/v1/orders", buyer, order("b1", "buy"));
    // The maker settles its fill through the book's outbox, soon after.
    for (let i = 0; i < 100; i++) {
      const fills = await (await get(`/fills?instrument=${SYMBOL}`, seller)).json<{ fills: unknown[] }>();
      if (fills.fills.length === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it("reconciles every asset from nothing to today's balance, with every ledger entry, fee and fill", async () => {
    const end = Date.now() + 1;
    const res = await get(`/accounts/me/statement?start=${DAY_AGO}&end=${end}`, buyer);
    expect(res.status).toBe(200);
    const s = await res.json<Statement>();
    expect(s.reconciled).toBe(true);
    const balances = await (await get("/accounts/me/balances", buyer)).json<{
      balances: { asset: string; total: string }[];
    }>();
    for (const b of balances.balances) {
      const line = s.assets.find((a) => a.asset === b.asset);
      expect(line).toMatchObject({ opening: expect.stringMatching(/^0(\.0+)?$/), closing: b.total, reconciled: true });
    }
    const ledger = await (await get("/accounts/me/ledger?limit=1000", buyer)).json<{
      entries: { entry_id: number }[];
    }>();
    expect(s.entries.map((e) => e.entry_id)).toEqual(ledger.entries.map((e) => e.entry_id).reverse());
    const feeEntries = s.entries.filter((e) => e.type === "fee");
    expect(feeEntries.length).toBeGreaterThan(0);
    expect(s.assets.find((a) => a.asset === "USD")?.fees).toBe(feeEntries[0]?.amount.replace("-", ""));
    expect(s.fills).toHaveLength(1);
  });

  it("opens a later period at the running balance before it", async () => {
    const s = await (
      await get(`/accounts/me/statement?start=${afterFunding}&end=${Date.now() + 1}`, buyer)
    ).json<Statement>();
    expect(s.assets.find((a) => a.asset === "USD")).toMatchObject({ opening: "1000.00000000", reconciled: true });
    expect(s.entries.every((e) => e.type !== "deposit")).toBe(true);
    const empty = await (
      await get(`/accounts/me/statement?start=${Date.now() + 1}&end=${Date.now() + 2}`, seller)
    ).json<Statement>();
    expect(empty.entries).toEqual([]);
    expect(empty.assets.every((a) => a.opening === a.closing && a.reconciled)).toBe(true);
  });

  it("answers CSV: opening rows, every entry, closing rows", async () => {
    const end = Date.now() + 1;
    const json = await (await get(`/accounts/me/statement?start=${DAY_AGO}&end=${end}`, seller)).json<Statement>();
    const res = await get(`/accounts/me/statement?start=${DAY_AGO}&end=${end}&format=csv`, seller);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="statement-/);
    const rows = (await res.text()).trimEnd().split("\r\n");
    expect(rows[0]).toBe("row,time,entry_id,tx_id,type,asset,amount,balance,reference");
    expect(rows.length).toBe(1 + 2 * json.assets.length + json.entries.length);
    const closing = rows.filter((r) => r.startsWith("closing,"));
    for (const a of json.assets) expect(closing.some((r) => r.includes(`,${a.asset},,${a.closing},`))).toBe(true);
  });

  it("refuses a bad period, format or key with the field, and no token with 401", async () => {
    const bad = async (query: string, field: string) => {
      const body = await expectProblem(await get(`/accounts/me/statement?${query}`, buyer), 400, "invalid_request");
      expect(JSON.stringify(body)).toContain(field);
    };
    await bad("start=10&end=10", "start");
    await bad(`start=0&end=${367 * 24 * 3_600_000}`, "end");
    await bad("start=0&end=10&format=xml", "format");
    await bad("end=10", "start");
    await bad("start=-1&end=10", "start");
    await bad("start=0&end=10&asset=USD", "asset");
    expect((await get("/accounts/me/statement?start=0&end=10")).status).toBe(401);
  });
});
