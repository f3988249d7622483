import { describe, expect, it } from "vitest";
import { MatchingEngine } from "./engine.ts";
import {
  amend,
  book,
  cancel,
  cancelAll,
  Harness,
  limit,
  market,
  marketFunds,
  stop,
  stopLimit,
  T0,
} from "./test-helpers.ts";
import type { Command, RejectedEvent, RejectReason } from "./types.ts";

const BIG = 2 ** 31;

/**
 * A book with a bit of everything: last trade at 100, a partially filled bid
 * (b1: 10 lots, 4 filled), an ask, a post-only bid and an untriggered buy stop.
 */
const setup = () =>
  book(
    limit("s0", "carol", "sell", 102, 1),
    market("m0", "dave", "buy", 1),
    limit("b1", "alice", "buy", 100, 10),
    market("m1", "bob", "sell", 4),
    limit("s1", "bob", "sell", 105, 5),
    limit("p1", "alice", "buy", 99, 3, { postOnly: true }),
    stop("st1", "alice", "buy", 110, 2),
  );

const raw = (value: unknown) => value as Command;
const place = (fields: Record<string, unknown>) =>
  raw({ type: "place", id: "n1", account: "zed", side: "buy", kind: "limit", price: 90, qty: 1, ...fields });

type Case = [label: string, cmd: Command, reason: RejectReason, id?: string];

const cases: Case[] = [
  // Not a command at all.
  ["null", raw(null), "invalid_command"],
  ["a number", raw(42), "invalid_command"],
  ["a string", raw("place"), "invalid_command"],
  ["an unknown type", raw({ type: "replace", id: "b1" }), "invalid_command"],
  ["no type", raw({ id: "b1" }), "invalid_command"],

  // place: shape.
  // A malformed id is not echoed back.
  ["empty id", place({ id: "" }), "invalid_order_id"],
  ["numeric id", place({ id: 7 }), "invalid_order_id"],
  ["over-long id", place({ id: "x".repeat(65) }), "invalid_order_id"],
  ["empty account", place({ account: "" }), "invalid_account", "n1"],
  ["missing account", place({ account: undefined }), "invalid_account", "n1"],
  ["unknown side", place({ side: "hold" }), "invalid_side", "n1"],
  ["unknown kind", place({ kind: "iceberg" }), "invalid_kind", "n1"],
  ["unknown tif", place({ tif: "day" }), "invalid_tif", "n1"],
  ["market GTC", market("n1", "zed", "buy", 1, { tif: "gtc" }), "invalid_tif", "n1"],
  ["market GTD", market("n1", "zed", "buy", 1, { tif: "gtd", expireAt: T0 + 1 }), "invalid_tif", "n1"],
  ["post-only IOC", place({ postOnly: true, tif: "ioc" }), "invalid_tif", "n1"],
  ["post-only market", market("n1", "zed", "buy", 1, { postOnly: true }), "invalid_tif", "n1"],
  ["non-boolean post-only", place({ postOnly: "yes" }), "invalid_tif", "n1"],
  ["FOK by funds", marketFunds("n1", "zed", "buy", 500, { tif: "fok" }), "invalid_tif", "n1"],
  ["unknown stp", place({ stp: "none" }), "invalid_stp", "n1"],

  // place: quantities, funds, prices.
  ["zero qty", place({ qty: 0 }), "invalid_quantity", "n1"],
  ["negative qty", place({ qty: -1 }), "invalid_quantity", "n1"],
  ["fractional qty", place({ qty: 1.5 }), "invalid_quantity", "n1"],
  ["NaN qty", place({ qty: Number.NaN }), "invalid_quantity", "n1"],
  ["string qty", place({ qty: "5" }), "invalid_quantity", "n1"],
  ["missing qty", place({ qty: undefined }), "invalid_quantity", "n1"],
  ["qty above the maximum", place({ qty: BIG + 1 }), "invalid_quantity", "n1"],
  ["funds on a limit", place({ qty: undefined, funds: 100 }), "invalid_funds", "n1"],
  ["funds and qty", market("n1", "zed", "buy", 1, { funds: 100 }), "invalid_funds", "n1"],
  ["zero funds", marketFunds("n1", "zed", "buy", 0), "invalid_funds", "n1"],
  ["fractional funds", marketFunds("n1", "zed", "buy", 10.5), "invalid_funds", "n1"],
  ["limit without price", place({ price: undefined }), "invalid_price", "n1"],
  ["zero price", place({ price: 0 }), "invalid_price", "n1"],
  ["negative price", place({ price: -5 }), "invalid_price", "n1"],
  ["infinite price", place({ price: Number.POSITIVE_INFINITY }), "invalid_price", "n1"],
  ["price above the maximum", place({ price: BIG + 1 }), "invalid_price", "n1"],
  ["zero protection price on a market order", market("n1", "zed", "buy", 1, { price: 0 }), "invalid_price", "n1"],
  ["off-tick price", place({ price: 100.5 }), "price_off_tick", "n1"],
  ["off-tick stop price", stopLimit("n1", "zed", "buy", 111.5, 112, 1), "price_off_tick", "n1"],
  ["stop without stop price", place({ kind: "stop", price: undefined }), "invalid_stop_price", "n1"],
  ["stop price on a limit", place({ stopPrice: 95 }), "invalid_stop_price", "n1"],
  ["zero stop price", stop("n1", "zed", "buy", 0, 1), "invalid_stop_price", "n1"],
  ["notional overflow", place({ price: BIG, qty: BIG }), "notional_overflow", "n1"],
  ["GTD without expiry", place({ tif: "gtd" }), "invalid_expiry", "n1"],
  ["expiry on GTC", place({ expireAt: T0 + 1_000 }), "invalid_expiry", "n1"],
  ["fractional expiry", place({ tif: "gtd", expireAt: T0 + 0.5 }), "invalid_expiry", "n1"],

  // place: against the book.
  ["duplicate of a resting order", limit("b1", "zed", "buy", 90, 1), "duplicate_order_id", "b1"],
  ["duplicate of a stop", limit("st1", "zed", "buy", 90, 1), "duplicate_order_id", "st1"],
  ["post-only that takes", limit("n1", "zed", "buy", 105, 1, { postOnly: true }), "post_only_would_take", "n1"],
  ["FOK short by one lot", limit("n1", "zed", "buy", 105, 6, { tif: "fok" }), "fok_not_fillable", "n1"],
  ["stop at the last price", stop("n1", "zed", "buy", 100, 1), "stop_would_trigger", "n1"],
  ["GTD expiring now", place({ tif: "gtd", expireAt: T0 }), "already_expired", "n1"],

  // cancel and cancel_all.
  ["cancel with empty id", cancel(""), "invalid_order_id"],
  ["cancel of an unknown id", cancel("nope"), "unknown_order", "nope"],
  ["cancel of a filled order", cancel("s0"), "unknown_order", "s0"],
  ["cancel of another account's order", cancel("b1", "bob"), "unknown_order", "b1"],
  ["cancel of another account's stop", cancel("st1", "bob"), "unknown_order", "st1"],
  ["cancel_all with empty account", cancelAll(""), "invalid_account"],
  ["cancel_all with an unknown side", raw({ type: "cancel_all", account: "alice", side: "both" }), "invalid_side"],

  // amend.
  ["amend with empty id", amend("", { qty: 1 }), "invalid_order_id"],
  ["amend with empty account", amend("b1", { account: "", qty: 8 }), "invalid_account", "b1"],
  ["amend with no fields", amend("b1", {}), "nothing_to_amend", "b1"],
  ["amend to the same values", amend("b1", { qty: 10, price: 100 }), "nothing_to_amend", "b1"],
  ["amend to zero qty", amend("b1", { qty: 0 }), "invalid_quantity", "b1"],
  ["amend to zero price", amend("b1", { price: 0 }), "invalid_price", "b1"],
  ["amend to an off-tick price", amend("b1", { price: 100.5 }), "price_off_tick", "b1"],
  ["amend to a zero stop price", amend("st1", { stopPrice: 0 }), "invalid_stop_price", "st1"],
  ["amend of an unknown id", amend("nope", { qty: 1 }), "unknown_order", "nope"],
  ["amend of another account's order", amend("b1", { account: "bob", qty: 8 }), "unknown_order", "b1"],
  ["amend of a limit's stop price", amend("b1", { stopPrice: 95 }), "not_amendable", "b1"],
  ["amend of a stop-market's price", amend("st1", { price: 111 }), "not_amendable", "st1"],
  ["amend to the filled qty", amend("b1", { qty: 4 }), "amend_below_filled", "b1"],
  ["amend overflowing notional", amend("b1", { price: BIG, qty: BIG }), "notional_overflow", "b1"],
  ["amend of post-only to take", amend("p1", { price: 105 }), "post_only_would_take", "p1"],
  ["amend of a stop to trigger", amend("st1", { stopPrice: 100 }), "stop_would_trigger", "st1"],
];

