import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromUnits, parseDecimal, unitProduct } from "../decimal.ts";
import type { Instrument } from "../instruments/schema.ts";
import { SEED_INSTRUMENTS } from "../instruments/seed.ts";
import { formatAmount, fundsToQuote, lotsToBase, parseAmount } from "../ledger/assets.ts";
import { accrueFee, feeRate, maxFee } from "../ledger/fees.ts";
import { fundsBudget, type HoldResult, requiredHold } from "./hold.ts";
import type { RiskOrder } from "./order-units.ts";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);

function seed(symbol: string): Instrument {
  const found = SEED_INSTRUMENTS.find((i) => i.symbol === symbol);
  if (found === undefined) throw new Error(`no seed instrument ${symbol}`);
  return found;
}

const BTC_USD = seed("BTC-USD");

/** The hold as a decimal string with its asset, e.g. "50.10000000 USD". */
function shown(r: HoldResult): string {
  if (!r.ok) return r.code;
  return `${formatAmount(r.amount, r.asset)} ${r.asset}`;
}

describe("requiredHold examples", () => {
  const ref = { referencePrice: "50000.00" };
  it.each<[string, RiskOrder, string]>([
    // 50 USD + 0.2 % taker fee
    ["buy limit", { side: "buy", order_type: "limit", price: "50000.00", size: "0.001" }, "50.10000000 USD"],
    ["sell limit", { side: "sell", order_type: "limit", price: "50000.00", size: "0.001" }, "0.00100000 BTC"],
    ["sell market by size", { side: "sell", order_type: "market", size: "0.001" }, "0.00100000 BTC"],
    // 0.001 × 55 000.00 (+10 %) + 0.2 %
    ["buy market by size", { side: "buy", order_type: "market", size: "0.001" }, "55.11000000 USD"],
    ["buy market by funds (fee inclusive)", { side: "buy", order_type: "market", funds: "100" }, "100.00000000 USD"],
    // ⌊100 / 45 000.00 (−10 %)⌋ in lots = 222 lots
    ["sell market by funds", { side: "sell", order_type: "market", funds: "100" }, "0.00222000 BTC"],
    [
      "buy stop-limit at its limit",
      { side: "buy", order_type: "stop_limit", stop_price: "51000.00", price: "51500.00", size: "0.001" },
      "51.60300000 USD",
    ],
    // 0.001 × 56 100.00 (stop + 10 %) + 0.2 %
    ["buy stop by size", { side: "buy", order_type: "stop", stop_price: "51000.00", size: "0.001" }, "56.21220000 USD"],
    [
      "sell stop by size",
      { side: "sell", order_type: "stop", stop_price: "49000.00", size: "0.001" },
      "0.00100000 BTC",
    ],
    [
      "buy stop by funds",
      { side: "buy", order_type: "stop", stop_price: "51000.00", funds: "100" },
      "100.00000000 USD",
    ],
  ])("BTC-USD %s", (_name, order, expected) => {
    expect(shown(requiredHold(order, BTC_USD, ref))).toBe(expected);
  });

  it.each<[string, RiskOrder, string]>([
    // 27 031.25 + 2 bps = 5.40625
    ["EUR-USD", { side: "buy", order_type: "limit", price: "1.08125", size: "25000" }, "27036.65625000 USD"],
    ["EUR-USD", { side: "sell", order_type: "limit", price: "1.08125", size: "25000" }, "25000.00000000 EUR"],
    // 2 957.76 + 10 bps = 2.95776
    ["AAPL-USD", { side: "buy", order_type: "limit", price: "227.52", size: "13" }, "2960.71776000 USD"],
    ["AAPL-USD", { side: "sell", order_type: "limit", price: "227.52", size: "13" }, "13 AAPL"],
    ["BHP-AUD", { side: "buy", order_type: "limit", price: "45.07", size: "300" }, "13534.52100000 AUD"],
    ["BHP-AUD", { side: "sell", order_type: "market", size: "300" }, "300 BHP"],
  ])("%s %j", (symbol, order, expected) => {
    expect(shown(requiredHold(order, seed(symbol), { referencePrice: "1.00000" }))).toBe(expected);
  });

  it("gives a buy by funds the engine budget that leaves room for the fee", () => {
    const r = requiredHold({ side: "buy", order_type: "market", funds: "100" }, BTC_USD);
    expect(r).toMatchObject({ ok: true, asset: "USD", amount: 10_000_000_000n, fundsBudget: 998_003_992n });
    // 99.8003992 USD + 0.2 % = 99.8003992 + 0.19960080 (rounded up) = 100 exactly
    const notional = fundsToQuote(998_003_992n, BTC_USD);
    expect(notional + maxFee(notional, BTC_USD)).toBe(10_000_000_000n);
    expect(fromUnits(998_003_992n, unitProduct(BTC_USD.tick_size, BTC_USD.lot_size))).toBe("99.8003992");
  });

  it("needs a reference price only when the hold depends on one", () => {
    const none = {};
    expect(requiredHold({ side: "buy", order_type: "market", size: "0.001" }, BTC_USD, none)).toMatchObject({
      ok: false,
      code: "no_reference_price",
    });
    expect(requiredHold({ side: "sell", order_type: "market", funds: "100" }, BTC_USD, none)).toMatchObject({
      code: "no_reference_price",
    });
    expect(requiredHold({ side: "sell", order_type: "market", size: "0.001" }, BTC_USD, none).ok).toBe(true);
    expect(requiredHold({ side: "buy", order_type: "market", funds: "100" }, BTC_USD, none).ok).toBe(true);
    expect(requiredHold({ side: "buy", order_type: "stop", stop_price: "1.00", size: "1" }, BTC_USD, none).ok).toBe(
      true,
    );
  });

  it("passes on the order's shape errors", () => {
    expect(requiredHold({ side: "buy", order_type: "limit", price: "1.001", size: "1" }, BTC_USD)).toMatchObject({
      ok: false,
      code: "price_off_tick",
    });
  });
});

