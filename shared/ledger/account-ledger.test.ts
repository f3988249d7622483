import { describe, expect, it } from "vitest";
import { AccountLedger } from "./account-ledger.ts";
import type { Fill, JournalEntry } from "./types.ts";

const USD = 100_000_000n; // 1 USD in minor units
const BTC = 100_000_000n; // 1 BTC in minor units

function ledger(): AccountLedger {
  let now = 1_700_000_000_000;
  return new AccountLedger({ clock: () => now++ });
}

function fill(overrides: Partial<Fill> & Pick<Fill, "fill_id" | "order_ref" | "side">): Fill {
  return {
    base: "BTC",
    quote: "USD",
    base_amount: BTC / 10n,
    quote_amount: 5_000n * USD,
    fee: 10n * USD,
    fee_asset: "USD",
    liquidity: "taker",
    ...overrides,
  };
}

/** Replays the journal from zero; returns the final balances per asset. */
function replay(entries: readonly JournalEntry[]): Map<string, { total: bigint; hold: bigint }> {
  const out = new Map<string, { total: bigint; hold: bigint }>();
  for (const e of entries) {
    const b = out.get(e.asset) ?? { total: 0n, hold: 0n };
    b.total += e.amount;
    if (e.ledger_account === "hold") b.hold += e.amount;
    expect([b.total, b.hold]).toEqual([e.total_after, e.hold_after]);
    out.set(e.asset, b);
  }
  return out;
}

describe("deposit and withdraw", () => {
  it("credits and debits available, journaling both legs", () => {
    const l = ledger();
    expect(l.deposit("USD", 100n * USD, "wire-1")).toMatchObject({ ok: true, duplicate: false });
    expect(l.withdraw("USD", 30n * USD, "payout-1")).toMatchObject({ ok: true });
    expect(l.balance("USD")).toEqual({ total: 70n * USD, hold: 0n, available: 70n * USD });
    expect(l.balances()).toEqual([
      { asset: "USD", total: "70.00000000", hold: "0.00000000", available: "70.00000000" },
    ]);
    expect(l.entries().map((e) => [e.type, e.ledger_account, e.amount, e.total_after, e.ref])).toEqual([
      ["deposit", "available", 100n * USD, 100n * USD, "wire-1"],
      ["withdrawal", "available", -30n * USD, 70n * USD, "payout-1"],
    ]);
    expect(l.transactions()[0]?.legs).toEqual([
      { ledger_account: "external", asset: "USD", amount: -100n * USD, type: "deposit" },
      { ledger_account: "available", asset: "USD", amount: 100n * USD, type: "deposit" },
    ]);
  });

  it("refuses to withdraw more than available, with the amounts, changing nothing", () => {
    const l = ledger();
    l.deposit("USD", 10n * USD, "d");
    l.hold("o1", "USD", 4n * USD);
    const before = l.snapshot();
    expect(l.withdraw("USD", 7n * USD, "w")).toEqual({
      ok: false,
      code: "insufficient_available",
      message: expect.any(String),
      asset: "USD",
      available: 6n * USD,
      requested: 7n * USD,
    });
    expect(l.snapshot()).toEqual(before);
  });

  it("refuses non-positive amounts and bad asset codes", () => {
    const l = ledger();
    expect(l.deposit("USD", 0n, "d")).toMatchObject({ ok: false, code: "invalid_amount", amount: 0n });
    expect(l.deposit("USD", -5n, "d")).toMatchObject({ ok: false, code: "invalid_amount" });
    expect(l.deposit("usd", 5n, "d")).toMatchObject({ ok: false, code: "invalid_asset", asset: "usd" });
    expect(l.withdraw("USD", 0n, "w")).toMatchObject({ ok: false, code: "invalid_amount" });
    expect(l.entries()).toEqual([]);
  });
});

