/**
 * Properties of settlement between several AccountLedgers: random deposits, withdrawals,
 * orders holding what `requiredHold` asks, trades between accounts with accrued maker and
 * taker fees, fills delivered late, out of order and more than once, cancels and releases.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromUnits, parseDecimal, unitProduct } from "../decimal.ts";
import type { Instrument } from "../instruments/schema.ts";
import { SEED_INSTRUMENTS } from "../instruments/seed.ts";
import { requiredHold } from "../risk/pre-trade.ts";
import { AccountLedger } from "./account-ledger.ts";
import { fundsToQuote, lotsToBase } from "./assets.ts";
import { accrueFee, feeRate } from "./fees.ts";
import type { Fill, LedgerTransaction } from "./types.ts";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);
const TIMEOUT = Math.max(10_000, RUNS * 60);

/** Reference prices in ticks: 50 000.00, 1.08000, 220.00, 45.00. */
const REFERENCE: Record<string, bigint> = {
  "BTC-USD": 5_000_000n,
  "EUR-USD": 108_000n,
  "AAPL-USD": 22_000n,
  "BHP-AUD": 4_500n,
  "ETH-USD": 300_000n,
  "SOL-EUR": 15_000n,
};
/** A typical large amount per asset, in minor units. */
const BIG: Record<string, bigint> = {
  BTC: 100_000_000n,
  USD: 10n ** 13n,
  EUR: 10n ** 13n,
  AUD: 10n ** 13n,
  AAPL: 1_000n,
  BHP: 1_000n,
  ETH: 10n ** 10n,
  SOL: 10n ** 11n,
};
const ASSETS = Object.keys(BIG);
const [BTC_USD] = SEED_INSTRUMENTS as [Instrument];
/** The seeds, plus a maker rebate (ETH-USD) and a maker fee above the taker fee (SOL-EUR). */
const INSTRUMENTS: Instrument[] = [
  ...SEED_INSTRUMENTS,
  {
    ...BTC_USD,
    symbol: "ETH-USD",
    base: "ETH",
    lot_size: "0.0001",
    min_qty: "0.0001",
    maker_fee_bps: -2,
    taker_fee_bps: 5,
    price_band_pct: "5",
  },
  {
    ...BTC_USD,
    symbol: "SOL-EUR",
    base: "SOL",
    quote: "EUR",
    lot_size: "0.01",
    min_qty: "0.01",
    maker_fee_bps: 30,
    taker_fee_bps: 20,
  },
];

type Kind = "limit" | "market_size" | "market_funds";
type Op =
  | { t: "deposit" | "withdraw"; acct: number; asset: number; part: number }
  | { t: "place"; acct: number; inst: number; side: "buy" | "sell"; kind: Kind; offset: number; qty: number }
  | { t: "trade"; buy: number; sell: number; price: number; qty: number; makerIsBuy: boolean; now: boolean }
  | { t: "deliver"; pick: number; dup: number | null }
  | { t: "cancel"; pick: number }
  | { t: "partial"; pick: number; pct: number };

const nat = fc.nat({ max: 1_000_000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constantFrom("deposit" as const, "withdraw" as const),
      acct: nat,
      asset: nat,
      part: nat,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant("place" as const),
      acct: nat,
      inst: nat,
      side: fc.constantFrom("buy" as const, "sell" as const),
      kind: fc.constantFrom<Kind>("limit", "limit", "market_size", "market_funds"),
      offset: fc.integer({ min: -1000, max: 1000 }),
      qty: fc.integer({ min: 1, max: 60 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant("trade" as const),
      buy: nat,
      sell: nat,
      price: nat,
      qty: nat,
      makerIsBuy: fc.boolean(),
      now: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("deliver" as const), pick: nat, dup: fc.option(nat) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("cancel" as const), pick: nat }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant("partial" as const), pick: nat, pct: fc.integer({ min: 1, max: 100 }) }),
  },
);

interface SimOrder {
  id: string;
  acct: number;
  inst: Instrument;
  side: "buy" | "sell";
  maxPrice: bigint | undefined;
  minPrice: bigint | undefined;
  /** Lots left, when sized by quantity. */
  qty: bigint | undefined;
  /** Funds units left, when sized by funds. */
  funds: bigint | undefined;
  accrued: bigint;
  closed: boolean;
  pending: number;
  released: boolean;
}

interface Delivery {
  acct: number;
  fill: Fill;
}

