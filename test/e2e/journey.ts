/**
 * The end-to-end journey, against a running stack, through public interfaces only, as a
 * trader would drive them: the repository's own SDK (`@platform3/client`), a REST client
 * per trader on its API key (the SDK exchanges and renews the tokens), one on the
 * operator's bearer token, and a `FeedClient` per trader on the same session's token.
 * Where a check is about the wire rather than what the SDK returns (status codes and
 * `Location` of a placement, a replay's 200), it goes through the SDK's typed `api`
 * (openapi-fetch), which gives the response too; recorded-feed.ts taps the socket under
 * the feed client, so the stream checks still see every frame the server sent.
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
import { deepStrictEqual, equal, ok, rejects } from "node:assert/strict";
import {
  createRestClient,
  type FeedOrder,
  type FeedOrderReply,
  type HeartbeatMessage,
  type Level2Snapshot,
  type NewOrder,
  type OrderBook,
  type OrderReply,
  Platform3Error,
  type SubscriptionsResult,
  type TokenResponse,
  type TokenSession,
  type TradesSnapshot,
  type UserBalanceMessage,
  type UserOrderMessage,
  type UserSnapshot,
} from "../../sdk/src/index.ts";
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
import { RecordedFeed } from "./recorded-feed.ts";

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
  const headers = { "cache-control": "no-cache" };
  const pub = createRestClient({ baseUrl: o.base, headers });
  const op = createRestClient({ baseUrl: o.base, headers, auth: { type: "bearer", token: o.operatorToken } });
  const wsUrl = `${o.base.replace(/^http/, "ws")}/v1/ws`;
  const feeds: RecordedFeed[] = [];
  const step = (line: string): void => o.log(`  ${line}`);
  const deposit = (account: string, body: { asset: string; amount: string; reference: string }) =>
    op.api.POST("/v1/admin/accounts/{account}/deposits", { params: { path: { account } }, body });

  try {
    // ── Operator: list the instrument, create and fund the accounts ─────────────
    const spec = { ...testInstrument(SYM), status: "open" as const };
    const listed = await op.api.POST("/v1/admin/instruments", { body: spec });
    equal(listed.response.status, 201);
    deepStrictEqual(listed.data, { ...spec, book_epoch: 0 }); // a new listing's book is epoch 0
    equal((await pub.instrument(SYM)).status, "open");
    step(`operator listed ${SYM} (open)`);

    const deposits: Record<string, Record<string, string>> = {
      a: { [BASE_ASSET]: "10", USD: "1000" },
      b: { USD: "10000" },
    };
    const traders: Record<"a" | "b", Trader> = {} as Record<"a" | "b", Trader>;
    for (const name of ["a", "b"] as const) {
      const account = `e2e-${name}${tag ? `-${tag}` : ""}`;
      const { data, response } = await op.api.POST("/v1/admin/accounts", {
        body: { account_id: account, name: `E2E ${name}`, api_key: { name: "e2e", scopes: ["read", "trade"] } },
      });
      equal(response.status, 201);
      const created = must(data, "the created account");
      equal(created.account.account_id, account);
      deepStrictEqual(created.api_key.scopes, ["read", "trade"]);
      for (const [asset, amount] of Object.entries(deposits[name] as Record<string, string>)) {
        const body = { asset, amount, reference: `e2e-${asset}` };
        const first = await deposit(account, body);
        equal(first.response.status, 201);
        equal(first.data?.amount, fmt(units(amount)));
        // The same reference again (under another Idempotency-Key) moves nothing.
        const again = await deposit(account, body);
        equal(again.response.status, 200);
        ok(again.data?.replayed);
        equal(again.data?.tx_id, first.data?.tx_id);
      }
      // The SDK exchanges the key for tokens (and would renew them); the first answer is checked here.
      const issued: TokenResponse[] = [];
      const rest = createRestClient({
        baseUrl: o.base,
        headers,
        auth: {
          type: "api_key",
          apiKey: created.api_key.id,
          apiSecret: created.api_key.secret as string,
          onTokens: (t) => issued.push(t),
        },
      });
      const session = rest.auth as TokenSession;
      equal((await rest.me()).account_id, account);
      const token = must(issued[0], "the token answer");
      equal(token.account_id, account);
      equal(token.token_type, "Bearer");
      const feed = new RecordedFeed(wsUrl, () => session.accessToken());
      feeds.push(feed);
      await feed.client.connect();
      equal(feed.client.welcome?.type, "welcome");
      equal(feed.client.session?.account, account, `${name}: the feed session (auth)`);
      traders[name] = { name, account, rest, feed, replies: [], replyFills: [] };
    }
    const { a: A, b: B } = traders;
    step(`accounts ${A.account} and ${B.account} funded; tokens issued; sockets authenticated`);

    // ── Subscriptions: the level2 book + trades of the instrument, and the user channel ──
    const snapshots = new Map<Trader, { level2: Level2Snapshot; trades: TradesSnapshot; user: UserSnapshot }>();
    const books = new Map<Trader, OrderBook>();
    for (const t of [A, B]) {
      const c = t.feed.client;
      const feedBook = c.book(SYM);
      books.set(t, feedBook);
      await Promise.all([feedBook.waitFor(), c.subscribe("trades", SYM), c.subscribeUser()]);
      // What the server holds for the socket (`list`).
      const { subscriptions } = await c.request<SubscriptionsResult>("list");
      for (const s of [`level2:${SYM}`, `trades:${SYM}`, "user"]) ok(subscriptions.includes(s), `${s} subscribed`);
      const snapshot = <C extends string>(channel: C) =>
        t.feed.next((m) => m.type === "snapshot" && m.channel === channel, 10_000, `${channel} snapshot`);
      const level2 = (await snapshot("level2")) as Level2Snapshot;
      const trades = (await snapshot("trades")) as TradesSnapshot;
      const user = (await snapshot("user")) as UserSnapshot;
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
    const topUp = await deposit(B.account, { asset: "USD", amount: "500", reference: "e2e-USD-2" });
    equal(topUp.response.status, 201);
    (deposits.b as Record<string, string>).USD = "10500";
    const streamedTopUp = await B.feed.next(
      (m): m is UserBalanceMessage =>
        m.type === "balance" && m.balances.some((b) => b.asset === "USD" && b.total === "10500.00000000"),
      10_000,
      "the top-up on B's user channel",
    );
    deepStrictEqual(streamedTopUp.balances, [topUp.data?.balance]);
    step("operator tops up B by 500 USD: streamed on B's user channel");

    const limit = (id: string, side: "buy" | "sell", price: string, size: string): NewOrder => ({
      client_order_id: id,
      instrument: SYM,
      side,
      type: "limit",
      price,
      size,
    });
    const record = <R extends { order?: OrderReply["order"] | FeedOrder; fills?: OrderReply["fills"] }>(
      t: Trader,
      reply: R,
    ): R => {
      if (reply.order) t.replies.push(reply.order);
      t.replyFills.push(...(reply.fills ?? []));
      return reply;
    };
    // Through the typed `api`: the status and `Location` are part of what is checked.
    const httpPlace = async (t: Trader, order: NewOrder): Promise<OrderReply> => {
      const { data, response } = await t.rest.api.POST("/v1/orders", {
        body: order,
        params: { header: { "idempotency-key": `key-${order.client_order_id}` } },
      });
      equal(response.status, 201);
      const body = must(data, `${order.client_order_id}'s reply`);
      equal(response.headers.get("location"), `/v1/orders/${body.order.order_id}`);
      return record(t, body);
    };
    const wsPlace = async (t: Trader, order: NewOrder): Promise<FeedOrderReply> =>
      record(t, await t.feed.client.placeOrder(order as Parameters<typeof t.feed.client.placeOrder>[0]));

    // ── A rests four asks: HTTP, WebSocket, and a batch ─────────────────────────
    const a1 = await httpPlace(A, limit("a1", "sell", "101.00", "2"));
    equal(a1.order.status, "new");
    // The same order again (another Idempotency-Key, the same client order id): the first
    // outcome, same order id, nothing placed twice.
    const a1again = await A.rest.api.POST("/v1/orders", { body: limit("a1", "sell", "101.00", "2") });
    equal(a1again.response.status, 200);
    ok(a1again.data?.replayed);
    equal(a1again.data?.order.order_id, a1.order.order_id);
    const a2 = await wsPlace(A, limit("a2", "sell", "102.00", "3"));
    equal(a2.order.status, "new");
    const batch = await A.rest.placeOrders([limit("a3", "sell", "103.00", "1"), limit("a4", "sell", "104.00", "1.5")]);
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
    const b3 = await wsPlace(B, limit("b3", "buy", "102.00", "1"));
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
    const userOrder =
      (id: string, status: string) =>
      (m: { type: string; order?: FeedOrder }): m is UserOrderMessage =>
        m.type === "order" && m.order?.client_order_id === id && m.order.status === status;
    await A.feed.next(userOrder("a2", "partially_filled"), 10_000, "a2 partially filled on A's user channel");
    await A.feed.next(userOrder("a1", "filled"), 10_000, "a1 filled on A's user channel");

    // ── A amends down (HTTP, WebSocket) and cancels ─────────────────────────────
    const amended = record(A, await A.rest.amendOrder(a2.order.order_id, { size: "2" }));
    deepStrictEqual(
      [amended.order.status, amended.order.size, amended.order.filled_size, amended.order.remaining_size],
      ["partially_filled", "2.000", "0.250", "1.750"],
    );
    const amendedWs = record(A, await A.feed.client.amendOrder({ client_order_id: "a4", size: "1" }));
    deepStrictEqual(
      [amendedWs.order.order_id, amendedWs.order.size, amendedWs.order.remaining_size],
      [a4.order_id, "1.000", "1.000"],
    );
    const cancelled = record(A, await A.rest.cancelOrder(a3.order_id));
    deepStrictEqual([cancelled.order.status, cancelled.order.done_reason], ["cancelled", "user"]);
    // Cancelling again is refused (the SDK's typed error carries the problem's code) and changes nothing.
    await rejects(A.rest.cancelOrder(a3.order_id), (e) => e instanceof Platform3Error && e.code === "order_not_open");
    step("A amends a2 to 2 (HTTP) and a4 to 1 (WebSocket), cancels a3 (HTTP)");

    // ── B's dead-man timer ─────────────────────────────────────────────────────
    const armedAt = Date.now();
    const armed = await B.rest.cancelAfter(1500);
    const cancelAt = armed.cancel_at_ms ?? Number.NaN;
    ok(cancelAt >= armedAt + 1500 - 50 && cancelAt <= Date.now() + 1500 + 50, JSON.stringify(armed));
    const fired = await B.feed.next(userOrder("b1", "cancelled"), 15_000, "b1 cancelled by the dead-man timer");
    equal(fired.order.done_reason, "cancel_all");
    ok(fired.order.updated_at_ms >= cancelAt, "the timer did not fire early");
    const b1rest = await B.rest.getOrder(b1.order.order_id);
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
      const b = await pub.book(SYM, { level: "2" });
      deepStrictEqual({ bids: b.bids, asks: b.asks }, expectedBook);
      return b;
    }, 10_000);
    const restTrades = (await pub.trades(SYM, { limit: 1000 })).trades;
    deepStrictEqual(
      restTrades
        .slice()
        .reverse()
        .map((t) => [t.price, t.size, t.side]),
      expectedTrades,
    );
    for (const t of [A, B]) {
      await eventually(async () => {
        const { balances } = await t.rest.balances();
        const want = expectedBalances[t.account] as Record<string, [string, string]>;
        deepStrictEqual(
          Object.fromEntries(balances.map((b) => [b.asset, [b.total, b.hold]])),
          Object.fromEntries(Object.keys(want).map((k) => [k, want[k]])),
        );
      }, 10_000);
    }
    // Fee reports are coalesced (about one a second per account).
    const fees = await eventually(async () => {
      const f = must((await op.api.GET("/v1/admin/fees")).data, "the fees");
      const mine = f.instruments.find((i) => i.instrument === SYM && i.asset === "USD");
      equal(mine?.collected, expectedFees);
      return f;
    }, 15_000);
    step("REST book, trades, balances and fees have the expected values");

    // Wait for a heartbeat after everything, so the sockets' streams are complete.
    const lastSeqs = new Map<Trader, HeartbeatMessage["seqs"]>();
    for (const t of [A, B]) {
      const from = t.feed.received.length;
      const isBeat = (m: { type: string }): m is HeartbeatMessage => m.type === "heartbeat";
      lastSeqs.set(t, (await t.feed.next(isBeat, 15_000, "a heartbeat", from)).seqs);
      // Under the SDK: one socket, nothing repaired, every frame passed on as the server sent it.
      t.feed.checkPassedOn(t.name);
    }

    // ── The user channel agrees with every reply and with REST ──────────────────
    for (const t of [A, B]) {
      const snap = must(snapshots.get(t), `${t.name}'s snapshots`).user;
      await checkUserChannel(t, snap, lastSeqs.get(t)?.user, step);
    }

    // ── Market data: the SDK's level2 book (snapshot + deltas) = REST book; trades = REST trades ──
    const streams: unknown[] = [];
    for (const t of [A, B]) {
      const snap = must(snapshots.get(t), `${t.name}'s snapshots`);
      let last = snap.level2.seq;
      for (const m of t.feed.received) {
        if (m.type !== "update" || m.channel !== "level2") continue;
        equal(m.first_seq, last + 1, `${t.name}: level2 gap-free`);
        ok(m.seq >= m.first_seq);
        last = m.seq;
      }
      const built = must(books.get(t), `${t.name}'s book`).levels();
      deepStrictEqual(built, { seq: book.seq, bids: book.bids, asks: book.asks }, `${t.name}: level2 book = REST book`);
      equal(last, book.seq, `${t.name}: level2 seq = REST book seq`);
      equal(lastSeqs.get(t)?.[`level2:${SYM}`], last, `${t.name}: heartbeat names the last level2 seq`);

      const trades = [...snap.trades.trades].reverse();
      let lastT = snap.trades.seq;
      for (const m of t.feed.received) {
        if (m.type !== "update" || m.channel !== "trades") continue;
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
    for (const f of feeds) f.close();
  }
}