/** Instruments for the properties: the seeds without a minimum notional, plus a maker rebate and a maker fee above the taker's. */
const INSTRUMENTS: Instrument[] = [
  ...SEED_INSTRUMENTS.map((i) => ({ ...i, min_notional: "0" })),
  { ...BTC_USD, symbol: "ETH-USD", base: "ETH", min_notional: "0", maker_fee_bps: -25, taker_fee_bps: 7 },
  { ...BTC_USD, symbol: "SOL-EUR", base: "SOL", quote: "EUR", min_notional: "0", maker_fee_bps: 40, taker_fee_bps: 15 },
  { ...BTC_USD, symbol: "XRP-USD", base: "XRP", min_notional: "0", price_band_pct: "2.5" },
];

const instrumentArb = fc.constantFrom(...INSTRUMENTS);

/** The book's highest and lowest in-band prices around `ref`, computed independently of `hold.ts`. */
function bandEdges(ref: bigint, inst: Instrument): { low: bigint; high: bigint } {
  const pct = parseDecimal(inst.price_band_pct);
  if (pct === null) throw new Error("bad band");
  const delta = (ref * pct.digits) / (100n * 10n ** BigInt(pct.scale));
  return { low: ref - delta, high: ref + delta };
}

/** Quote spent by a buy: notional plus fees accrued across `fills` [ticks, lots, maker?]. */
function buyCost(inst: Instrument, fills: [bigint, bigint, boolean][]): bigint {
  let accrued = 0n;
  let cost = 0n;
  for (const [price, lots, maker] of fills) {
    const q = fundsToQuote(price * lots, inst);
    const f = accrueFee(accrued, q, feeRate(inst, maker ? "maker" : "taker"));
    accrued = f.accrued;
    cost += q + f.fee;
  }
  return cost;
}

