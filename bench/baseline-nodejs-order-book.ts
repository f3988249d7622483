/**
 * Baseline adapter: replays a benchmark flow into nodejs-order-book@10.1.1.
 *
 * `prepare` converts the flow into the library's own option objects up front,
 * so the timed `replay` loop only dispatches calls. Mapping:
 * - limit  -> ob.limit({id, side, size, price, accountId, stpMode: EXPIRE_TAKER})
 *             (EXPIRE_TAKER ≈ our default `cancel_newest`: trades already done
 *             stand, the taker's remainder is dropped, the maker stays);
 * - market -> ob.market({side, size, accountId, stpMode}) (the library's market
 *             orders carry no id);
 * - cancel -> ob.cancel(id) (an unknown id just returns undefined);
 * - amend  -> ob.modify(id, {size}) where the library's `size` is the OPEN
 *             quantity, so we look the order up and pass newTotal − filled.
 *             The library re-queues the order at the back (no priority kept).
 * Journaling stays off (its default) and no snapshot is taken.
 * The package has no `exports` map and its ESM build uses extensionless
 * imports, so Node loads the CJS build; its `types` field points at a
 * non-existent .d.js, hence the local structural types below.
 */
import { createRequire } from "node:module";
import type { Command } from "../shared/engine/types.ts";
import { type Fingerprint, newFingerprint } from "./stats.ts";

interface ObOrder {
  id: string;
  side: string;
  size: number;
  origSize: number;
  price: number;
}
interface ObResult {
  done: ObOrder[];
  partial: ObOrder | null;
  quantityLeft: number;
  err: { code: number; message: string } | null;
}
interface ObLimit {
  id: string;
  side: string;
  size: number;
  price: number;
  accountId: string;
  stpMode: string;
}
interface ObMarket {
  side: string;
  size: number;
  accountId: string;
  stpMode: string;
}
interface ObAmend {
  id: string;
  qty: number;
}
export interface OrderBookLike {
  limit(o: ObLimit): ObResult;
  market(o: ObMarket): ObResult;
  cancel(id: string): unknown;
  modify(id: string, u: { size: number }): ObResult;
  order(id: string): ObOrder | undefined;
  depth(): [Array<[number, number]>, Array<[number, number]>];
}

const require = createRequire(import.meta.url);
const lib = require("nodejs-order-book") as {
  OrderBook: new (opts?: { enableJournaling?: boolean }) => OrderBookLike;
};

const LIMIT = 0;
const MARKET = 1;
const CANCEL = 2;
const AMEND = 3;

export interface Prepared {
  kind: Uint8Array;
  arg: Array<ObLimit | ObMarket | ObAmend | string>;
}

export const name = "nodejs-order-book@10.1.1";

export function create(): OrderBookLike {
  return new lib.OrderBook({ enableJournaling: false });
}

export function prepare(cmds: readonly Command[]): Prepared {
  const kind = new Uint8Array(cmds.length);
  const arg: Prepared["arg"] = new Array(cmds.length);
  for (let i = 0; i < cmds.length; i++) {
    const c = cmds[i] as Command;
    if (c.type === "place" && c.kind === "limit") {
      kind[i] = LIMIT;
      arg[i] = {
        id: c.id,
        side: c.side,
        size: c.qty ?? 0,
        price: c.price ?? 0,
        accountId: c.account,
        stpMode: "EXPIRE_TAKER",
      };
    } else if (c.type === "place" && c.kind === "market") {
      kind[i] = MARKET;
      arg[i] = { side: c.side, size: c.qty ?? 0, accountId: c.account, stpMode: "EXPIRE_TAKER" };
    } else if (c.type === "cancel") {
      kind[i] = CANCEL;
      arg[i] = c.id;
    } else if (c.type === "amend") {
      kind[i] = AMEND;
      arg[i] = { id: c.id, qty: c.qty ?? 0 };
    } else {
      throw new Error(`baseline: unsupported command ${c.type}`);
    }
  }
  return { kind, arg };
}

/** Amend to a new total quantity; undefined when skipped (unknown order or total <= filled, which we reject). */
function amend(ob: OrderBookLike, a: ObAmend): ObResult | undefined {
  const o = ob.order(a.id);
  if (o === undefined) return undefined;
  const open = a.qty - (o.origSize - o.size);
  return open > 0 ? ob.modify(a.id, { size: open }) : undefined;
}

/** The timed loop: commands [from, to) with no inspection of the results. */
export function replay(ob: OrderBookLike, p: Prepared, from: number, to: number): void {
  const { kind, arg } = p;
  for (let i = from; i < to; i++) {
    switch (kind[i]) {
      case LIMIT:
        ob.limit(arg[i] as ObLimit);
        break;
      case MARKET:
        ob.market(arg[i] as ObMarket);
        break;
      case CANCEL:
        ob.cancel(arg[i] as string);
        break;
      default:
        amend(ob, arg[i] as ObAmend);
    }
  }
}

/** Untimed replay that inspects every result and returns a fingerprint of the run. */
export function replayCounted(p: Prepared, orderIds: readonly string[]): Fingerprint {
  const ob = create();
  const f = newFingerprint();
  const { kind, arg } = p;
  for (let i = 0; i < kind.length; i++) {
    const k = kind[i];
    if (k === LIMIT || k === MARKET) {
      const o = arg[i] as ObLimit | ObMarket;
      const r = k === LIMIT ? ob.limit(o as ObLimit) : ob.market(o as ObMarket);
      const takerId = k === LIMIT ? (o as ObLimit).id : undefined;
      // Makers fully filled appear in `done` (a fully filled taker too); a maker partial in `partial`.
      for (const d of r.done) if (d.id !== takerId) f.trades++;
      if (r.partial !== null && r.partial.id !== takerId) f.trades++;
      f.volume += o.size - r.quantityLeft;
      if (r.err?.code === 1202) f.stpCancels++;
      else if (r.err !== null) f.otherRejects++;
    } else if (k === CANCEL) {
      if (ob.cancel(arg[i] as string) === undefined) f.cancelMisses++;
      else f.cancelHits++;
    } else {
      const r = amend(ob, arg[i] as ObAmend);
      if (r?.err === null) f.amendHits++;
      else f.otherRejects++;
    }
  }
  for (const id of orderIds) {
    const o = ob.order(id);
    if (o !== undefined) {
      f.resting++;
      f.restingQty += o.size;
    }
  }
  const [asks, bids] = ob.depth();
  f.bestBid = bids[0]?.[0];
  f.bestAsk = asks[0]?.[0];
  return f;
}
