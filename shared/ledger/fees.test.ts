import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SEED_INSTRUMENTS } from "../instruments/seed.ts";
import { accrueFee, feeFor, maxFee, tradeFee } from "./fees.ts";

const BTC_USD = SEED_INSTRUMENTS[0] as (typeof SEED_INSTRUMENTS)[number];

describe("feeFor", () => {
  it.each([
    [10_000n, 10, 10n],
    [10_001n, 10, 11n], // 10.001 rounds up
    [9_999n, 10, 10n], // 9.999 rounds up
    [1n, 1, 1n], // 0.0001 rounds up: never undercharge
    [0n, 20, 0n],
    [123_456_789n, 0, 0n],
    [10_000n, -10, -10n],
    [10_999n, -10, -10n], // a 10.999 rebate pays 10: never overpay
    [1n, -100, 0n], // a 0.01 rebate pays nothing
    [199n, -100, -1n],
    [200n, -100, -2n],
    [1_000_000n, 1000, 100_000n],
  ])("fee on %s at %s bps is %s", (notional, bps, fee) => {
    expect(feeFor(notional, bps)).toBe(fee);
  });

  it("refuses a negative notional or fractional bps", () => {
    expect(() => feeFor(-1n, 10)).toThrow(RangeError);
    expect(() => feeFor(1n, 2.5)).toThrow(RangeError);
    expect(() => feeFor(1n, Number.NaN)).toThrow(RangeError);
  });

  it("rounds fees up and rebates down in magnitude (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.integer({ min: -100, max: 1000 }), (n, bps) => {
        const exact = n * BigInt(bps); // the fee × 10 000
        const fee = feeFor(n, bps);
        if (bps >= 0) {
          expect(fee * 10_000n >= exact).toBe(true);
          expect((fee - 1n) * 10_000n < exact).toBe(true);
        } else {
          expect(fee <= 0n).toBe(true);
          expect(-fee * 10_000n <= -exact).toBe(true);
          expect((-fee + 1n) * 10_000n > -exact).toBe(true);
        }
      }),
    );
  });
});

describe("tradeFee and maxFee", () => {
  it("charges maker and taker rates", () => {
    expect(tradeFee(1_000_000n, BTC_USD, "maker")).toBe(1_000n);
    expect(tradeFee(1_000_000n, BTC_USD, "taker")).toBe(2_000n);
  });

  it("holds for the larger of maker and taker fee, never a rebate", () => {
    expect(maxFee(1_000_001n, BTC_USD)).toBe(2_001n);
    expect(maxFee(1_000_000n, { maker_fee_bps: 30, taker_fee_bps: 20 })).toBe(3_000n);
    expect(maxFee(1_000_000n, { maker_fee_bps: -5, taker_fee_bps: 0 })).toBe(0n);
    expect(maxFee(1_000_000n, { maker_fee_bps: -5, taker_fee_bps: 7 })).toBe(700n);
  });
});

describe("accrueFee", () => {
  it("charges an order once for rounding, however it is split", () => {
    // Three fills of 1 minor unit at 10 bps: rounding each would charge 3.
    let accrued = 0n;
    const fees: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      const step = accrueFee(accrued, 1n, 10);
      fees.push(step.fee);
      accrued = step.accrued;
    }
    expect(fees).toEqual([1n, 0n, 0n]);
    expect(feeFor(1n, 10) * 3n).toBe(3n);
  });

  it("sums to the fee on the total, at most maxFee, with mixed maker and taker fills (property)", () => {
    const instrument = fc.record({
      maker_fee_bps: fc.integer({ min: -100, max: 1000 }),
      taker_fee_bps: fc.integer({ min: 0, max: 1000 }),
    });
    const fills = fc.array(fc.record({ notional: fc.bigInt({ min: 1n, max: 10n ** 12n }), maker: fc.boolean() }), {
      minLength: 1,
      maxLength: 30,
    });
    fc.assert(
      fc.property(instrument, fills, (rates, list) => {
        let accrued = 0n;
        let sum = 0n;
        let total = 0n;
        let exact = 0n;
        for (const f of list) {
          const bps = f.maker ? rates.maker_fee_bps : rates.taker_fee_bps;
          const step = accrueFee(accrued, f.notional, bps);
          accrued = step.accrued;
          sum += step.fee;
          total += f.notional;
          exact += f.notional * BigInt(bps);
          // Each fill's fee stays within its notional, so settlement never turns it negative.
          expect(step.fee <= f.notional && -step.fee <= f.notional).toBe(true);
          // What has been charged so far never exceeds the hold's fee allowance.
          expect(sum <= maxFee(total, rates)).toBe(true);
        }
        expect(accrued).toBe(exact);
        const allOne = list.every((f) => f.maker === list[0]?.maker);
        if (allOne) expect(sum).toBe(feeFor(total, list[0]?.maker ? rates.maker_fee_bps : rates.taker_fee_bps));
      }),
    );
  });
});