describe("rejected commands", () => {
  it.each(cases)("%s → %s, and the book is unchanged", (_label, cmd, reason, id) => {
    const h = setup();
    const before = h.engine.snapshot();
    const command = typeof cmd === "object" && cmd !== null && typeof cmd.type === "string" ? cmd.type : "unknown";
    const expected: RejectedEvent = {
      type: "rejected",
      command: ["place", "cancel", "cancel_all", "amend"].includes(command)
        ? (command as RejectedEvent["command"])
        : "unknown",
      reason,
    };
    if (id !== undefined) expected.id = id;
    expect(h.run(cmd)).toEqual([expected]);
    expect(h.engine.snapshot()).toEqual(before);
  });

  it("the set-up book covers every reject reason in the API", () => {
    const all: RejectReason[] = [
      "invalid_command",
      "invalid_order_id",
      "invalid_account",
      "invalid_side",
      "invalid_kind",
      "invalid_tif",
      "invalid_stp",
      "invalid_quantity",
      "invalid_funds",
      "invalid_price",
      "price_off_tick",
      "invalid_stop_price",
      "invalid_expiry",
      "notional_overflow",
      "duplicate_order_id",
      "unknown_order",
      "post_only_would_take",
      "fok_not_fillable",
      "stop_would_trigger",
      "already_expired",
      "nothing_to_amend",
      "amend_below_filled",
      "not_amendable",
    ];
    expect(new Set(cases.map((c) => c[2]))).toEqual(new Set(all));
  });

  it("limits come from the engine options", () => {
    const h = new Harness({ maxPrice: 1_000, maxQty: 50 });
    expect(h.run(limit("a", "x", "buy", 1_001, 1))[0]).toMatchObject({ reason: "invalid_price" });
    expect(h.run(limit("b", "x", "buy", 1_000, 51))[0]).toMatchObject({ reason: "invalid_quantity" });
    expect(h.run(limit("c", "x", "buy", 1_000, 50))[0]).toMatchObject({ type: "accepted" });
  });

  it("invalid engine options throw", () => {
    expect(() => new MatchingEngine({ maxPrice: 0 })).toThrow(RangeError);
    expect(() => new MatchingEngine({ maxQty: 1.5 })).toThrow(RangeError);
  });
});