const pick = <T>(list: readonly T[], n: number): T | undefined =>
  list.length === 0 ? undefined : list[n % list.length];

/** Runs the simulation, checking the per-step invariants; returns the world for the final checks. */
class World {
  readonly ledgers: AccountLedger[];
  readonly orders: SimOrder[] = [];
  readonly outbox: Delivery[] = [];
  readonly delivered: Delivery[] = [];
  /** Per asset: deposits − withdrawals. */
  readonly net = new Map<string, bigint>();
  /** Per account and asset: the total the ledger must show. */
  readonly expected: Map<string, bigint>[];
  /** Non-duplicate successful applications per fill id. */
  readonly applied = new Map<string, number>();
  /** What the run exercised, to show the scenarios are not vacuous. */
  readonly seen = {
    fills: 0,
    rebates: 0,
    duplicates: 0,
    outOfOrder: 0,
    fundsFills: 0,
    holdsSpentExactly: 0,
    holdsRefused: 0,
    withdrawalsRefused: 0,
    partialReleases: 0,
  };
  #trades = 0;
  /** Transactions already summed per ledger, and leg sums by `ledger_account:asset`. */
  #scanned: number[] = [];
  #legSums = new Map<string, bigint>();

  readonly instruments: Instrument[];

  constructor(accounts: number, instruments: Instrument[]) {
    this.instruments = instruments;
    let now = 0;
    this.ledgers = Array.from({ length: accounts }, () => new AccountLedger({ clock: () => ++now }));
    this.expected = this.ledgers.map(() => new Map());
    for (let a = 0; a < accounts; a++) for (const asset of ASSETS) this.#deposit(a, asset, BIG[asset] as bigint);
  }

