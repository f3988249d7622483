/**
 * Many accounts trade several instruments in parallel while every object is
 * aborted at random points; clients retry with the same client_order_id as a
 * real client would. Once the system quiesces, the settlement invariants hold:
 * money is conserved per asset (balances plus fees equal deposits), nothing
 * available is negative, every trade settled exactly once on each side, every
 * acknowledged order is in its account and (while open) in its book, and an
 * account with no open orders holds nothing.
 */
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { OrderView, StoredOutcome } from "../../durable-objects/account/index.ts";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { FEES_NAME } from "../../durable-objects/fees/index.ts";
import { parseAmount } from "../../shared/ledger/assets.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";

const SYMBOLS = ["CCA-USD", "CCB-USD", "CCC-USD"];
const ACCOUNTS = 6;
const ROUNDS = Number(process.env.CONCURRENCY_ROUNDS ?? 10);
const OPS_PER_ROUND = 14;
const DEPOSIT: Record<string, string> = { USD: "100000", CCA: "500", CCB: "500", CCC: "500" };

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function prng(seed: number) {
  let x = seed >>> 0;
  return (k: number) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % k;
  };
}

type Op = () => Promise<StoredOutcome | { ok: false; code: string }>;

/** Calls `op` until it gets an answer (objects may be aborted under it); a real client retries the same way. */
async function untilAnswered(op: Op): Promise<StoredOutcome | { ok: false; code: string }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const outcome = await op();
      if (outcome.ok || outcome.code !== "order_status_unknown") return outcome;
    } catch {
      // The object was aborted mid-call: try again.
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("no answer after 50 attempts");
}

const toMinor = (amount: string, asset: string) => {
  const parsed = parseAmount(amount, asset);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.amount;
};

