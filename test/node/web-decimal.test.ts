/**
 * The pages' exact decimal arithmetic (web/src/common/decimal.ts): what the order form's grid
 * checks, snapping, cost and fee estimates and the ladder's grouping rest on. Property tests
 * against BigInt arithmetic on integer units, so a float never decides a price.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { add, basisPoints, compare, multiply, onGrid, parse, snap } from "../../web/src/common/decimal.ts";

/** A decimal string with `scale` decimals for an integer count of 10^-scale. */
function decimal(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

const scaled = (max = 10n ** 12n) =>
  fc.record({ units: fc.bigInt({ min: 0n, max }), scale: fc.integer({ min: 0, max: 8 }) });
const step = fc.record({ units: fc.bigInt({ min: 1n, max: 10_000n }), scale: fc.integer({ min: 0, max: 8 }) });

describe("web/src/common/decimal.ts", () => {
  it("parses only plain decimals and compares them exactly", () => {
    for (const bad of ["", "1e5", "0x10", "1.", ".5", "1,5", " 1 2", "NaN", "Infinity"])
      expect(parse(bad)).toBeUndefined();
    expect(compare("0.10", "0.1")).toBe(0);
    expect(compare("65000.01", "65000.009")).toBe(1);
    expect(add("0.1", "0.2")).toBe("0.3");
    expect(multiply("65000.10", "0.015")).toBe("975.00150");
  });

  it("snaps any value onto the grid, on the asked side, within one step, with the step's decimals", () => {
    fc.assert(
      fc.property(scaled(), step, fc.constantFrom("down" as const, "up" as const), (v, s, direction) => {
        const value = decimal(v.units, v.scale);
        const grid = decimal(s.units, s.scale);
        const snapped = snap(value, grid, direction) ?? "";
        expect(onGrid(snapped, grid)).toBe(true);
        expect((parse(snapped)?.scale ?? -1) === s.scale).toBe(true);
        const moved = compare(snapped, value);
        expect(direction === "down" ? moved <= 0 : moved >= 0).toBe(true);
        // Less than one step away: snapped ± step is on the other side of the value (or equal).
        const other = direction === "down" ? add(snapped, grid) : add(snapped, `-${grid}`);
        expect(direction === "down" ? compare(other ?? "", value) > 0 : compare(other ?? "", value) < 0).toBe(true);
        if (onGrid(value, grid)) expect(compare(snapped, value)).toBe(0);
      }),
    );
    expect(snap("50000.005", "0.01", "down")).toBe("50000.00");
    expect(snap("50000.005", "0.01", "up")).toBe("50000.01");
  });

  it("estimates a fee as value × bps / 10 000 rounded up, never under the exact amount", () => {
    fc.assert(
      fc.property(
        scaled(10n ** 10n),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 8 }),
        (v, bps, decimals) => {
          const value = decimal(v.units, v.scale);
          const fee = basisPoints(value, bps, decimals) ?? "";
          // fee × 10 000 ≥ value × bps, and less than one unit of the last decimal above it.
          const exact = multiply(value, String(bps)) ?? "";
          const times = multiply(fee, "10000") ?? "";
          expect(compare(times, exact)).toBeGreaterThanOrEqual(0);
          const unit = decimal(1n, decimals);
          expect(compare(multiply(add(fee, `-${unit}`) ?? "", "10000") ?? "", exact)).toBeLessThan(0);
        },
      ),
    );
    expect(basisPoints("975.0015", 20, 8)).toBe("1.95000300");
    expect(basisPoints("1", 1, 2)).toBe("0.01");
  });
});
