/**
 * The end-to-end journey, against a running stack, through public interfaces only:
 * HTTP with `fetch`, the feed WebSocket with the `ws` package.
 *
 * An operator lists `E2E-USD` (open) and creates and funds `e2e-a` and `e2e-b`;
 * each trader gets a token and a socket subscribed to `level2` and `trades` of the
 * instrument and to its `user` channel. A rests four asks (HTTP, WebSocket, a batch),
 * B rests a bid and crosses twice (HTTP, WebSocket), A amends one ask down (HTTP)
 * and another (WebSocket) and cancels a third; B arms the dead-man timer and its
 * bid is cancelled (`cancel_all`) when it fires. Then everything must agree:
 * every reply with the user channel (contiguous `seq`, no resync), the user channel
 * with REST orders, fills and balances, level2 deltas applied to the snapshot with
 * the REST book, the trades stream with REST trades, both sockets' market data
 * with each other, Postgres history with the live answers (polled: it trails by a
 * second or two), and money: balances + fees = deposits, with the exact amounts.
 *
 * `scripts/e2e.ts` (`npm run test:e2e`) starts a fresh stack and calls `runJourney`.
 * Against a running server: `node --experimental-strip-types test/e2e/cli.ts
 * --url http://127.0.0.1:8787 [--tag 2]` (a tag gives fresh names: `E2E2-USD`, `e2e-a-2`).
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import type { Level2Snapshot, TradesSnapshot } from "../../shared/feed/messages.ts";
import {
  type Balances,
  type BatchReply,
  type Book,
  bodyOf,
  type CancelAfter,
  type CreatedAccount,
  type FeesSummary,
  type Fill,
  type HeartbeatMessage,
  Http,
  type Instrument,
  type Me,
  type MessageOf,
  type Order,
  type OrderReply,
  type OrderResult,
  RecordingSocket,
  type Tokens,
  type TradesPage,
  type TransferOutcome,
  type UserSnapshot,
} from "../client/index.ts";
import { wsPackage } from "../client/node.ts";
import { testInstrument } from "../instrument-spec.ts";
import {
  checkHistory,
  checkMoneyConserved,
  checkUserChannel,
  eventually,
  fmt,
  must,
  type Trader,
  units,
} from "./journey-checks.ts";

export interface JourneyOptions {
  base: string;
  operatorToken: string;
  log: (line: string) => void;
  /** Suffix for the instrument and account names (reruns against one server). */
  tag?: string;
  /** How long Postgres history may trail the live answers (default 30 s). */
  historyDeadlineMs?: number;
}