describe("order entry under concurrency and aborts", () => {
  it("keeps every settlement invariant", { timeout: 120_000 }, async () => {
    for (const symbol of SYMBOLS) {
      await listInstrument(testInstrument(symbol, { maker_fee_bps: 10, taker_fee_bps: 25, price_band_pct: "20" }));
    }
    const accounts: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const account = `cc-${i}`;
      const stub = accountStub(env.ACCOUNT, account);
      const created = await stub.createAccount(account, { key: { scopes: ["read", "trade"] } });
      if (!created.ok) throw new Error(created.message);
      for (const [asset, amount] of Object.entries(DEPOSIT)) {
        await stub.deposit(account, { asset, amount, reference: `seed-${asset}` });
      }
      accounts.push(account);
    }

    const rand = prng(20261124);
    const acknowledged = new Map<string, { account: string; order_id: string }>();
    let placed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const ops: Promise<unknown>[] = [];
      for (let k = 0; k < OPS_PER_ROUND; k++) {
        const account = accounts[rand(ACCOUNTS)] as string;
        const stub = () => accountStub(env.ACCOUNT, account);
        const symbol = SYMBOLS[rand(SYMBOLS.length)] as string;
        const roll = rand(100);
        if (roll < 60 || acknowledged.size === 0) {
          const side = rand(2) === 0 ? "buy" : "sell";
          const client = `c${++placed}`;
          const market = roll < 8;
          const price = (100 + (side === "buy" ? -1 : 1) * (rand(6) - 2)).toFixed(2);
          const input = market
            ? { client_order_id: client, instrument: symbol, side, type: "market", size: `${1 + rand(3)}` }
            : { client_order_id: client, instrument: symbol, side, type: "limit", price, size: `${1 + rand(4)}.5` };
          ops.push(
            untilAnswered(() => stub().placeOrder(account, input)).then((outcome) => {
              if (outcome.ok && "order" in outcome) {
                acknowledged.set(client, { account, order_id: outcome.order.order_id });
              }
            }),
          );
        } else {
          const known = [...acknowledged.values()];
          const target = known[rand(known.length)] as { account: string; order_id: string };
          const owner = accountStub(env.ACCOUNT, target.account);
          if (roll < 85)
            ops.push(untilAnswered(() => owner.cancelOrder(target.account, { order_id: target.order_id })));
          else {
            const size = `${1 + rand(3)}`;
            ops.push(untilAnswered(() => owner.amendOrder(target.account, { order_id: target.order_id }, { size })));
          }
        }
      }
      // Abort everything at a random point while the round's calls are in flight.
      if (rand(3) === 0) {
        await new Promise((r) => setTimeout(r, rand(15)));
        await abortAllDurableObjects();
      }
      await Promise.all(ops);
    }

    // Quiesce: books sweep their outboxes, accounts resolve orders whose answer was lost.
    for (let pass = 0; pass < 5; pass++) {
      for (const symbol of SYMBOLS) await runDurableObjectAlarm(env.ORDER_BOOK.getByName(symbol));
      for (const account of accounts) await runDurableObjectAlarm(accountStub(env.ACCOUNT, account));
      await new Promise((r) => setTimeout(r, 30));
    }
    for (const symbol of SYMBOLS) expect(await env.ORDER_BOOK.getByName(symbol).outboxSize()).toBe(0);

    // Every acknowledged order is in its account; open ones rest in their book, done ones do not.
    const ordersOf = new Map<string, OrderView[]>();
    for (const account of accounts) {
      const all: OrderView[] = [];
      let before: number | undefined;
      do {
        const page = await accountStub(env.ACCOUNT, account).listOrders(account, { limit: 200, before });
        all.push(...page.items);
        before = page.next_before ?? undefined;
      } while (before !== undefined);
      ordersOf.set(account, all);
      expect(all.filter((o) => o.status === "pending_new")).toEqual([]);
    }
    const byId = new Map([...ordersOf.values()].flat().map((o) => [o.order_id, o]));
    for (const { order_id } of acknowledged.values()) expect(byId.has(order_id)).toBe(true);
    for (const symbol of SYMBOLS) {
      const l3 = await env.ORDER_BOOK.getByName(symbol).book(3, 1_000);
      const resting = new Set([...l3.bids, ...l3.asks].map((o) => (o as { order_id: string }).order_id));
      const open = [...byId.values()].filter(
        (o) => o.instrument === symbol && (o.status === "new" || o.status === "partially_filled"),
      );
      expect(new Set(open.map((o) => o.order_id))).toEqual(resting);
    }

    // Every trade settled exactly once on each side.
    let trades = 0;
    for (const symbol of SYMBOLS) {
      const rows = await runInDurableObject(env.ORDER_BOOK.getByName(symbol), (_obj, state) =>
        state.storage.sql.exec("SELECT trade_id, maker_order_id, taker_order_id FROM trades").toArray(),
      );
      for (const row of rows) {
        trades++;
        for (const id of [row.maker_order_id, row.taker_order_id] as string[]) {
          const owner = byId.get(id);
          expect(owner, `order ${id} of trade ${row.trade_id}`).toBeDefined();
          const account = accounts.find((a) => ordersOf.get(a)?.some((o) => o.order_id === id)) as string;
          const fills = await accountStub(env.ACCOUNT, account).listFills(account, { order_id: id, limit: 1_000 });
          expect(fills.items.filter((f) => f.fill_id === `${symbol}:${row.trade_id}`)).toHaveLength(1);
        }
      }
    }
    expect(trades).toBeGreaterThan(10);

    // Money is conserved: per asset, balances plus the fees account equal what was deposited.
    const conserved = async () => {
      const totals = new Map<string, bigint>();
      let feesPaid = 0n;
      for (const account of accounts) {
        const b = await accountStub(env.ACCOUNT, account).balances(account);
        if (!b.ok) throw new Error(b.code);
        for (const row of b.balances) {
          expect(toMinor(row.available, row.asset) >= 0n).toBe(true);
          totals.set(row.asset, (totals.get(row.asset) ?? 0n) + toMinor(row.total, row.asset));
        }
        for (const o of ordersOf.get(account) ?? []) feesPaid += toMinor(o.fees, "USD");
      }
      // The fees account holds exactly what the orders paid.
      const fees = await env.FEES.getByName(FEES_NAME).summary();
      const collected = fees.assets.find((a) => a.asset === "USD")?.collected ?? "0";
      expect(toMinor(collected, "USD")).toBe(feesPaid);
      expect(feesPaid).toBeGreaterThan(0n);
      totals.set("USD", (totals.get("USD") ?? 0n) + toMinor(collected, "USD"));
      for (const [asset, amount] of Object.entries(DEPOSIT)) {
        expect(totals.get(asset), asset).toBe(toMinor(amount, asset) * BigInt(ACCOUNTS));
      }
    };
    await conserved();

    // With nothing open, nothing is held.
    for (const account of accounts) {
      await untilAnswered(() => accountStub(env.ACCOUNT, account).cancelAllOrders(account, {}));
    }
    for (const account of accounts) {
      const b = await accountStub(env.ACCOUNT, account).balances(account);
      if (!b.ok) throw new Error(b.code);
      for (const row of b.balances) expect(toMinor(row.hold, row.asset), `${account} ${row.asset}`).toBe(0n);
    }
  });
});