describe("hold and release", () => {
  it("moves money between available and the order's hold", () => {
    const l = ledger();
    l.deposit("USD", 100n * USD, "d");
    expect(l.hold("o1", "USD", 60n * USD)).toMatchObject({ ok: true });
    expect(l.hold("o1", "USD", 10n * USD)).toMatchObject({ ok: true }); // adds to the order's hold
    expect(l.holdOf("o1")).toEqual({ asset: "USD", amount: 70n * USD });
    expect(l.balance("USD")).toEqual({ total: 100n * USD, hold: 70n * USD, available: 30n * USD });
    expect(l.release("o1", 20n * USD)).toMatchObject({ ok: true, released: 20n * USD });
    expect(l.holdOf("o1")).toEqual({ asset: "USD", amount: 50n * USD });
    expect(l.release("o1")).toMatchObject({ ok: true, released: 50n * USD });
    expect(l.holdOf("o1")).toBeUndefined();
    expect(l.balance("USD")).toEqual({ total: 100n * USD, hold: 0n, available: 100n * USD });
    replay(l.entries());
  });

  it("refuses a hold beyond available, or in another asset than the order's", () => {
    const l = ledger();
    l.deposit("USD", 10n * USD, "d");
    l.deposit("BTC", BTC, "d2");
    expect(l.hold("o1", "USD", 11n * USD)).toMatchObject({
      ok: false,
      code: "insufficient_available",
      available: 10n * USD,
      requested: 11n * USD,
    });
    l.hold("o1", "USD", 1n * USD);
    expect(l.hold("o1", "BTC", 1n)).toMatchObject({ ok: false, code: "hold_asset_mismatch", held_asset: "USD" });
    expect(l.hold("o2", "USD", 0n)).toMatchObject({ ok: false, code: "invalid_amount" });
  });

  it("refuses releasing more than held, or an unknown order's hold", () => {
    const l = ledger();
    l.deposit("USD", 10n * USD, "d");
    l.hold("o1", "USD", 5n * USD);
    expect(l.release("o1", 6n * USD)).toMatchObject({
      ok: false,
      code: "release_exceeds_hold",
      hold: 5n * USD,
      requested: 6n * USD,
    });
    expect(l.release("nope")).toMatchObject({ ok: false, code: "unknown_hold", order_ref: "nope" });
    expect(l.release("o1", 0n)).toMatchObject({ ok: false, code: "invalid_amount" });
    l.release("o1");
    expect(l.release("o1")).toMatchObject({ ok: false, code: "unknown_hold" });
  });

  it("returns the hold to zero when an order is cancelled", () => {
    const l = ledger();
    l.deposit("USD", 1_000n * USD, "d");
    l.hold("o1", "USD", 501n * USD);
    l.applyFill(fill({ fill_id: "f1", order_ref: "o1", side: "buy", quote_amount: 200n * USD, fee: 1n * USD }));
    // cancelled: release what is left
    expect(l.release("o1")).toMatchObject({ ok: true, released: 300n * USD });
    expect(l.balance("USD")).toEqual({ total: 799n * USD, hold: 0n, available: 799n * USD });
    expect(l.heldOrders()).toEqual([]);
  });

  it("releasing a hold fills spent completely posts nothing", () => {
    const l = ledger();
    l.deposit("USD", 1_000n * USD, "d");
    l.hold("o1", "USD", 201n * USD);
    l.applyFill(fill({ fill_id: "f1", order_ref: "o1", side: "buy", quote_amount: 200n * USD, fee: 1n * USD }));
    const entries = l.entries().length;
    expect(l.release("o1")).toEqual({ ok: true, duplicate: false, transaction: null, released: 0n });
    expect(l.entries().length).toBe(entries);
    expect(l.holdOf("o1")).toBeUndefined();
  });
});

