/** The terminal's market-order estimate (web/src/terminal/trading/book-walk.ts): the book walked exactly. */
import { describe, expect, it } from "vitest";
import { compare } from "../../web/src/common/decimal.ts";
import { walkBook } from "../../web/src/terminal/trading/book-walk.ts";

const asks: [string, string][] = [
  ["65000.00", "0.01000"],
  ["65000.50", "0.02000"],
  ["65010.00", "1.00000"],
];

describe("walkBook", () => {
  it("takes the best levels first, each only for what is left of the size", () => {
    const walk = walkBook(asks, "0.02500");
    // 0.01 × 65000.00 + 0.015 × 65000.50
    expect(compare(walk?.cost ?? "", "1625.0075")).toBe(0);
    expect(walk).toMatchObject({ complete: true });
    expect(compare(walk?.filled ?? "", "0.025")).toBe(0);
  });

  it("says when the book holds less than the size, with what it would fill", () => {
    const walk = walkBook(asks, "2");
    expect(walk?.complete).toBe(false);
    expect(compare(walk?.filled ?? "", "1.03")).toBe(0);
    // 0.01 × 65000.00 + 0.02 × 65000.50 + 1 × 65010.00
    expect(compare(walk?.cost ?? "", "66960.01")).toBe(0);
    expect(walkBook([], "1")).toMatchObject({ cost: "0", complete: false });
  });

  it("refuses a size that is not a decimal above zero", () => {
    for (const size of ["0", "-1", "", "1e3", "abc"]) expect(walkBook(asks, size)).toBeUndefined();
  });
});