  #ledger(acct: number): AccountLedger {
    return this.ledgers[acct] as AccountLedger;
  }

  #credit(acct: number, asset: string, amount: bigint): void {
    const m = this.expected[acct] as Map<string, bigint>;
    m.set(asset, (m.get(asset) ?? 0n) + amount);
  }

  #deposit(acct: number, asset: string, amount: bigint): void {
    expect(this.#ledger(acct).deposit(asset, amount, `dep-${acct}`).ok).toBe(true);
    this.net.set(asset, (this.net.get(asset) ?? 0n) + amount);
    this.#credit(acct, asset, amount);
  }

  run(op: Op): void {
    const accts = this.ledgers.length;
    switch (op.t) {
      case "deposit":
      case "withdraw": {
        const acct = op.acct % accts;
        const asset = ASSETS[op.asset % ASSETS.length] as string;
        const amount = ((BIG[asset] as bigint) * BigInt(op.part)) / 1_000_000n + 1n;
        if (op.t === "deposit") return this.#deposit(acct, asset, amount);
        const l = this.#ledger(acct);
        const available = l.available(asset);
        const r = l.withdraw(asset, amount, `wd-${acct}`);
        expect(r.ok).toBe(amount <= available);
        if (!r.ok) {
          expect(r).toMatchObject({ code: "insufficient_available", available, requested: amount });
          this.seen.withdrawalsRefused++;
          return;
        }
        this.net.set(asset, (this.net.get(asset) ?? 0n) - amount);
        return this.#credit(acct, asset, -amount);
      }
      case "place":
        return this.#place(op);
      case "trade":
        return this.#trade(op);
      case "deliver": {
        const d = this.outbox.splice(op.pick % Math.max(1, this.outbox.length), 1)[0];
        if (d !== undefined) this.#deliver(d);
        const again = op.dup === null ? undefined : pick(this.delivered, op.dup);
        if (again !== undefined) this.#deliver(again);
        return;
      }
      case "cancel": {
        const o = pick(
          this.orders.filter((x) => !x.closed),
          op.pick,
        );
        if (o === undefined) return;
        o.closed = true;
        return this.#settleDone(o);
      }
      case "partial": {
        // An amend down: give back part of the hold; the order takes no more fills.
        const o = pick(
          this.orders.filter((x) => !x.closed && x.pending === 0),
          op.pick,
        );
        const held = o === undefined ? undefined : this.#ledger(o.acct).holdOf(o.id);
        if (o === undefined || held === undefined) return;
        const part = (held.amount * BigInt(op.pct)) / 100n;
        if (part > 0n) {
          expect(this.#ledger(o.acct).release(o.id, part)).toMatchObject({ ok: true, released: part });
          this.seen.partialReleases++;
        }
        o.closed = true;
        return this.#settleDone(o);
      }
    }
  }

  #place(op: Extract<Op, { t: "place" }>): void {
    const acct = op.acct % this.ledgers.length;
    const inst = pick(this.instruments, op.inst) as Instrument;
    const ref = REFERENCE[inst.symbol] as bigint;
    const band = bandEdges(ref, inst);
    const price = ref + ((band.high - ref) * BigInt(op.offset)) / 1000n;
    const qty = BigInt(op.qty);
    const order =
      op.kind === "limit"
        ? {
            side: op.side,
            order_type: "limit" as const,
            price: fromUnits(price, inst.tick_size),
            size: fromUnits(qty, inst.lot_size),
          }
        : op.kind === "market_size"
          ? { side: op.side, order_type: "market" as const, size: fromUnits(qty, inst.lot_size) }
          : {
              side: op.side,
              order_type: "market" as const,
              funds: fromUnits(qty * price, unitProduct(inst.tick_size, inst.lot_size)),
            };
    const hold = requiredHold(order, inst, { referencePrice: fromUnits(ref, inst.tick_size) });
    if (!hold.ok) {
      expect(hold.code).toBe("notional_below_minimum");
      return;
    }
    const id = `o${this.orders.length}`;
    const l = this.#ledger(acct);
    const available = l.available(hold.asset);
    const r = l.hold(id, hold.asset, hold.amount);
    expect(r.ok).toBe(hold.amount <= available);
    if (!r.ok) {
      this.seen.holdsRefused++;
      return;
    }
    const buy = op.side === "buy";
    this.orders.push({
      id,
      acct,
      inst,
      side: op.side,
      maxPrice: buy ? (op.kind === "limit" ? price : op.kind === "market_size" ? band.high : undefined) : undefined,
      minPrice: buy ? undefined : op.kind === "limit" ? price : op.kind === "market_funds" ? band.low : undefined,
      qty: op.kind === "market_funds" ? undefined : qty,
      funds: op.kind !== "market_funds" ? undefined : buy ? (hold.fundsBudget as bigint) : qty * price,
      accrued: 0n,
      closed: false,
      pending: 0,
      released: false,
    });
  }

  #trade(op: Extract<Op, { t: "trade" }>): void {
    const open = this.orders.filter((o) => !o.closed);
    const buy = pick(
      open.filter((o) => o.side === "buy"),
      op.buy,
    );
    if (buy === undefined) return;
    const sell = pick(
      open.filter((o) => o.side === "sell" && o.inst === buy.inst && o.acct !== buy.acct),
      op.sell,
    );
    if (sell === undefined) return;
    const inst = buy.inst;
    const ref = REFERENCE[inst.symbol] as bigint;
    const band = bandEdges(ref, inst);
    const lo = sell.minPrice ?? band.low;
    const hi = buy.maxPrice ?? band.high;
    if (lo > hi) return;
    // Half the trades at the buyer's limit, where a hold can be spent exactly.
    const price = op.price % 2 === 0 ? hi : lo + (BigInt(op.price) % (hi - lo + 1n));
    let max = 1n << 60n;
    for (const cap of [buy.qty, sell.qty, fundsCap(buy.funds, price), fundsCap(sell.funds, price)]) {
      if (cap !== undefined && cap < max) max = cap;
    }
    if (max <= 0n) return;
    const lots = 1n + (BigInt(op.qty) % max);
    const notional = price * lots;
    const n = this.#trades++;
    for (const o of [buy, sell]) {
      if (o.qty !== undefined) o.qty -= lots;
      if (o.funds !== undefined) {
        o.funds -= notional;
        this.seen.fundsFills++;
      }
      const liquidity = (o === buy) === op.makerIsBuy ? "maker" : "taker";
      const quote = fundsToQuote(notional, inst);
      const fee = accrueFee(o.accrued, quote, feeRate(inst, liquidity));
      o.accrued = fee.accrued;
      o.pending++;
      const d: Delivery = {
        acct: o.acct,
        fill: {
          fill_id: `t${n}-${o.side}`,
          order_ref: o.id,
          side: o.side,
          base: inst.base,
          quote: inst.quote,
          base_amount: lotsToBase(lots, inst),
          quote_amount: quote,
          fee: fee.fee,
          fee_asset: inst.quote,
          liquidity,
        },
      };
      if (op.now) this.#deliver(d);
      else this.outbox.push(d);
      if (o.qty === 0n) o.closed = true;
    }
    for (const o of [buy, sell]) this.#settleDone(o);
  }

  #deliver(d: Delivery): void {
    const l = this.#ledger(d.acct);
    const before = l.entries().length;
    const r = l.applyFill(d.fill);
    expect(
      r.ok,
      JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? `${v}` : v)),
    ).toBe(true);
    if (!r.ok) return;
    const seen = this.applied.get(d.fill.fill_id) ?? 0;
    expect(r.duplicate).toBe(seen > 0);
    if (r.duplicate) {
      expect(l.entries().length).toBe(before);
      this.seen.duplicates++;
      return;
    }
    this.applied.set(d.fill.fill_id, 1);
    const previous = this.delivered.at(-1);
    if (previous !== undefined && tradeNo(d.fill) < tradeNo(previous.fill)) this.seen.outOfOrder++;
    this.seen.fills++;
    if (d.fill.fee < 0n) this.seen.rebates++;
    if (d.fill.side === "buy" && l.holdOf(d.fill.order_ref)?.amount === 0n) this.seen.holdsSpentExactly++;
    this.delivered.push(d);
    const { base, quote, base_amount: b, quote_amount: q, fee } = d.fill;
    const buy = d.fill.side === "buy";
    this.#credit(d.acct, base, buy ? b : -b);
    this.#credit(d.acct, quote, buy ? -(q + fee) : q - fee);
    const o = this.orders.find((x) => x.id === d.fill.order_ref) as SimOrder;
    o.pending--;
    this.#settleDone(o);
  }

  /** A done order whose fills have all settled gives back what is left of its hold. */
  #settleDone(o: SimOrder): void {
    if (!o.closed || o.pending > 0 || o.released) return;
    const r = this.#ledger(o.acct).release(o.id);
    expect(r.ok).toBe(true);
    o.released = true;
  }

  /** Delivers everything left (in the order `picks` gives, some twice) and closes every order. */
  finish(picks: number[]): void {
    let i = 0;
    while (this.outbox.length > 0) {
      const n = picks[i++ % Math.max(1, picks.length)] ?? 0;
      this.run({ t: "deliver", pick: n, dup: n % 3 === 0 ? n : null });
    }
    for (const o of this.orders) {
      o.closed = true;
      this.#settleDone(o);
    }
  }

  /** (b) and the model: nothing negative, holds add up per order, totals as expected. */
  checkStep(): void {
    this.ledgers.forEach((l, acct) => {
      const perOrder = new Map<string, bigint>();
      for (const id of l.heldOrders()) {
        const h = l.holdOf(id);
        if (h !== undefined) perOrder.set(h.asset, (perOrder.get(h.asset) ?? 0n) + h.amount);
      }
      for (const asset of ASSETS) {
        const b = l.balance(asset);
        check(b.hold >= 0n && b.available >= 0n, `account ${acct} ${asset}: negative balance`);
        check(b.hold === (perOrder.get(asset) ?? 0n), `account ${acct} ${asset}: hold ≠ sum of order holds`);
        check(b.total === (this.expected[acct]?.get(asset) ?? 0n), `account ${acct} ${asset}: total off the model`);
      }
    });
    if (this.outbox.length === 0) this.checkConservation();
  }

  /** (a) per asset: all totals plus fees collected equal deposits minus withdrawals; counterparties net out. */
  checkConservation(): void {
    this.ledgers.forEach((l, i) => {
      const txs: readonly LedgerTransaction[] = l.transactions();
      for (let t = this.#scanned[i] ?? 0; t < txs.length; t++) {
        for (const leg of txs[t]?.legs ?? []) {
          const key = `${leg.ledger_account}:${leg.asset}`;
          this.#legSums.set(key, (this.#legSums.get(key) ?? 0n) + leg.amount);
        }
      }
      this.#scanned[i] = txs.length;
    });
    for (const asset of ASSETS) {
      const sum = (account: string) => this.#legSums.get(`${account}:${asset}`) ?? 0n;
      const totals = this.ledgers.reduce((s, l) => s + l.balance(asset).total, 0n);
      const net = this.net.get(asset) ?? 0n;
      check(totals + sum("fees") === net, `${asset}: totals + fees ≠ deposits − withdrawals`);
      check(sum("counterparty") === 0n, `${asset}: counterparty legs do not net out`);
      check(-sum("external") === net, `${asset}: external legs ≠ deposits − withdrawals`);
    }
  }
}