describe("applyFill", () => {
  it("buy: spends quote and the fee from the hold, credits base", () => {
    const l = ledger();
    l.deposit("USD", 10_000n * USD, "d");
    l.hold("o1", "USD", 5_010n * USD);
    const r = l.applyFill(fill({ fill_id: "f1", order_ref: "o1", side: "buy" }));
    expect(r).toMatchObject({ ok: true, duplicate: false });
    expect(l.balance("USD")).toEqual({ total: 4_990n * USD, hold: 0n, available: 4_990n * USD });
    expect(l.balance("BTC")).toEqual({ total: BTC / 10n, hold: 0n, available: BTC / 10n });
    expect(l.holdOf("o1")).toEqual({ asset: "USD", amount: 0n });
    const tx = l.transactions().at(-1);
    expect(tx?.order_ref).toBe("o1");
    expect(tx?.legs.filter((leg) => leg.ledger_account === "fees")).toEqual([
      { ledger_account: "fees", asset: "USD", amount: 10n * USD, type: "fee" },
    ]);
    expect(
      l
        .entries()
        .slice(-3)
        .map((e) => [e.type, e.asset, e.ledger_account, e.amount]),
    ).toEqual([
      ["trade", "BTC", "available", BTC / 10n],
      ["trade", "USD", "hold", -5_000n * USD],
      ["fee", "USD", "hold", -10n * USD],
    ]);
  });

  it("sell: spends base from the hold, credits quote less the fee", () => {
    const l = ledger();
    l.deposit("BTC", BTC, "d");
    l.hold("o2", "BTC", BTC / 10n);
    expect(l.applyFill(fill({ fill_id: "f1", order_ref: "o2", side: "sell", liquidity: "maker" }))).toMatchObject({
      ok: true,
    });
    expect(l.balance("BTC")).toEqual({ total: (BTC * 9n) / 10n, hold: 0n, available: (BTC * 9n) / 10n });
    expect(l.balance("USD")).toEqual({ total: 4_990n * USD, hold: 0n, available: 4_990n * USD });
  });

  it("a maker rebate on a buy stays on hold until release; on a sell it is credited", () => {
    const buyer = ledger();
    buyer.deposit("USD", 6_000n * USD, "d");
    buyer.hold("o1", "USD", 5_010n * USD);
    buyer.applyFill(fill({ fill_id: "f1", order_ref: "o1", side: "buy", fee: -USD, liquidity: "maker" }));
    expect(buyer.holdOf("o1")).toEqual({ asset: "USD", amount: 11n * USD });
    buyer.release("o1");
    expect(buyer.balance("USD")).toEqual({ total: 1_001n * USD, hold: 0n, available: 1_001n * USD });
    replay(buyer.entries());

    const seller = ledger();
    seller.deposit("BTC", BTC, "d");
    seller.hold("o2", "BTC", BTC / 10n);
    seller.applyFill(fill({ fill_id: "f2", order_ref: "o2", side: "sell", fee: -USD, liquidity: "maker" }));
    expect(seller.balance("USD").available).toBe(5_001n * USD);
  });

  it("applies a fill exactly once by fill_id", () => {
    const l = ledger();
    l.deposit("USD", 20_000n * USD, "d");
    l.hold("o1", "USD", 20_000n * USD);
    const f = fill({ fill_id: "f1", order_ref: "o1", side: "buy" });
    expect(l.applyFill(f)).toMatchObject({ ok: true, duplicate: false });
    const after = l.snapshot();
    expect(l.applyFill(f)).toEqual({ ok: true, duplicate: true });
    expect(l.applyFill({ ...f, quote_amount: 1n })).toEqual({ ok: true, duplicate: true });
    expect(l.snapshot()).toEqual(after);
    expect(l.hasFill("f1")).toBe(true);
  });

  it("refuses a fill the order's hold does not cover, and accepts it once the hold is there", () => {
    const l = ledger();
    l.deposit("USD", 10_000n * USD, "d");
    l.hold("o1", "USD", 5_009n * USD);
    const f = fill({ fill_id: "f1", order_ref: "o1", side: "buy" });
    const before = l.snapshot();
    expect(l.applyFill(f)).toEqual({
      ok: false,
      code: "hold_insufficient",
      message: expect.any(String),
      order_ref: "o1",
      asset: "USD",
      hold: 5_009n * USD,
      required: 5_010n * USD,
    });
    expect(l.snapshot()).toEqual(before);
    expect(l.hasFill("f1")).toBe(false);
    expect(l.applyFill({ ...f, order_ref: "unknown" })).toMatchObject({ code: "hold_insufficient", hold: 0n });
    l.hold("o1", "USD", USD);
    expect(l.applyFill(f)).toMatchObject({ ok: true, duplicate: false });
  });

  it("refuses malformed fills", () => {
    const l = ledger();
    l.deposit("BTC", BTC, "d");
    l.hold("o2", "BTC", BTC);
    const ok = fill({ fill_id: "f", order_ref: "o2", side: "sell" });
    const bad: Partial<Fill>[] = [
      { fill_id: "" },
      { order_ref: "" },
      { fee_asset: "BTC" },
      { base: "USD" },
      { base_amount: 0n },
      { quote_amount: -1n },
      { fee: 5_001n * USD },
      { fee: -5_001n * USD },
    ];
    for (const b of bad)
      expect(l.applyFill({ ...ok, ...b }), JSON.stringify(Object.keys(b))).toMatchObject({ code: "invalid_fill" });
    expect(l.applyFill({ ...ok, side: "buy" })).toMatchObject({ code: "hold_asset_mismatch", held_asset: "BTC" });
  });
});

describe("snapshot and restore", () => {
  it("round-trips through JSON and keeps behaving the same", () => {
    const l = ledger();
    l.deposit("USD", 10_000n * USD, "d");
    l.deposit("BTC", BTC, "d2");
    l.hold("o1", "USD", 5_010n * USD);
    l.hold("o2", "BTC", BTC / 2n);
    l.applyFill(fill({ fill_id: "f1", order_ref: "o1", side: "buy", quote_amount: 2_000n * USD, fee: 4n * USD }));
    const json = JSON.parse(JSON.stringify(l.snapshot()));
    const restored = AccountLedger.restore(json, { clock: () => 42 });
    expect(restored.snapshot()).toEqual(l.snapshot());
    expect(restored.balances()).toEqual(l.balances());
    expect(restored.applyFill(fill({ fill_id: "f1", order_ref: "o1", side: "buy" }))).toEqual({
      ok: true,
      duplicate: true,
    });
    expect(restored.release("o1")).toMatchObject({ released: 3_006n * USD });
    expect(restored.entries().at(-1)).toMatchObject({ entry_id: l.entries().length + 2, at: 42 });
  });

  it("refuses malformed or inconsistent snapshots", () => {
    const l = ledger();
    l.deposit("USD", 10n, "d");
    l.hold("o1", "USD", 4n);
    const good = JSON.parse(JSON.stringify(l.snapshot()));
    const broken = [
      null,
      { ...good, version: 2 },
      { ...good, balances: [{ asset: "USD", total: "10", hold: "x" }] },
      { ...good, balances: [{ asset: "USD", total: "10", hold: "5" }] }, // disagrees with order holds
      { ...good, balances: [{ asset: "USD", total: "11", hold: "4" }] }, // disagrees with the journal
      { ...good, holds: [] },
      { ...good, entries: good.entries.slice(1) },
      { ...good, transactions: [{ ...good.transactions[0], legs: good.transactions[0].legs.slice(1) }] },
    ];
    for (const s of broken) expect(() => AccountLedger.restore(s)).toThrow(TypeError);
    expect(() => AccountLedger.restore(good)).not.toThrow();
  });
});

