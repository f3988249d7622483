/**
 * The checks of the end-to-end journey (journey.ts) that read the whole state at the
 * end: each trader's user channel against its replies and REST, money conserved, and
 * Postgres history against the live answers; and the exact-decimal helpers they use.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import type {
  FeedBalance,
  FeedFill,
  FeedOrder,
  Fill,
  Order,
  RestClient,
  TradesPage,
  UserSnapshot,
} from "../../sdk/src/index.ts";
import type { RecordedFeed } from "./recorded-feed.ts";

/** Exact decimals: integer units at `scale` fraction digits. */
const SCALE = 8;
export function units(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) throw new Error(`not a decimal: ${s}`);
  const frac = (m[3] ?? "").padEnd(SCALE, "0");
  if (frac.length > SCALE) throw new Error(`too many digits: ${s}`);
  const v = BigInt(m[2] as string) * 10n ** BigInt(SCALE) + BigInt(frac);
  return m[1] ? -v : v;
}
export const fmt = (u: bigint): string => {
  const neg = u < 0n;
  const a = neg ? -u : u;
  const p = 10n ** BigInt(SCALE);
  return `${neg ? "-" : ""}${a / p}.${(a % p).toString().padStart(SCALE, "0")}`;
};
export const sum = (xs: string[]): bigint => xs.reduce((t, x) => t + units(x), 0n);

/** Polls `check` until it stops throwing, or rethrows its last error after `ms`. */
export async function eventually<T>(check: () => Promise<T>, ms: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(intervalMs);
    }
  }
}

/** `x`, which must be there. */
export function must<T>(x: T | undefined, what: string): T {
  if (x === undefined) throw new Error(`missing: ${what}`);
  return x;
}

/** Copies sorted by one field (as text). */
export const byId = <T>(xs: readonly T[], key: keyof T): T[] =>
  [...xs].sort((x, y) => String(x[key]).localeCompare(String(y[key])));

export interface Trader {
  name: string;
  account: string;
  /** The trader's REST client (its API key, exchanged for tokens by the SDK). */
  rest: RestClient;
  /** Its feed client, authenticated with the same session's token. */
  feed: RecordedFeed;
  /** Every order view a reply carried (HTTP and WebSocket), in order. */
  replies: (Order | FeedOrder)[];
  /** Every fill a reply carried. */
  replyFills: (Fill | FeedFill)[];
}

/** A trader's user channel agrees with every reply and with REST orders, fills and balances. */
export async function checkUserChannel(
  t: Trader,
  snap: UserSnapshot,
  lastUserSeq: number | null | undefined,
  step: (line: string) => void,
): Promise<void> {
  // The user channel's messages after the snapshot: order, fill and balance.
  const msgs = t.feed.received.filter((m) => m.type === "order" || m.type === "fill" || m.type === "balance");
  // On the wire itself: the client would have repaired these quietly.
  deepStrictEqual(
    t.feed.wire.filter(
      (m) =>
        "type" in m &&
        (m.type === "resync" || (m.type === "snapshot" && m.channel !== "user" && "conflated" in m && m.conflated)),
    ),
    [],
    `${t.name}: no resync or conflated message`,
  );
  const seqs = msgs.map((m) => m.seq);
  deepStrictEqual(
    seqs,
    seqs.map((_, i) => snap.seq + 1 + i),
    `${t.name}: user seq contiguous after the snapshot`,
  );
  equal(lastUserSeq, seqs.at(-1), `${t.name}: heartbeat names the last user seq`);
  const orders = new Map<string, FeedOrder>();
  const balances = new Map<string, FeedBalance>(snap.balances.map((b) => [b.asset, b]));
  const fills: FeedFill[] = [];
  for (const m of msgs) {
    if (m.type === "order") orders.set(m.order.order_id, m.order);
    else if (m.type === "fill") fills.push(m.fill);
    else if (m.type === "balance") for (const b of m.balances) balances.set(b.asset, b);
    else throw new Error(`unexpected user message ${JSON.stringify(m)}`);
  }
  // Every order view a reply carried was also streamed, identically.
  const streamed = msgs.filter((m) => m.type === "order").map((m) => JSON.stringify(m.order));
  for (const r of t.replies) {
    ok(
      streamed.includes(JSON.stringify(r)),
      `${t.name}: reply view of ${r.client_order_id} not streamed: ${JSON.stringify(r)}`,
    );
  }
  const streamedFills = fills.map((f) => JSON.stringify(f));
  for (const f of t.replyFills) ok(streamedFills.includes(JSON.stringify(f)), `${t.name}: reply fill not streamed`);

  const restOrders = [
    ...(await t.rest.listOrders({ status: "open", limit: 1000 })).orders,
    ...(await t.rest.listOrders({ status: "done", limit: 1000 })).orders,
  ];
  deepStrictEqual(byId([...orders.values()], "order_id"), byId(restOrders, "order_id"), `${t.name}: orders`);
  const restFills = await t.rest.listFills({ limit: 1000 });
  equal(restFills.next_cursor, null);
  deepStrictEqual(byId(fills, "fill_id"), byId(restFills.fills, "fill_id"), `${t.name}: fills`);
  const restBalances = (await t.rest.balances()).balances;
  deepStrictEqual(byId([...balances.values()], "asset"), byId(restBalances, "asset"), `${t.name}: balances`);
  // Every order's filled size is the sum of its fills; open orders' holds are the account's hold.
  for (const order of restOrders) {
    const filled = sum(restFills.fills.filter((f) => f.order_id === order.order_id).map((f) => f.size));
    equal(fmt(filled), fmt(units(order.filled_size)), `${t.name}: ${order.client_order_id} filled = Σ fills`);
  }
  step(
    `${t.name}: ${msgs.length} user messages (seq ${snap.seq + 1}..${seqs.at(-1)}) = replies = REST orders (${restOrders.length}), fills (${fills.length}), balances`,
  );
}

