/**
 * Accounts and balances end to end (the real app, `exports.default.fetch`):
 * operator deposits and withdrawals idempotent by reference, insufficient
 * funds with the amounts, bad amounts refused without a change, balances and
 * ledger paging (cursor, time range, asset), isolation between accounts and
 * scopes, the kill switch, persistence across a crash of every object, and a
 * property over random transfers across accounts.
 */
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { formatAmount } from "../../shared/ledger/index.ts";
import { bearer, createAccount, expectProblem, OPERATOR, tokenFor } from "./auth-helpers.ts";

const BASE = "http://platform3.test/v1";
const JSON_TYPE = { "content-type": "application/json" };

let ipCounter = 0;
/** A fresh client address per caller, so per-IP budgets never interfere between tests. */
const freshIp = () => `198.18.${(++ipCounter >> 8) & 255}.${ipCounter & 255}`;

interface Trader {
  account: string;
  headers: Record<string, string>;
}

async function trader(scopes: ("read" | "trade" | "admin")[] = ["read", "trade"]): Promise<Trader> {
  const created = await createAccount(scopes);
  const { access_token } = await tokenFor(created.keyId, created.secret);
  return { account: created.account, headers: { ...bearer(access_token), "cf-connecting-ip": freshIp() } };
}

const operator = { authorization: OPERATOR, "cf-connecting-ip": "198.19.0.1" };

function api(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, init);
}