describe("resume and takeJournal: a ledger whose memory does not grow with its history", () => {
  it("continues ids and balances from a position, exactly as the full ledger does", () => {
    const full = ledger();
    full.deposit("USD", 10_000n * USD, "d");
    full.hold("o1", "USD", 5_100n * USD);
    full.applyFill(fill({ fill_id: "f1", order_ref: "o1", side: "buy" }));
    const position = {
      balances: ["USD", "BTC"].map((asset) => ({
        asset,
        total: `${full.balance(asset).total}`,
        hold: `${full.balance(asset).hold}`,
      })),
      holds: [{ order_ref: "o1", asset: "USD", amount: `${full.holdOf("o1")?.amount}` }],
      last_tx_id: full.transactions().at(-1)?.tx_id ?? 0,
      last_entry_id: full.entries().at(-1)?.entry_id ?? 0,
    };
    let now = 1_800_000_000_000;
    const resumed = AccountLedger.resume(position, { clock: () => now++ });
    expect(resumed.balances()).toEqual(full.balances());
    for (const l of [full, resumed]) l.release("o1");
    const next = resumed.takeJournal();
    expect(next.transactions.map((t) => t.tx_id)).toEqual([full.transactions().at(-1)?.tx_id]);
    expect(next.entries.map((e) => [e.entry_id, e.total_after, e.hold_after])).toEqual(
      full
        .entries()
        .slice(-2)
        .map((e) => [e.entry_id, e.total_after, e.hold_after]),
    );
    expect(resumed.balances()).toEqual(full.balances());
  });

  it("hands out each posted transaction once and keeps nothing of it", () => {
    const l = ledger();
    l.deposit("USD", 100n * USD, "d1");
    expect(l.takeJournal().transactions.map((t) => t.ref)).toEqual(["d1"]);
    l.deposit("USD", 100n * USD, "d2");
    l.withdraw("USD", 50n * USD, "w1");
    expect(l.takeJournal().transactions.map((t) => [t.tx_id, t.ref])).toEqual([
      [2, "d2"],
      [3, "w1"],
    ]);
    expect(l.takeJournal()).toEqual({ transactions: [], entries: [] });
    expect(l.transactions()).toEqual([]);
    expect(() => l.snapshot()).toThrow(/whole history/);
    expect(l.balance("USD").total).toBe(150n * USD);
  });

  it("remembers only the most recent fill ids once resumed", () => {
    const l = AccountLedger.resume(
      {
        balances: [{ asset: "USD", total: `${100_000n * USD}`, hold: "0" }],
        holds: [],
        last_tx_id: 7,
        last_entry_id: 9,
      },
      { recentFills: 2 },
    );
    l.hold("o1", "USD", 20_000n * USD);
    for (const id of ["f1", "f2", "f3"]) {
      expect(l.applyFill(fill({ fill_id: id, order_ref: "o1", side: "buy" }))).toMatchObject({ duplicate: false });
    }
    expect(l.hasFill("f1")).toBe(false);
    expect(l.applyFill(fill({ fill_id: "f3", order_ref: "o1", side: "buy" }))).toMatchObject({ duplicate: true });
    expect(l.takeJournal().transactions[0]?.tx_id).toBe(8);
  });

  it("refuses a position whose holds do not add up to the hold balance", () => {
    expect(() =>
      AccountLedger.resume({
        balances: [{ asset: "USD", total: "100", hold: "60" }],
        holds: [{ order_ref: "o1", asset: "USD", amount: "50" }],
        last_tx_id: 1,
        last_entry_id: 2,
      }),
    ).toThrow(/disagree with the order holds/);
    expect(() =>
      AccountLedger.resume({
        balances: [{ asset: "USD", total: "10", hold: "20" }],
        holds: [],
        last_tx_id: 0,
        last_entry_id: 0,
      }),
    ).toThrow(/negative/);
  });
});