/**
 * The lowest and highest prices the book accepts around `ref` (ticks), computed here
 * independently of the risk module: market orders fill within them.
 */
function bandEdges(ref: bigint, inst: Instrument): { low: bigint; high: bigint } {
  const pct = parseDecimal(inst.price_band_pct);
  if (pct === null) throw new Error(`bad band ${inst.price_band_pct}`);
  const delta = (ref * pct.digits) / (100n * 10n ** BigInt(pct.scale));
  return { low: ref - delta, high: ref + delta };
}

/** A plain assertion for hot loops (vitest's `expect` is slow per call). */
function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

/** The trade a fill came from (fill ids are `t<trade>-<side>`). */
function tradeNo(fill: Fill): number {
  return Number(fill.fill_id.slice(1, fill.fill_id.indexOf("-")));
}

function fundsCap(funds: bigint | undefined, price: bigint): bigint | undefined {
  return funds === undefined ? undefined : funds / price;
}

const scenario = fc.record({
  accounts: fc.integer({ min: 2, max: 4 }),
  /** One to three instruments per run, so orders meet. */
  instruments: fc.uniqueArray(fc.integer({ min: 0, max: INSTRUMENTS.length - 1 }), { minLength: 1, maxLength: 3 }),
  ops: fc.array(opArb, { minLength: 1, maxLength: 150, size: "max" }),
  picks: fc.array(nat, { maxLength: 50 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function simulate(s: Scenario, eachStep: boolean): World {
  const world = new World(
    s.accounts,
    s.instruments.map((i) => INSTRUMENTS[i] as Instrument),
  );
  for (const op of s.ops) {
    world.run(op);
    if (eachStep) world.checkStep();
  }
  world.finish(s.picks);
  world.checkStep();
  return world;
}

describe("settlement between accounts (properties)", () => {
  it("scenarios exercise what the properties claim", () => {
    const total: Record<string, number> = {};
    for (const s of fc.sample(scenario, { numRuns: 100, seed: 7 })) {
      for (const [k, v] of Object.entries(simulate(s, false).seen)) total[k] = (total[k] ?? 0) + v;
    }
    for (const [k, v] of Object.entries(total)) expect(v, k).toBeGreaterThan(0);
    expect(total.fills).toBeGreaterThan(500);
  });

  it(
    "(a)(b) conserves every asset and never lets available or hold go negative; holds always cover fills",
    () => {
      fc.assert(
        fc.property(scenario, (s) => {
          simulate(s, true);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    "(c) applies every fill exactly once, whatever the delivery order and repeats",
    () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const world = simulate(s, false);
          const fills = world.delivered.map((d) => d.fill.fill_id);
          expect(new Set(fills).size).toBe(fills.length);
          for (const d of world.delivered) expect(world.ledgers[d.acct]?.hasFill(d.fill.fill_id)).toBe(true);
          expect([...world.applied.values()].every((n) => n === 1)).toBe(true);
          // Every trade produced both sides, and both settled.
          expect(fills.length % 2).toBe(0);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    "(d)(e)(f) balanced transactions, zero holds once all orders are done, journals that replay",
    () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const world = simulate(s, false);
          for (const l of world.ledgers) {
            for (const tx of l.transactions()) {
              const sums = new Map<string, bigint>();
              for (const leg of tx.legs) sums.set(leg.asset, (sums.get(leg.asset) ?? 0n) + leg.amount);
              for (const sum of sums.values()) expect(sum).toBe(0n);
            }
            expect(l.heldOrders()).toEqual([]);
            for (const asset of ASSETS) expect(l.balance(asset).hold).toBe(0n);
            const replayed = new Map<string, { total: bigint; hold: bigint }>();
            for (const e of l.entries()) {
              const b = replayed.get(e.asset) ?? { total: 0n, hold: 0n };
              b.total += e.amount;
              if (e.ledger_account === "hold") b.hold += e.amount;
              expect([e.total_after, e.hold_after]).toEqual([b.total, b.hold]);
              replayed.set(e.asset, b);
            }
            for (const asset of ASSETS) {
              const b = l.balance(asset);
              expect(replayed.get(asset) ?? { total: 0n, hold: 0n }).toEqual({ total: b.total, hold: b.hold });
            }
            const copy = AccountLedger.restore(JSON.parse(JSON.stringify(l.snapshot())));
            expect(copy.snapshot()).toEqual(l.snapshot());
          }
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );
});
