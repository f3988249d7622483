import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromUnits } from "../../shared/decimal.ts";
import { UnitFormatter } from "../../shared/instruments/units.ts";

describe("UnitFormatter", () => {
  it("formats exactly as fromUnits for any unit and count", () => {
    const unit = fc.oneof(
      fc.constantFrom("0.01", "0.00001", "1", "10", "0.5", "1000", "0.0000001", "25", "0.25"),
      fc
        .tuple(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 0, max: 12 }))
        .map(([d, sc]) =>
          sc === 0
            ? String(d)
            : `${Math.floor(d / 10 ** sc)}.${String(d % 10 ** sc).padStart(sc, "0")}`.replace(/^\./, "0."),
        ),
    );
    fc.assert(
      fc.property(unit, fc.integer({ min: -(2 ** 40), max: 2 ** 45 }), (u, count) => {
        if (!/^(0|[1-9]\d*)(\.\d+)?$/.test(u) || /^0(\.0+)?$/.test(u)) return;
        expect(new UnitFormatter(u).format(count)).toBe(fromUnits(count, u));
      }),
      { numRuns: 2000 },
    );
  });

  it("falls back to exact BigInt formatting beyond safe integers", () => {
    const f = new UnitFormatter("1000");
    expect(f.format(2 ** 52)).toBe(fromUnits(2 ** 52, "1000"));
  });
});