export async function runJourney(o: JourneyOptions): Promise<string> {
  const t0 = Date.now();
  const tag = o.tag ?? "";
  const SYM = `E2E${tag}-USD`;
  const BASE_ASSET = `E2E${tag}`;
  // Public market data is cached at the edge for a second: always read through.
  const pub = new Http({ base: o.base, headers: { "cache-control": "no-cache" } });
  const op = pub.withBearer(o.operatorToken);
  const sockets: RecordingSocket[] = [];
  const step = (line: string): void => o.log(`  ${line}`);

  try {
    // ── Operator: list the instrument, create and fund the accounts ─────────────
    const spec = testInstrument(SYM);
    deepStrictEqual(await op.post<Instrument>("/v1/admin/instruments", spec, 201), spec);
    equal((await pub.get<Instrument>(`/v1/instruments/${SYM}`)).status, "open");
    step(`operator listed ${SYM} (open)`);

    const deposits: Record<string, Record<string, string>> = {
      a: { [BASE_ASSET]: "10", USD: "1000" },
      b: { USD: "10000" },
    };
    const traders: Record<"a" | "b", Trader> = {} as Record<"a" | "b", Trader>;
    for (const name of ["a", "b"] as const) {
      const account = `e2e-${name}${tag ? `-${tag}` : ""}`;
      const created = await op.post<CreatedAccount>(
        "/v1/admin/accounts",
        { account_id: account, name: `E2E ${name}`, api_key: { name: "e2e", scopes: ["read", "trade"] } },
        201,
      );
      equal(created.account.account_id, account);
      deepStrictEqual(created.api_key.scopes, ["read", "trade"]);
      for (const [asset, amount] of Object.entries(deposits[name] as Record<string, string>)) {
        const path = `/v1/admin/accounts/${account}/deposits`;
        const body = { asset, amount, reference: `e2e-${asset}` };
        const first = await op.post<TransferOutcome>(path, body, 201);
        equal(first.amount, fmt(units(amount)));
        // The same reference again moves nothing.
        const again = await op.post<TransferOutcome>(path, body, 200);
        ok(again.replayed);
        equal(again.tx_id, first.tx_id);
      }
      const token = await pub.post<Tokens>("/v1/auth/token", {
        api_key: created.api_key.id,
        api_secret: created.api_key.secret,
      });
      equal(token.account_id, account);
      equal(token.token_type, "Bearer");
      const http = pub.withBearer(token.access_token);
      equal((await http.get<Me>("/v1/accounts/me")).account_id, account);
      const ws = await new RecordingSocket({ timeoutMs: 10_000 }).connect(
        wsPackage(`${o.base.replace(/^http/, "ws")}/v1/ws`),
      );
      sockets.push(ws);
      await ws.next((m) => m.type === "welcome", 10_000, "welcome");
      const session = await ws.call("auth", { token: token.access_token });
      equal(session.account, account);
      traders[name] = { name, account, http, ws, replies: [], replyFills: [] };
    }
    const { a: A, b: B } = traders;
    step(`accounts ${A.account} and ${B.account} funded; tokens issued; sockets authenticated`);

    // ── Subscriptions: level2 + trades of the instrument, and the user channel ──
    const snapshots = new Map<Trader, { level2: Level2Snapshot; trades: TradesSnapshot; user: UserSnapshot }>();
    for (const t of [A, B]) {
      const sub = await t.ws.call("subscribe", { channels: ["level2", "trades", "user"], instruments: [SYM] });
      for (const s of [`level2:${SYM}`, `trades:${SYM}`, "user"]) ok(sub.subscriptions.includes(s), `${s} subscribed`);
      const level2 = await t.ws.next((m) => m.type === "snapshot" && m.channel === "level2", 10_000, "level2 snapshot");
      const trades = await t.ws.next((m) => m.type === "snapshot" && m.channel === "trades", 10_000, "trades snapshot");
      const user = await t.ws.next((m) => m.type === "snapshot" && m.channel === "user", 10_000, "user snapshot");
      deepStrictEqual([level2.bids, level2.asks, trades.trades, user.orders], [[], [], [], []]);
      // The snapshot's balances are the deposits.
      deepStrictEqual(
        Object.fromEntries(user.balances.map((b) => [b.asset, b.total])),
        Object.fromEntries(Object.entries(deposits[t.name] as object).map(([k, v]) => [k, fmt(units(v))])),
      );
      snapshots.set(t, { level2, trades, user });
    }
    step("both sockets subscribed: level2, trades and user snapshots received");

    // A deposit while B is subscribed streams as a balance message.
    const topUp = await op.post<TransferOutcome>(
      `/v1/admin/accounts/${B.account}/deposits`,
      {
        asset: "USD",
        amount: "500",
        reference: "e2e-USD-2",
      },
      201,
    );
    (deposits.b as Record<string, string>).USD = "10500";
    const streamedTopUp = await B.ws.next(
      (m): m is MessageOf<"balance"> =>
        m.type === "balance" && m.balances.some((b) => b.asset === "USD" && b.total === "10500.00000000"),
      10_000,
      "the top-up on B's user channel",
    );
    deepStrictEqual(streamedTopUp.balances, [topUp.balance]);
    step("operator tops up B by 500 USD: streamed on B's user channel");

    const limit = (id: string, side: "buy" | "sell", price: string, size: string) => ({
      client_order_id: id,
      instrument: SYM,
      side,
      type: "limit",
      price,
      size,
    });
    type NewOrder = ReturnType<typeof limit>;
    const record = <R extends { order?: Order; fills?: Fill[] }>(t: Trader, reply: R): R => {
      if (reply.order) t.replies.push(reply.order);
      t.replyFills.push(...(reply.fills ?? []));
      return reply;
    };
    const httpPlace = async (t: Trader, order: NewOrder): Promise<OrderReply> => {
      const a = await t.http.call<OrderReply>("POST", "/v1/orders", order, {
        "idempotency-key": `key-${order.client_order_id}`,
      });
      equal(a.status, 201, a.text);
      const body = bodyOf(a);
      equal(a.headers.get("location"), `/v1/orders/${body.order.order_id}`);
      return record(t, body);
    };
    const wsCall = async (t: Trader, method: "order.place" | "order.amend", params: object): Promise<OrderReply> =>
      record(t, await t.ws.call(method, params));

    // ── A rests four asks: HTTP, WebSocket, and a batch ─────────────────────────
    const a1 = await httpPlace(A, limit("a1", "sell", "101.00", "2"));
    equal(a1.order.status, "new");
    // The same order again: the first outcome, same order id, nothing placed twice.
    const a1again = await A.http.call<OrderReply>("POST", "/v1/orders", limit("a1", "sell", "101.00", "2"));
    equal(a1again.status, 200);
    ok(bodyOf(a1again).replayed);
    equal(bodyOf(a1again).order.order_id, a1.order.order_id);
    const a2 = await wsCall(A, "order.place", limit("a2", "sell", "102.00", "3"));
    equal(a2.order.status, "new");
    const batch = await A.http.post<BatchReply>("/v1/orders/batch", {
      orders: [limit("a3", "sell", "103.00", "1"), limit("a4", "sell", "104.00", "1.5")],
    });
    for (const r of batch.results) {
      ok(r.ok, JSON.stringify(r));
      equal(r.order?.status, "new");
      record(A, r);
    }
    const a3 = must(batch.results[0]?.order, "a3's order");
    const a4 = must(batch.results[1]?.order, "a4's order");
    step("A rests asks a1 2@101.00 (HTTP), a2 3@102.00 (WebSocket), a3 1@103.00 + a4 1.5@104.00 (batch)");

    // ── B rests a bid and crosses twice ─────────────────────────────────────────
    const b1 = await httpPlace(B, limit("b1", "buy", "99.00", "1"));
    equal(b1.order.status, "new");
    const b2 = await httpPlace(B, limit("b2", "buy", "101.50", "1.25"));
    equal(b2.order.status, "filled");
    deepStrictEqual(
      b2.fills.map((f) => [f.price, f.size, f.liquidity]),
      [["101.00", "1.250", "taker"]],
    );
    const b3 = await wsCall(B, "order.place", limit("b3", "buy", "102.00", "1"));
    equal(b3.order.status, "filled");
    deepStrictEqual(
      b3.fills.map((f) => [f.price, f.size, f.liquidity]),
      [
        ["101.00", "0.750", "taker"],
        ["102.00", "0.250", "taker"],
      ],
    );
    step("B rests b1 1@99.00 and crosses: b2 1.25@101.50 (HTTP) and b3 1@102.00 (WebSocket), 3 trades");

    // The makers' fills reach A through the book's outbox: wait for them on A's user channel.
    await A.ws.next(
      (m) => m.type === "order" && m.order.client_order_id === "a2" && m.order.status === "partially_filled",
      10_000,
      "a2 partially filled on A's user channel",
    );
    await A.ws.next(
      (m) => m.type === "order" && m.order.client_order_id === "a1" && m.order.status === "filled",
      10_000,
      "a1 filled on A's user channel",
    );

    // ── A amends down (HTTP, WebSocket) and cancels ─────────────────────────────
    const amended = record(
      A,
      await A.http.expect<OrderReply>("PATCH", `/v1/orders/${a2.order.order_id}`, { size: "2" }),
    );
    deepStrictEqual(
      [amended.order.status, amended.order.size, amended.order.filled_size, amended.order.remaining_size],
      ["partially_filled", "2.000", "0.250", "1.750"],
    );
    const amendedWs = await wsCall(A, "order.amend", { client_order_id: "a4", size: "1" });
    deepStrictEqual(
      [amendedWs.order.order_id, amendedWs.order.size, amendedWs.order.remaining_size],
      [a4.order_id, "1.000", "1.000"],
    );
    const cancelled = record(A, await A.http.expect<OrderReply>("DELETE", `/v1/orders/${a3.order_id}`));
    deepStrictEqual([cancelled.order.status, cancelled.order.done_reason], ["cancelled", "user"]);
    // Cancelling again is refused and changes nothing.
    equal((await A.http.refused("DELETE", `/v1/orders/${a3.order_id}`)).code, "order_not_open");
    step("A amends a2 to 2 (HTTP) and a4 to 1 (WebSocket), cancels a3 (HTTP)");

    // ── B's dead-man timer ─────────────────────────────────────────────────────
    const armedAt = Date.now();
    const armed = await B.http.post<CancelAfter>("/v1/orders/cancel-after", { timeout_ms: 1500 });
    const cancelAt = armed.cancel_at_ms ?? Number.NaN;
    ok(cancelAt >= armedAt + 1500 - 50 && cancelAt <= Date.now() + 1500 + 50, JSON.stringify(armed));
    const fired = await B.ws.next(
      (m): m is MessageOf<"order"> =>
        m.type === "order" && m.order.client_order_id === "b1" && m.order.status === "cancelled",
      15_000,
      "b1 cancelled by the dead-man timer",
    );
    equal(fired.order.done_reason, "cancel_all");
    ok(fired.order.updated_at_ms >= cancelAt, "the timer did not fire early");
    const b1rest = (await B.http.get<OrderResult>(`/v1/orders/${b1.order.order_id}`)).order;
    deepStrictEqual([b1rest.status, b1rest.done_reason], ["cancelled", "cancel_all"]);
    step(`B arms cancel-after 1500 ms: b1 cancelled (cancel_all) ${fired.order.updated_at_ms - armedAt} ms later`);

    // ── Everything settles: the books, the balances and the fees ────────────────
    const expectedBook = {
      bids: [] as string[][],
      asks: [
        ["102.00", "1.750"],
        ["104.00", "1.000"],
      ],
    };
    const expectedTrades = [
      ["101.00", "1.250", "buy"],
      ["101.00", "0.750", "buy"],
      ["102.00", "0.250", "buy"],
    ];
    // Notional 126.25 + 75.75 + 25.50 = 227.50; taker fee 20 bps = 0.455, maker 10 bps = 0.2275.
    const expectedBalances: Record<string, Record<string, [string, string]>> = {
      [A.account]: { [BASE_ASSET]: ["7.75000000", "2.75000000"], USD: ["1227.27250000", "0.00000000"] },
      [B.account]: { [BASE_ASSET]: ["2.25000000", "0.00000000"], USD: ["10272.04500000", "0.00000000"] },
    };
    const expectedFees = "0.68250000";

    const book = await eventually(async () => {
      const b = await pub.get<Book>(`/v1/instruments/${SYM}/book?level=2`);
      deepStrictEqual({ bids: b.bids, asks: b.asks }, expectedBook);
      return b;
    }, 10_000);
    const restTrades = (await pub.get<TradesPage>(`/v1/instruments/${SYM}/trades?limit=1000`)).trades;
    deepStrictEqual(
      restTrades
        .slice()
        .reverse()
        .map((t) => [t.price, t.size, t.side]),
      expectedTrades,
    );
    for (const t of [A, B]) {
      await eventually(async () => {
        const { balances } = await t.http.get<Balances>("/v1/accounts/me/balances");
        const want = expectedBalances[t.account] as Record<string, [string, string]>;
        deepStrictEqual(
          Object.fromEntries(balances.map((b) => [b.asset, [b.total, b.hold]])),
          Object.fromEntries(Object.keys(want).map((k) => [k, want[k]])),
        );
      }, 10_000);
    }
    // Fee reports are coalesced (about one a second per account).
    const fees = await eventually(async () => {
      const f = await op.get<FeesSummary>("/v1/admin/fees");
      const mine = f.instruments.find((i) => i.instrument === SYM && i.asset === "USD");
      equal(mine?.collected, expectedFees);
      return f;
    }, 15_000);
    step("REST book, trades, balances and fees have the expected values");

    // Wait for a heartbeat after everything, so the sockets' streams are complete.
    const lastSeqs = new Map<Trader, HeartbeatMessage["seqs"]>();
    for (const t of [A, B]) {
      const from = t.ws.received.length;
      const beat = await t.ws.next((m) => m.type === "heartbeat", 15_000, "a heartbeat", from);
      lastSeqs.set(t, beat.seqs);
    }

    // ── The user channel agrees with every reply and with REST ──────────────────
    for (const t of [A, B]) {
      const snap = must(snapshots.get(t), `${t.name}'s snapshots`).user;
      await checkUserChannel(t, snap, lastSeqs.get(t)?.user, step);
    }

    // ── Market data: level2 deltas on the snapshot = REST book; trades = REST trades ──
    const streams: unknown[] = [];
    for (const t of [A, B]) {
      const snap = must(snapshots.get(t), `${t.name}'s snapshots`);
      const sides = { buy: new Map<string, string>(), sell: new Map<string, string>() };
      for (const [p, s] of snap.level2.bids) sides.buy.set(p, s);
      for (const [p, s] of snap.level2.asks) sides.sell.set(p, s);
      let last = snap.level2.seq;
      for (const m of t.ws.received.filter((x) => x.type === "update" && x.channel === "level2")) {
        equal(m.first_seq, last + 1, `${t.name}: level2 gap-free`);
        ok(m.seq >= m.first_seq);
        last = m.seq;
        for (const [side, price, size] of m.changes) {
          if (units(size) === 0n) sides[side].delete(price);
          else sides[side].set(price, size);
        }
      }
      const sorted = (m: Map<string, string>, dir: 1 | -1) =>
        [...m.entries()].sort((x, y) => dir * Number(units(x[0]) - units(y[0])));
      const built = { bids: sorted(sides.buy, -1), asks: sorted(sides.sell, 1) };
      deepStrictEqual(built, { bids: book.bids, asks: book.asks }, `${t.name}: level2 stream = REST book`);
      equal(last, book.seq, `${t.name}: level2 seq = REST book seq`);
      equal(lastSeqs.get(t)?.[`level2:${SYM}`], last, `${t.name}: heartbeat names the last level2 seq`);

      const trades = [...snap.trades.trades].reverse();
      let lastT = snap.trades.seq;
      for (const m of t.ws.received.filter((x) => x.type === "update" && x.channel === "trades")) {
        equal(m.first_seq, lastT + 1, `${t.name}: trades gap-free`);
        lastT = m.seq;
        trades.push(...m.trades);
      }
      deepStrictEqual(trades, restTrades.slice().reverse(), `${t.name}: trades stream = REST trades`);
      equal(lastSeqs.get(t)?.[`trades:${SYM}`], lastT, `${t.name}: heartbeat names the last trades seq`);
      streams.push({ built, last, trades, lastT });
    }
    deepStrictEqual(streams[0], streams[1], "both sockets saw the same market data");
    step(`level2 (${book.seq} seq) and trades (${restTrades.length}) streams = REST, on both sockets`);

    // ── Money is conserved, and Postgres history catches up with the live answers ──
    const fee = units(fees.instruments.find((i) => i.instrument === SYM && i.asset === "USD")?.collected ?? "0");
    await checkMoneyConserved([A, B], [BASE_ASSET, "USD"], deposits, fee, step);
    await checkHistory([A, B], pub, SYM, restTrades, expectedBalances, o.historyDeadlineMs ?? 30_000, step);

    return `${SYM}: 9 orders, 3 trades, dead-man timer, every stream and Postgres agree (${((Date.now() - t0) / 1000).toFixed(1)} s)`;
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
  }
}
