/**
 * The checks of the end-to-end journey (journey.ts) that read the whole state at the
 * end: each trader's user channel against its replies and REST, money conserved, and
 * Postgres history against the live answers; and the exact-decimal helpers they use.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import {
  type Balance,
  type Balances,
  type Fill,
  type FillPage,
  type HistoryTradesPage,
  type Http,
  type LedgerPage,
  type Order,
  type OrderPage,
  type RecordingSocket,
  sleep,
  type TradesPage,
  type UserSnapshot,
} from "../client/index.ts";

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
  http: Http;
  ws: RecordingSocket;
  /** Every order view a reply carried (HTTP and WebSocket), in order. */
  replies: Order[];
  /** Every fill a reply carried. */
  replyFills: Fill[];
}

/** A trader's user channel agrees with every reply and with REST orders, fills and balances. */
export async function checkUserChannel(
  t: Trader,
  snap: UserSnapshot,
  lastUserSeq: number | null | undefined,
  step: (line: string) => void,
): Promise<void> {
  // The user channel's messages after the snapshot: order, fill and balance.
  const msgs = t.ws.received.filter((m) => m.type === "order" || m.type === "fill" || m.type === "balance");
  deepStrictEqual(
    t.ws.received.filter(
      (m) => m.type === "resync" || (m.type === "snapshot" && m.channel !== "user" && m.conflated === true),
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
  const orders = new Map<string, Order>();
  const balances = new Map<string, Balance>(snap.balances.map((b) => [b.asset, b]));
  const fills: Fill[] = [];
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
    ...(await t.http.get<OrderPage>("/v1/orders?status=open&limit=1000")).orders,
    ...(await t.http.get<OrderPage>("/v1/orders?status=done&limit=1000")).orders,
  ];
  deepStrictEqual(byId([...orders.values()], "order_id"), byId(restOrders, "order_id"), `${t.name}: orders`);
  const restFills = await t.http.get<FillPage>("/v1/fills?limit=1000");
  equal(restFills.next_cursor, null);
  deepStrictEqual(byId(fills, "fill_id"), byId(restFills.fills, "fill_id"), `${t.name}: fills`);
  const restBalances = (await t.http.get<Balances>("/v1/accounts/me/balances")).balances;
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
      const b = (await t.http.get<Balances>("/v1/accounts/me/balances")).balances.find((x) => x.asset === asset);
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
  pub: Http,
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
        const pairs: [string, string][] = [
          ["/v1/history/orders?limit=1000", "/v1/orders?status=done&limit=1000"],
          ["/v1/history/fills?limit=1000", "/v1/fills?limit=1000"],
          ["/v1/history/ledger?limit=1000", "/v1/accounts/me/ledger?limit=1000"],
        ];
        for (const [history, live] of pairs) {
          deepStrictEqual(
            await t.http.get<unknown>(history),
            await t.http.get<unknown>(live),
            `${t.name}: ${history} = ${live}`,
          );
        }
      },
      deadline,
      500,
    );
  }
  await eventually(
    async () => {
      deepStrictEqual(
        (await pub.get<HistoryTradesPage>(`/v1/instruments/${symbol}/history/trades?limit=1000`)).trades,
        restTrades,
        "history trades = trades",
      );
    },
    deadline,
    500,
  );
  // The ledger replays: Σ amounts per asset = the total, and every running balance follows.
  for (const t of traders) {
    const { entries } = await t.http.get<LedgerPage>("/v1/history/ledger?limit=1000");
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