/** Splits `total` lots into up to `cuts.length + 1` positive parts. */
function split(total: bigint, cuts: number[]): bigint[] {
  const points = [...new Set(cuts.map((c) => BigInt(c) % total).filter((c) => c > 0n))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const parts: bigint[] = [];
  let last = 0n;
  for (const p of [...points, total]) {
    parts.push(p - last);
    last = p;
  }
  return parts;
}

function ok(r: HoldResult): { asset: string; amount: bigint; fundsBudget?: bigint } {
  if (!r.ok) throw new Error(`hold refused: ${r.code} ${r.message}`);
  return r;
}

describe("requiredHold covers every fill an order can get (properties)", () => {
  const priceArb = fc.bigInt({ min: 1n, max: 10_000_000n });
  const lotsArb = fc.bigInt({ min: 1n, max: 10_000n });
  const cutsArb = fc.array(fc.nat(), { maxLength: 12 });

  it("buy limit: any split at or below the limit, any maker/taker mix, fits; all at the limit at the dearer rate spends it exactly", () => {
    fc.assert(
      fc.property(
        instrumentArb,
        priceArb,
        lotsArb,
        cutsArb,
        fc.array(fc.tuple(fc.nat(), fc.boolean())),
        (inst, price, lots, cuts, how) => {
          const order: RiskOrder = {
            side: "buy",
            order_type: "limit",
            price: fromUnits(price, inst.tick_size),
            size: fromUnits(lots, inst.lot_size),
          };
          const hold = ok(requiredHold(order, inst));
          expect(hold.asset).toBe(inst.quote);
          const parts = split(lots, cuts);
          const fills = parts.map((p, i): [bigint, bigint, boolean] => {
            const [better, maker] = how[i] ?? [0, false];
            return [price - (BigInt(better) % price), p, maker];
          });
          expect(buyCost(inst, fills) <= hold.amount).toBe(true);
          const dearer = inst.maker_fee_bps > inst.taker_fee_bps;
          expect(
            buyCost(
              inst,
              parts.map((p): [bigint, bigint, boolean] => [price, p, dearer]),
            ),
          ).toBe(hold.amount);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("buy market by size: fills anywhere in the band fit", () => {
    fc.assert(
      fc.property(instrumentArb, priceArb, lotsArb, cutsArb, (inst, ref, lots, cuts) => {
        const hold = ok(
          requiredHold({ side: "buy", order_type: "market", size: fromUnits(lots, inst.lot_size) }, inst, {
            referencePrice: fromUnits(ref, inst.tick_size),
          }),
        );
        const { high } = bandEdges(ref, inst);
        const fills = split(lots, cuts).map((p): [bigint, bigint, boolean] => [high, p, false]);
        expect(buyCost(inst, fills) <= hold.amount).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("buy by funds: spending the budget in any split fits the funds, and the budget is the largest that does", () => {
    fc.assert(
      fc.property(instrumentArb, fc.bigInt({ min: 1n, max: 10n ** 12n }), cutsArb, (inst, funds, cuts) => {
        const fundsUnit = unitProduct(inst.tick_size, inst.lot_size);
        const hold = ok(requiredHold({ side: "buy", order_type: "market", funds: fromUnits(funds, fundsUnit) }, inst));
        expect(hold.amount).toBe(fundsToQuote(funds, inst));
        const budget = hold.fundsBudget as bigint;
        expect(budget).toBe(fundsBudget(hold.amount, inst));
        const cost = (units: bigint) => fundsToQuote(units, inst) + maxFee(fundsToQuote(units, inst), inst);
        expect(cost(budget) <= hold.amount).toBe(true);
        expect(cost(budget + 1n) > hold.amount).toBe(true);
        if (budget > 0n) {
          // As one-tick × n-lot fills (any split of the budget into whole funds units).
          const fills = split(budget, cuts).map((p): [bigint, bigint, boolean] => [1n, p, false]);
          expect(buyCost(inst, fills) <= hold.amount).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("sell by funds: the most lots the funds can sell in the band fit the hold", () => {
    fc.assert(
      fc.property(instrumentArb, priceArb, fc.bigInt({ min: 1n, max: 10n ** 12n }), (inst, ref, funds) => {
        const fundsUnit = unitProduct(inst.tick_size, inst.lot_size);
        const hold = ok(
          requiredHold({ side: "sell", order_type: "market", funds: fromUnits(funds, fundsUnit) }, inst, {
            referencePrice: fromUnits(ref, inst.tick_size),
          }),
        );
        expect(hold.asset).toBe(inst.base);
        const { low } = bandEdges(ref, inst);
        const most = low > 0n ? funds / low : funds;
        expect(lotsToBase(most, inst) <= hold.amount).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("sell by size holds exactly the size", () => {
    fc.assert(
      fc.property(
        instrumentArb,
        lotsArb,
        fc.constantFrom("limit", "market", "stop", "stop_limit"),
        (inst, lots, type) => {
          const order: RiskOrder = { side: "sell", order_type: type, size: fromUnits(lots, inst.lot_size) };
          if (type === "limit" || type === "stop_limit") order.price = inst.tick_size;
          if (type === "stop" || type === "stop_limit") order.stop_price = inst.tick_size;
          const hold = ok(requiredHold(order, inst));
          const parsed = parseAmount(fromUnits(lots, inst.lot_size), inst.base);
          expect(parsed).toEqual({ ok: true, amount: hold.amount });
        },
      ),
      { numRuns: RUNS },
    );
  });
});