function transfer(
  account: string,
  kind: "deposits" | "withdrawals",
  body: unknown,
  headers: Record<string, string> = operator,
): Promise<Response> {
  return api(`/admin/accounts/${account}/${kind}`, {
    method: "POST",
    headers: { ...headers, ...JSON_TYPE },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

interface BalanceRow {
  asset: string;
  total: string;
  available: string;
  hold: string;
}

interface Entry {
  entry_id: number;
  tx_id: number;
  time: string;
  time_ms: number;
  type: string;
  asset: string;
  amount: string;
  balance: string;
  hold: string;
  reference: string;
}

async function adminBalances(account: string): Promise<BalanceRow[]> {
  const res = await api(`/admin/accounts/${account}/balances`, { headers: operator });
  expect(res.status).toBe(200);
  return (await res.json<{ balances: BalanceRow[] }>()).balances;
}

async function ledgerPage(t: Trader, query = ""): Promise<{ entries: Entry[]; next_cursor: string | null }> {
  const res = await api(`/accounts/me/ledger${query ? `?${query}` : ""}`, { headers: t.headers });
  if (res.status !== 200) throw new Error(`ledger ${query}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Every entry, newest first, following cursors `limit` at a time. */
async function wholeLedger(t: Trader, limit: number, extra = ""): Promise<Entry[]> {
  const out: Entry[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const q = new URLSearchParams(extra);
    q.set("limit", String(limit));
    if (cursor) q.set("cursor", cursor);
    const page = await ledgerPage(t, q.toString());
    out.push(...page.entries);
    if (page.next_cursor === null) return out;
    cursor = page.next_cursor;
  }
  throw new Error("ledger paging did not end");
}

async function deposit(account: string, asset: string, amount: string, reference: string): Promise<void> {
  const res = await transfer(account, "deposits", { asset, amount, reference });
  if (res.status !== 201) throw new Error(`deposit: ${res.status} ${await res.text()}`);
}

describe("deposits and withdrawals", () => {
  it("credits once per reference and answers retries with the first outcome", async () => {
    const t = await trader();
    const res = await transfer(t.account, "deposits", { asset: "USD", amount: "1000.5", reference: "wire-1" });
    expect(res.status).toBe(201);
    const first = await res.json<Record<string, unknown>>();
    expect(first).toMatchObject({
      account_id: t.account,
      reference: "wire-1",
      type: "deposit",
      asset: "USD",
      amount: "1000.50000000",
      replayed: false,
      balance: { asset: "USD", total: "1000.50000000", available: "1000.50000000", hold: "0.00000000" },
    });
    expect(first.time).toBe(new Date(first.time_ms as number).toISOString());

    const again = await transfer(t.account, "deposits", { asset: "USD", amount: "1000.50", reference: "wire-1" });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ...first, replayed: true });

    // The same reference for anything else is a conflict, and changes nothing.
    const conflict = await expectProblem(
      await transfer(t.account, "deposits", { asset: "USD", amount: "1", reference: "wire-1" }),
      409,
      "reference_conflict",
    );
    expect(conflict.original).toMatchObject({ tx_id: first.tx_id, amount: "1000.50000000" });
    await expectProblem(
      await transfer(t.account, "withdrawals", { asset: "USD", amount: "1000.5", reference: "wire-1" }),
      409,
      "reference_conflict",
    );
    expect(await adminBalances(t.account)).toEqual([
      { asset: "USD", total: "1000.50000000", available: "1000.50000000", hold: "0.00000000" },
    ]);
    expect((await ledgerPage(t)).entries).toHaveLength(1);
  });

  it("refuses a withdrawal beyond available with the amounts, then accepts one within", async () => {
    const t = await trader();
    await deposit(t.account, "BTC", "2", "btc-in");
    const body = await expectProblem(
      await transfer(t.account, "withdrawals", { asset: "BTC", amount: "2.00000001", reference: "out-1" }),
      409,
      "insufficient_available",
    );
    expect(body).toMatchObject({ asset: "BTC", available: "2.00000000", requested: "2.00000001" });
    await expectProblem(
      await transfer(t.account, "withdrawals", { asset: "EUR", amount: "1", reference: "out-eur" }),
      409,
      "insufficient_available",
    );
    // A refused reference stays unused: the retry after funding goes through.
    const ok = await transfer(t.account, "withdrawals", { asset: "BTC", amount: "0.5", reference: "out-1" });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({
      type: "withdrawal",
      amount: "0.50000000",
      balance: { total: "1.50000000", available: "1.50000000" },
    });
    const replay = await transfer(t.account, "withdrawals", { asset: "BTC", amount: "0.5", reference: "out-1" });
    expect(replay.status).toBe(200);
    expect(await adminBalances(t.account)).toEqual([
      { asset: "BTC", total: "1.50000000", available: "1.50000000", hold: "0.00000000" },
    ]);
    const [out] = (await ledgerPage(t)).entries;
    expect(out).toMatchObject({ type: "withdrawal", amount: "-0.50000000", balance: "1.50000000", reference: "out-1" });
  });

  it("refuses malformed, negative, zero and off-grid amounts and bad fields with 400, changing nothing", async () => {
    const t = await trader();
    await deposit(t.account, "USD", "10", "seed");
    const before = { balances: await adminBalances(t.account), ledger: await wholeLedger(t, 1000) };
    const bad: unknown[] = [
      { asset: "USD", amount: "-1", reference: "b1" },
      { asset: "USD", amount: "0", reference: "b2" },
      { asset: "USD", amount: "0.000000001", reference: "b3" },
      { asset: "AAPL", amount: "0.5", reference: "b4" },
      { asset: "USD", amount: "1e3", reference: "b5" },
      { asset: "USD", amount: "abc", reference: "b6" },
      { asset: "USD", amount: "", reference: "b7" },
      { asset: "USD", amount: " 1", reference: "b8" },
      { asset: "USD", amount: 100, reference: "b9" },
      { asset: "USD", amount: "NaN", reference: "b10" },
      { asset: "USD", amount: "Infinity", reference: "b11" },
      { asset: "USD", amount: "9".repeat(65), reference: "b12" },
      { asset: "usd", amount: "1", reference: "b13" },
      { asset: "USD", amount: "1" },
      { asset: "USD", amount: "1", reference: "" },
      { asset: "USD", amount: "1", reference: "has space" },
      { asset: "USD", amount: "1", reference: "b14", extra: true },
      { amount: "1", reference: "b15" },
    ];
    for (const kind of ["deposits", "withdrawals"] as const) {
      for (const body of bad) {
        const res = await transfer(t.account, kind, body);
        const problem = await expectProblem(res, 400, "invalid_request");
        expect(typeof problem.detail).toBe("string");
      }
      await expectProblem(await transfer(t.account, kind, "{"), 400, "bad_request");
    }
    const offGrid = await expectProblem(
      await transfer(t.account, "deposits", { asset: "USD", amount: "1.123456789", reference: "og" }),
      400,
      "invalid_request",
    );
    expect(offGrid.errors).toEqual([{ field: "amount", message: "USD amounts have at most 8 fraction digits" }]);
    expect({ balances: await adminBalances(t.account), ledger: await wholeLedger(t, 1000) }).toEqual(before);
  });

  it("answers 404 account_not_found for an account never created, without creating it", async () => {
    const ghost = `ghost-${Date.now().toString(36)}`;
    await expectProblem(
      await transfer(ghost, "deposits", { asset: "USD", amount: "1", reference: "r" }),
      404,
      "account_not_found",
    );
    await expectProblem(
      await transfer(ghost, "withdrawals", { asset: "USD", amount: "1", reference: "r" }),
      404,
      "account_not_found",
    );
    await expectProblem(
      await api(`/admin/accounts/${ghost}/balances`, { headers: operator }),
      404,
      "account_not_found",
    );
    await expectProblem(
      await api(`/admin/accounts/${ghost}`, {
        method: "PATCH",
        headers: { ...operator, ...JSON_TYPE },
        body: JSON.stringify({ trading_enabled: false }),
      }),
      404,
      "account_not_found",
    );
    const tables = await runInDurableObject(accountStub(env.ACCOUNT, ghost), async (_o, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'account'").toArray(),
    );
    expect(tables).toEqual([]);
    // A malformed account id is a bad request, not a lookup.
    await expectProblem(await api("/admin/accounts/bad_id/balances", { headers: operator }), 400, "invalid_request");
  });
});

describe("kill switch", () => {
  it("stores trading_enabled and shows it with the balances", async () => {
    const t = await trader();
    const patch = (body: string) =>
      api(`/admin/accounts/${t.account}`, { method: "PATCH", headers: { ...operator, ...JSON_TYPE }, body });
    expect(await (await api(`/admin/accounts/${t.account}/balances`, { headers: operator })).json()).toEqual({
      account_id: t.account,
      trading_enabled: true,
      balances: [],
    });
    const off = await patch(JSON.stringify({ trading_enabled: false }));
    expect(off.status).toBe(200);
    const body = await off.json<Record<string, unknown>>();
    expect(body).toMatchObject({ account_id: t.account, trading_enabled: false });
    expect(body.changed_at).toBe(new Date(body.changed_at_ms as number).toISOString());
    expect(
      (
        await (
          await api(`/admin/accounts/${t.account}/balances`, { headers: operator })
        ).json<{ trading_enabled: boolean }>()
      ).trading_enabled,
    ).toBe(false);
    for (const bad of ['{"trading_enabled":"no"}', "{}", '{"trading_enabled":false,"x":1}', "[]"]) {
      await expectProblem(await patch(bad), 400, "invalid_request");
    }
    const on = await patch(JSON.stringify({ trading_enabled: true }));
    expect(await on.json()).toMatchObject({ trading_enabled: true });
  });
});

describe("who sees what", () => {
  it("shows traders only their own balances and ledger, and keeps operator routes to admin", async () => {
    const alice = await trader();
    const bob = await trader();
    await deposit(alice.account, "USD", "100", "a-1");
    await deposit(bob.account, "EUR", "7", "b-1");
    const mine = await api("/accounts/me/balances", { headers: alice.headers });
    expect(mine.status).toBe(200);
    expect(await mine.json()).toEqual({
      balances: [{ asset: "USD", total: "100.00000000", available: "100.00000000", hold: "0.00000000" }],
    });
    const theirs = await ledgerPage(bob);
    expect(theirs.entries.map((e) => e.reference)).toEqual(["b-1"]);

    // Operator routes need admin: a read/trade key gets 403, nobody gets 401.
    await expectProblem(
      await api(`/admin/accounts/${bob.account}/balances`, { headers: alice.headers }),
      403,
      "missing_scope",
    );
    await expectProblem(
      await transfer(alice.account, "deposits", { asset: "USD", amount: "1", reference: "self" }, alice.headers),
      403,
      "missing_scope",
    );
    await expectProblem(await api(`/admin/accounts/${bob.account}/balances`), 401, "unauthorized");
    await expectProblem(await api("/accounts/me/balances"), 401, "unauthorized");
    await expectProblem(await api("/accounts/me/ledger"), 401, "unauthorized");
    // An admin key works like the operator token.
    const admin = await trader(["read", "admin"]);
    const viaAdmin = await api(`/admin/accounts/${bob.account}/balances`, { headers: admin.headers });
    expect(viaAdmin.status).toBe(200);
    expect(await adminBalances(alice.account)).toHaveLength(1);
  });
});

describe("ledger", () => {
  it("pages newest first with opaque cursors, filters by asset and time, and refuses bad queries", async () => {
    const t = await trader();
    const steps: [string, string, string][] = [
      ["USD", "100", "d1"],
      ["BTC", "1", "d2"],
      ["USD", "50.25", "d3"],
      ["EUR", "3", "d4"],
      ["BTC", "0.5", "d5"],
      ["USD", "25", "d6"],
    ];
    for (const [asset, amount, ref] of steps) {
      await deposit(t.account, asset, amount, ref);
      await new Promise((r) => setTimeout(r, 3));
    }
    const w = await transfer(t.account, "withdrawals", { asset: "USD", amount: "0.25", reference: "w1" });
    expect(w.status).toBe(201);

    const all = await wholeLedger(t, 1000);
    expect(all.map((e) => e.reference)).toEqual(["w1", "d6", "d5", "d4", "d3", "d2", "d1"]);
    const ids = all.map((e) => e.entry_id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    expect(all[0]).toMatchObject({ asset: "USD", amount: "-0.25000000", balance: "175.00000000", hold: "0.00000000" });
    for (const e of all) expect(e.time).toBe(new Date(e.time_ms).toISOString());

    // Paging by 2 gives the same entries; the cursor is base64url of the last id.
    const first = await ledgerPage(t, "limit=2");
    expect(first.entries.map((e) => e.reference)).toEqual(["w1", "d6"]);
    expect(atob(first.next_cursor as string)).toBe(String(first.entries[1]?.entry_id));
    expect(await wholeLedger(t, 2)).toEqual(all);
    expect(await wholeLedger(t, 3)).toEqual(all);

    const usd = await wholeLedger(t, 2, "asset=USD");
    expect(usd.map((e) => e.reference)).toEqual(["w1", "d6", "d3", "d1"]);
    expect(usd.map((e) => e.balance)).toEqual(["175.00000000", "175.25000000", "150.25000000", "100.00000000"]);
    expect(await wholeLedger(t, 1000, "asset=AAPL")).toEqual([]);

    const start = (all[4] as Entry).time_ms;
    const end = (all[1] as Entry).time_ms;
    const expected = all.filter((e) => e.time_ms >= start && e.time_ms < end);
    expect(expected.length).toBeGreaterThan(0);
    expect(await wholeLedger(t, 2, `start=${start}&end=${end}`)).toEqual(expected);
    expect(await wholeLedger(t, 1000, `start=${end + 1_000_000}`)).toEqual([]);

    for (const q of [
      "limit=0",
      "limit=1001",
      "limit=x",
      "start=-1",
      "start=abc",
      `start=${end}&end=${start}`,
      "cursor=!!",
      `cursor=${btoa("abc")}`,
      `cursor=${btoa("0")}`,
      "asset=usd",
    ]) {
      await expectProblem(await api(`/accounts/me/ledger?${q}`, { headers: t.headers }), 400, "invalid_request");
    }
  });
});

describe("persistence", () => {
  it("keeps balances, the journal, ids and references across a crash of every object", async () => {
    const t = await trader();
    await deposit(t.account, "USD", "100000", "p-1");
    await deposit(t.account, "BTC", "2", "p-2");
    const w = await transfer(t.account, "withdrawals", { asset: "USD", amount: "1.5", reference: "p-3" });
    expect(w.status).toBe(201);
    await api(`/admin/accounts/${t.account}`, {
      method: "PATCH",
      headers: { ...operator, ...JSON_TYPE },
      body: JSON.stringify({ trading_enabled: false }),
    });
    const before = { balances: await adminBalances(t.account), ledger: await wholeLedger(t, 1000) };

    await abortAllDurableObjects();

    // A fresh stub: the object restarts and rebuilds its ledger from SQLite.
    const stub = accountStub(env.ACCOUNT, t.account);
    const direct = await stub.balances(t.account);
    expect(direct).toMatchObject({ ok: true, trading_enabled: false, balances: before.balances });
    expect({ balances: await adminBalances(t.account), ledger: await wholeLedger(t, 1000) }).toEqual(before);
    // Replays still answer the first outcome; new entries continue the ids.
    const replay = await transfer(t.account, "deposits", { asset: "USD", amount: "100000", reference: "p-1" });
    expect(replay.status).toBe(200);
    const next = await transfer(t.account, "deposits", { asset: "EUR", amount: "5", reference: "p-4" });
    expect(next.status).toBe(201);
    const after = await wholeLedger(t, 1000);
    expect(after.slice(1)).toEqual(before.ledger);
    expect(after[0]?.entry_id).toBe((before.ledger[0]?.entry_id ?? 0) + 1);
    expect(after[0]?.tx_id).toBe((before.ledger[0]?.tx_id ?? 0) + 1);
  });
});

// ── property ─────────────────────────────────────────────────────────────────

const ASSETS = ["USD", "BTC", "AAPL"] as const;
type Asset = (typeof ASSETS)[number];

const op = fc.record({
  who: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom("deposits", "withdrawals", "deposits", "replay"),
  asset: fc.constantFrom(...ASSETS),
  minor: fc.bigInt({ min: 1n, max: 5_000_000_000n }),
});

describe("property: random transfers across accounts", () => {
  it("conserves money per asset, never goes negative, and keeps running balances consistent", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 18 }), async (ops) => {
        run += 1;
        const traders = [await trader(), await trader(), await trader()];
        const model = traders.map(() => new Map<Asset, bigint>());
        const net = new Map<Asset, bigint>();
        const done: { who: number; kind: "deposits" | "withdrawals"; body: Record<string, string> }[] = [];
        for (const [i, o] of ops.entries()) {
          const t = traders[o.who] as Trader;
          const minor = o.asset === "AAPL" ? (o.minor % 1000n) + 1n : o.minor;
          if (o.kind === "replay") {
            const prev = done[i % Math.max(done.length, 1)];
            if (!prev) continue;
            const res = await transfer((traders[prev.who] as Trader).account, prev.kind, prev.body);
            expect(res.status).toBe(200);
            continue;
          }
          const body = { asset: o.asset, amount: formatAmount(minor, o.asset), reference: `r${run}-${i}` };
          const res = await transfer(t.account, o.kind, body);
          const have = model[o.who]?.get(o.asset) ?? 0n;
          if (o.kind === "deposits") {
            expect(res.status).toBe(201);
            model[o.who]?.set(o.asset, have + minor);
            net.set(o.asset, (net.get(o.asset) ?? 0n) + minor);
          } else if (have >= minor) {
            expect(res.status).toBe(201);
            model[o.who]?.set(o.asset, have - minor);
            net.set(o.asset, (net.get(o.asset) ?? 0n) - minor);
          } else {
            await expectProblem(res, 409, "insufficient_available");
            continue;
          }
          done.push({ who: o.who, kind: o.kind, body });
        }
        const sums = new Map<Asset, bigint>();
        for (const [k, t] of traders.entries()) {
          const rows = await adminBalances(t.account);
          for (const b of rows) {
            const asset = b.asset as Asset;
            expect(b.available.startsWith("-")).toBe(false);
            expect(b.hold).toBe(formatAmount(0n, asset));
            expect(b.total).toBe(formatAmount(model[k]?.get(asset) ?? 0n, asset));
            sums.set(asset, (sums.get(asset) ?? 0n) + toMinor(b.total, asset));
          }
          // Replaying the journal oldest first gives every running balance and the final totals.
          const entries = (await wholeLedger(t, 4)).reverse();
          const replay = new Map<Asset, bigint>();
          for (const e of entries) {
            const asset = e.asset as Asset;
            const total = (replay.get(asset) ?? 0n) + toMinor(e.amount, asset);
            expect(total >= 0n).toBe(true);
            expect(e.balance).toBe(formatAmount(total, asset));
            replay.set(asset, total);
          }
          for (const b of rows) expect(formatAmount(replay.get(b.asset as Asset) ?? 0n, b.asset)).toBe(b.total);
        }
        for (const asset of ASSETS) expect(sums.get(asset) ?? 0n).toBe(net.get(asset) ?? 0n);
      }),
      { numRuns: 12 },
    );
  });
});

/** A decimal string of `asset` in minor units (the test's own parse, independent of the server's). */
function toMinor(text: string, asset: Asset): bigint {
  const scale = asset === "AAPL" ? 0 : 8;
  const negative = text.startsWith("-");
  const [whole = "0", frac = ""] = (negative ? text.slice(1) : text).split(".");
  const minor = BigInt(whole) * 10n ** BigInt(scale) + BigInt(frac.padEnd(scale, "0") || "0");
  return negative ? -minor : minor;
}
