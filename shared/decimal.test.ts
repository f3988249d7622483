import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareDecimal,
  convertUnits,
  type Decimal,
  fromUnits,
  isDecimal,
  MAX_FRACTION_DIGITS,
  parseDecimal,
  toUnits,
  unitProduct,
} from "./decimal.ts";

/** Writes digits / 10^scale independently of the module under test. */
function write(digits: bigint, scale: number): string {
  const s = digits.toString().padStart(scale + 1, "0");
  return scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`;
}

function dec(s: string): Decimal {
  const d = parseDecimal(s);
  if (d === null) throw new Error(`not a decimal: ${s}`);
  return d;
}

/** A unit (> 0) with up to 8 fraction digits, e.g. "0.01", "0.00001", "0.5", "10", "0.25". */
const unitArb = fc
  .record({ digits: fc.bigInt({ min: 1n, max: 1_000_000n }), scale: fc.integer({ min: 0, max: 8 }) })
  .map(({ digits, scale }) => write(digits, scale));

const countArb = fc.bigInt({ min: 0n, max: 10n ** 12n });

describe("parseDecimal", () => {
  it.each([
    ["0", 0n, 0],
    ["123", 123n, 0],
    ["123.45", 12345n, 2],
    ["0.001", 1n, 3],
    ["1.50", 150n, 2],
    ["0.0", 0n, 1],
    [`0.${"0".repeat(17)}1`, 1n, 18],
    ["9".repeat(30), 10n ** 30n - 1n, 0],
  ])("accepts %s", (s, digits, scale) => {
    expect(parseDecimal(s)).toEqual({ digits, scale });
  });

  it.each([
    "",
    "-1",
    "-0",
    "+1",
    "1e5",
    "1E5",
    " 1",
    "1 ",
    "1\n",
    "1.",
    ".5",
    "0x10",
    "01",
    "00.5",
    "1,5",
    "1.2.3",
    "NaN",
    "Infinity",
    "１",
    `0.${"0".repeat(18)}1`,
    "9".repeat(31),
    `${"9".repeat(20)}.${"9".repeat(11)}`,
  ])("rejects %j", (s) => {
    expect(parseDecimal(s)).toBeNull();
    expect(isDecimal(s)).toBe(false);
  });

  it("round-trips canonical strings", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 20n }),
        fc.integer({ min: 0, max: MAX_FRACTION_DIGITS }),
        (digits, scale) => {
          const s = write(digits, scale);
          expect(parseDecimal(s)).toEqual({ digits, scale });
        },
      ),
    );
  });
});

describe("compareDecimal", () => {
  it("compares by value regardless of scale", () => {
    expect(compareDecimal(dec("1.5"), dec("1.50"))).toBe(0);
    expect(compareDecimal(dec("0.001"), dec("0.01"))).toBe(-1);
    expect(compareDecimal(dec("10"), dec("9.999"))).toBe(1);
    expect(compareDecimal(dec("0"), dec("0.000"))).toBe(0);
  });
});

describe("toUnits", () => {
  it.each([
    ["123.45", "0.01", 12345n],
    ["123.4", "0.01", 12340n],
    ["123", "0.01", 12300n],
    ["0.00001", "0.00001", 1n],
    ["1000", "0.00001", 100_000_000n],
    ["2.5", "0.5", 5n],
    ["30", "10", 3n],
    ["0", "0.01", 0n],
    ["1.10", "0.1", 11n],
    ["3000", "1000", 3n],
  ])("%s in units of %s = %s", (value, unit, units) => {
    expect(toUnits(value, unit)).toBe(units);
  });

  it.each([
    ["123.455", "0.01"],
    ["0.000001", "0.00001"],
    ["2.4", "0.5"],
    ["35", "10"],
    ["1500", "1000"],
    ["1", "0.3"],
  ])("%s is off the %s grid", (value, unit) => {
    expect(toUnits(value, unit)).toBe("off_grid");
  });

  it.each([
    ["-1", "0.01"],
    ["1e2", "0.01"],
    ["", "0.01"],
    ["1", "0"],
    ["1", "0.00"],
    ["1", "-0.01"],
    ["1", "abc"],
  ])("(%j, %j) is invalid", (value, unit) => {
    expect(toUnits(value, unit)).toBe("invalid");
  });
});

describe("fromUnits", () => {
  it.each([
    [12345n, "0.01", "123.45"],
    [12340, "0.01", "123.40"],
    [5, "0.5", "2.5"],
    [4, "0.5", "2.0"],
    [3, "10", "30"],
    [0, "0.01", "0.00"],
    [1, "0.00001", "0.00001"],
    [100_000_000n, "0.00001", "1000.00000"],
    [7, "0.25", "1.75"],
    [-12345, "0.01", "-123.45"],
    [-1, "0.001", "-0.001"],
    [10n ** 25n, "1", `1${"0".repeat(25)}`],
  ])("%s × %s = %s", (units, unit, out) => {
    expect(fromUnits(units, unit)).toBe(out);
  });

  it("rejects bad units and counts", () => {
    expect(() => fromUnits(1, "0")).toThrow(RangeError);
    expect(() => fromUnits(1, "-1")).toThrow(RangeError);
    expect(() => fromUnits(1.5, "0.01")).toThrow(RangeError);
    expect(() => fromUnits(2 ** 53, "0.01")).toThrow(RangeError);
    expect(() => fromUnits(Number.NaN, "0.01")).toThrow(RangeError);
  });
});

describe("unitProduct", () => {
  it.each([
    ["0.01", "0.00001", "0.0000001"],
    ["0.01", "1", "0.01"],
    ["0.00001", "1000", "0.01"],
    ["0.5", "10", "5"],
    ["0.25", "0.4", "0.1"],
    ["10", "10", "100"],
  ])("%s × %s = %s", (a, b, out) => {
    expect(unitProduct(a, b)).toBe(out);
  });

  it("rejects invalid units", () => {
    expect(() => unitProduct("0", "1")).toThrow(RangeError);
    expect(() => unitProduct("1", "x")).toThrow(RangeError);
  });
});

describe("convertUnits", () => {
  it("re-expresses counts exactly or reports off_grid", () => {
    // 12345 ticks × 3 lots of BTC-USD = 37035 notional units of 0.0000001 USD.
    expect(convertUnits(37035n, unitProduct("0.01", "0.00001"), "0.0000001")).toBe(37035n);
    expect(convertUnits(150n, "0.001", "0.01")).toBe(15n);
    expect(convertUnits(155n, "0.001", "0.01")).toBe("off_grid");
    expect(convertUnits(3, "1000", "1")).toBe(3000n);
    expect(() => convertUnits(1, "0", "1")).toThrow(RangeError);
  });
});

describe("properties", () => {
  it("toUnits ∘ fromUnits is the identity on counts", () => {
    fc.assert(
      fc.property(countArb, unitArb, (n, unit) => {
        expect(toUnits(fromUnits(n, unit), unit)).toBe(n);
      }),
    );
  });

  it("fromUnits ∘ toUnits is the identity on values at the unit's precision", () => {
    fc.assert(
      fc.property(countArb, unitArb, (n, unit) => {
        const value = fromUnits(n, unit);
        const units = toUnits(value, unit);
        expect(typeof units).toBe("bigint");
        expect(fromUnits(units as bigint, unit)).toBe(value);
      }),
    );
  });

  it("fromUnits ∘ toUnits preserves the value for on-grid values written at any precision", () => {
    fc.assert(
      fc.property(countArb, unitArb, fc.integer({ min: 0, max: 4 }), (n, unit, extraZeros) => {
        const u = dec(unit);
        const value = write(n * u.digits * 10n ** BigInt(extraZeros), u.scale + extraZeros);
        const units = toUnits(value, unit);
        expect(units).toBe(n);
        expect(compareDecimal(dec(fromUnits(units as bigint, unit)), dec(value))).toBe(0);
      }),
    );
  });

  it("toUnits rejects every value that is not a whole multiple of the unit", () => {
    fc.assert(
      fc.property(
        countArb,
        unitArb,
        fc.integer({ min: 0, max: 4 }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        (n, unit, extraScale, r) => {
          // value = n·unit + remainder, with 0 < remainder < unit, written at a finer (or equal) scale.
          const u = dec(unit);
          const unitAtScale = u.digits * 10n ** BigInt(extraScale);
          fc.pre(unitAtScale > 1n);
          const remainder = 1n + (r % (unitAtScale - 1n));
          const value = write(n * unitAtScale + remainder, u.scale + extraScale);
          expect(toUnits(value, unit)).toBe("off_grid");
        },
      ),
    );
  });

  it("a bigint result from toUnits always multiplies back to the exact value", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.integer({ min: 0, max: 10 }),
        unitArb,
        (digits, scale, unit) => {
          const value = write(digits, scale);
          const units = toUnits(value, unit);
          if (typeof units === "bigint") {
            expect(compareDecimal(dec(fromUnits(units, unit)), dec(value))).toBe(0);
          } else {
            expect(units).toBe("off_grid");
            // Not a multiple: floor(value / unit)·unit < value < (floor + 1)·unit.
            const u = dec(unit);
            const v = dec(value);
            expect((v.digits * 10n ** BigInt(u.scale)) % (u.digits * 10n ** BigInt(v.scale))).not.toBe(0n);
          }
        },
      ),
    );
  });
});