/** Σ balances + fees = deposits, per asset (`fee`: the USD fees collected on the instrument). */
export async function checkMoneyConserved(
  traders: readonly Trader[],
  assets: readonly string[],
  deposits: Record<string, Record<string, string>>,
  fee: bigint,
  step: (line: string) => void,
): Promise<void> {
  for (const asset of assets) {
    let total = asset === "USD" ? fee : 0n;
    let deposited = 0n;
    for (const t of traders) {
      const b = (await t.rest.balances()).balances.find((x) => x.asset === asset);
      total += b ? units(b.total) : 0n;
      deposited += units((deposits[t.name] as Record<string, string>)[asset] ?? "0");
    }
    equal(fmt(total), fmt(deposited), `${asset}: balances + fees = deposits`);
  }
  step(`money conserved: Σ balances + fees (${fmt(fee)} USD) = deposits, per asset`);
}

/** Postgres history catches up with the live answers within `deadline` ms, and the ledger replays. */
export async function checkHistory(
  traders: readonly Trader[],
  pub: RestClient,
  symbol: string,
  restTrades: TradesPage["trades"],
  expectedBalances: Record<string, Record<string, [string, string]>>,
  deadline: number,
  step: (line: string) => void,
): Promise<void> {
  const historyStart = Date.now();
  for (const t of traders) {
    await eventually(
      async () => {
        const query = { limit: 1000 };
        const { api } = t.rest;
        const pairs: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
          [
            "/v1/history/orders = /v1/orders?status=done",
            async () => (await api.GET("/v1/history/orders", { params: { query } })).data,
            () => t.rest.listOrders({ status: "done", ...query }),
          ],
          [
            "/v1/history/fills = /v1/fills",
            async () => (await api.GET("/v1/history/fills", { params: { query } })).data,
            () => t.rest.listFills(query),
          ],
          [
            "/v1/history/ledger = /v1/accounts/me/ledger",
            async () => (await api.GET("/v1/history/ledger", { params: { query } })).data,
            () => t.rest.ledger(query),
          ],
        ];
        for (const [what, history, live] of pairs) deepStrictEqual(await history(), await live(), `${t.name}: ${what}`);
      },
      deadline,
      500,
    );
  }
  await eventually(
    async () => {
      deepStrictEqual(
        (
          await pub.api.GET("/v1/instruments/{symbol}/history/trades", {
            params: { path: { symbol }, query: { limit: 1000 } },
          })
        ).data?.trades,
        restTrades,
        "history trades = trades",
      );
    },
    deadline,
    500,
  );
  // The ledger replays: Σ amounts per asset = the total, and every running balance follows.
  for (const t of traders) {
    const { data } = await t.rest.api.GET("/v1/history/ledger", { params: { query: { limit: 1000 } } });
    const entries = must(data, `${t.name}'s ledger history`).entries;
    const running = new Map<string, bigint>();
    for (const e of [...entries].reverse()) {
      const next = (running.get(e.asset) ?? 0n) + units(e.amount);
      equal(fmt(next), fmt(units(e.balance)), `${t.name}: ledger entry ${e.entry_id} running balance`);
      running.set(e.asset, next);
    }
    const want = expectedBalances[t.account] as Record<string, [string, string]>;
    for (const [asset, [total]] of Object.entries(want)) equal(fmt(running.get(asset) ?? 0n), total);
  }
  step(`Postgres history (orders, fills, ledger, trades) = live answers after ${Date.now() - historyStart} ms`);
}
