/**
 * fast-check generators of command streams for the engine's property tests:
 * few accounts (so self-trade prevention fires), a narrow price band (so
 * orders cross), every order type and time in force, and some garbage.
 */
import fc from "fast-check";
import type { Command, SelfTradePrevention, Side, TimeInForce } from "./types.ts";

export interface Step {
  /** Milliseconds the clock advances before this command. */
  dt: number;
  cmd: Command;
}

const ACCOUNTS = ["A", "B", "C", "D"];
const side = fc.constantFrom<Side>("buy", "sell");
const account = fc.constantFrom(...ACCOUNTS);
const price = fc.integer({ min: 95, max: 105 });
const qty = fc.integer({ min: 1, max: 12 });
const stp = fc.constantFrom<SelfTradePrevention>(
  "cancel_newest",
  "cancel_oldest",
  "cancel_both",
  "decrement_and_cancel",
);
const limitTif = fc.constantFrom<TimeInForce>("gtc", "gtc", "gtc", "ioc", "fok", "gtd");

/** A command template; `ref` picks an earlier order id (by index modulo the ids issued so far). */
type Template =
  | {
      t: "limit";
      side: Side;
      account: string;
      price: number;
      qty: number;
      tif: TimeInForce;
      ttl: number;
      postOnly: boolean;
      stp: SelfTradePrevention;
    }
  | {
      t: "market";
      side: Side;
      account: string;
      qty: number;
      funds: number | null;
      fok: boolean;
      stp: SelfTradePrevention;
    }
  | {
      t: "stop";
      side: Side;
      account: string;
      stopPrice: number;
      price: number | null;
      qty: number;
      stp: SelfTradePrevention;
    }
  | { t: "cancel"; ref: number; account: string | null }
  | { t: "cancel_all"; account: string; side: Side | null }
  | { t: "amend"; ref: number; qty: number | null; price: number | null }
  | { t: "tick" }
  | { t: "garbage"; variant: number; ref: number };

const template: fc.Arbitrary<Template> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      t: fc.constant("limit" as const),
      side,
      account,
      price,
      qty,
      tif: limitTif,
      ttl: fc.integer({ min: 1, max: 30 }),
      postOnly: fc.boolean(),
      stp,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("market" as const),
      side,
      account,
      qty,
      funds: fc.option(fc.integer({ min: 50, max: 2000 }), { freq: 3 }),
      fok: fc.boolean(),
      stp,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("stop" as const),
      side,
      account,
      stopPrice: price,
      price: fc.option(price),
      qty,
      stp,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant("cancel" as const), ref: fc.nat(), account: fc.option(account) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("cancel_all" as const), account, side: fc.option(side) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("amend" as const),
      ref: fc.nat(),
      qty: fc.option(fc.integer({ min: 1, max: 15 })),
      price: fc.option(price),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: "tick" as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("garbage" as const), variant: fc.nat(5), ref: fc.nat() }) },
);

/** Turns templates into concrete commands with unique sequential ids ("o1", "o2", …). */
export function materialize(templates: Array<{ dt: number; tpl: Template }>): Step[] {
  let issued = 0;
  const refId = (ref: number) => (issued === 0 ? "o0" : `o${(ref % issued) + 1}`);
  const nextId = () => `o${++issued}`;
  let now = 1_000;
  return templates.map(({ dt, tpl }) => {
    now += dt;
    const cmd = toCommand(tpl, now, nextId, refId);
    return { dt, cmd };
  });
}

function toCommand(tpl: Template, now: number, nextId: () => string, refId: (ref: number) => string): Command {
  switch (tpl.t) {
    case "limit":
      return {
        type: "place",
        id: nextId(),
        account: tpl.account,
        side: tpl.side,
        kind: "limit",
        price: tpl.price,
        qty: tpl.qty,
        tif: tpl.tif,
        ...(tpl.tif === "gtd" ? { expireAt: now + tpl.ttl } : {}),
        ...(tpl.postOnly && (tpl.tif === "gtc" || tpl.tif === "gtd") ? { postOnly: true } : {}),
        stp: tpl.stp,
      };
    case "market":
      return {
        type: "place",
        id: nextId(),
        account: tpl.account,
        side: tpl.side,
        kind: "market",
        ...(tpl.funds !== null ? { funds: tpl.funds } : { qty: tpl.qty, tif: tpl.fok ? "fok" : "ioc" }),
        stp: tpl.stp,
      };
    case "stop":
      return {
        type: "place",
        id: nextId(),
        account: tpl.account,
        side: tpl.side,
        kind: tpl.price === null ? "stop" : "stop_limit",
        stopPrice: tpl.stopPrice,
        ...(tpl.price === null ? {} : { price: tpl.price }),
        qty: tpl.qty,
        stp: tpl.stp,
      };
    case "cancel":
      return { type: "cancel", id: refId(tpl.ref), ...(tpl.account ? { account: tpl.account } : {}) };
    case "cancel_all":
      return { type: "cancel_all", account: tpl.account, ...(tpl.side ? { side: tpl.side } : {}) };
    case "amend":
      return {
        type: "amend",
        id: refId(tpl.ref),
        ...(tpl.qty !== null ? { qty: tpl.qty } : {}),
        ...(tpl.price !== null ? { price: tpl.price } : {}),
      };
    case "tick":
      return { type: "tick" };
    case "garbage":
      return garbage(tpl.variant, refId(tpl.ref), nextId);
  }
}

/** Commands the engine must reject without touching the book. */
function garbage(variant: number, existing: string, nextId: () => string): Command {
  const base = { type: "place", account: "A", side: "buy", kind: "limit" } as const;
  switch (variant) {
    case 0:
      return { ...base, id: nextId(), price: 100.5, qty: 1 };
    case 1:
      return { ...base, id: nextId(), price: 100, qty: 0 };
    case 2:
      return { ...base, id: nextId(), price: -3, qty: 2 };
    case 3:
      return { ...base, id: existing, price: 100, qty: 1 };
    case 4:
      return { type: "cancel", id: "never-issued" };
    default:
      return { ...base, id: nextId(), price: 100, qty: 2.5 };
  }
}

/** A stream of 1–`max` steps. */
export function commandStream(max = 150): fc.Arbitrary<Step[]> {
  return fc
    .array(fc.record({ dt: fc.integer({ min: 0, max: 4 }), tpl: template }), { minLength: 1, maxLength: max })
    .map(materialize);
}
