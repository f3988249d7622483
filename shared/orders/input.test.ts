import { describe, expect, it } from "vitest";
import { testInstrument } from "../../test/instrument-spec.ts";
import { checkPlacement, type NewOrder } from "./input.ts";

const spec = testInstrument("ORD-USD");
const order = (change: Partial<NewOrder> = {}): NewOrder => ({
  client_order_id: "c1",
  instrument: "ORD-USD",
  side: "buy",
  type: "limit",
  price: "10.00",
  size: "1",
  ...change,
});

describe("checkPlacement (the edge check of POST /v1/orders and order.place)", () => {
  it("passes an order that fits the grid and limits", () => {
    expect(checkPlacement(order(), spec)).toBeUndefined();
    expect(checkPlacement(order({ type: "market", price: undefined, size: undefined, funds: "10.00" }), spec)).toBe(
      undefined,
    );
  });

  it("refuses grid and limit errors with the field and the book's reason", () => {
    expect(checkPlacement(order({ price: "10.001" }), spec)).toMatchObject({
      code: "invalid_order",
      details: { reason: "price_off_tick", errors: [{ field: "price" }] },
    });
    expect(checkPlacement(order({ size: "0" }), spec)?.details).toMatchObject({ errors: [{ field: "size" }] });
    expect(checkPlacement(order({ size: "1.0001" }), spec)?.details).toMatchObject({ reason: "size_off_lot" });
    expect(checkPlacement(order({ size: "1001" }), spec)?.details).toMatchObject({ reason: "size_above_maximum" });
    expect(checkPlacement(order({ price: "9".repeat(30) }), spec)?.details).toMatchObject({
      reason: "value_too_large",
    });
  });

  it("refuses an instrument in failover, whatever the order, with when to try again (REST and order.place alike)", () => {
    expect(checkPlacement(order(), { ...spec, status: "failover" })).toMatchObject({
      code: "instrument_failover",
      details: { retry_after: 5 },
    });
    expect(checkPlacement(order({ price: "10.001" }), { ...spec, status: "failover" })?.code).toBe(
      "instrument_failover",
    );
  });

  it("refuses an instrument that is not listed", () => {
    expect(checkPlacement(order({ instrument: "NOPE-USD" }), null)).toMatchObject({ code: "instrument_not_found" });
  });
});
