/**
 * The event pipeline end to end, inside workerd: OrderBook and Account objects stream
 * their events to the EVENTS Queue (Miniflare's), this Worker's queue handler writes
 * them to the run's Postgres (test/global-setup-postgres.ts, through the Neon bridge).
 * Checks: exactly once in `journal` and the projections; redelivery changes nothing;
 * Postgres down → the batch is retried, nothing acked, then caught up with nothing
 * lost; stream cursors survive `abortAllDurableObjects()` and resend only what is
 * unacknowledged.
 */
import {
  abortAllDurableObjects,
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { OrderOutcome, StoredOutcome } from "../../durable-objects/account/index.ts";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { BookStore } from "../../durable-objects/order-book/store.ts";
import { sqlOver } from "../../durable-objects/runtime/sql.ts";
import type { Envelope } from "../../shared/events/envelope.ts";
import { handleEventBatch } from "../../workers/consumer/index.ts";
import { fundedAccount } from "./account-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import { hasDb, sql, until } from "./postgres-helpers.ts";

const tag = Math.random().toString(36).slice(2, 7).toUpperCase();

function funded(name: string, deposits: Record<string, string>): Promise<string> {
  return fundedAccount(`pipe-${name}-${tag.toLowerCase()}`, deposits);
}

function placed(outcome: StoredOutcome | { ok: false; code: string }): Extract<OrderOutcome, { ok: true }> {
  if (!outcome.ok || !("order" in outcome)) throw new Error(`expected an order, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<OrderOutcome, { ok: true }>;
}

const bookOf = (symbol: string) => env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(symbol));

/** The Account's stream cursor and newest journal seq, read from its storage. */
async function accountStream(account: string): Promise<{ cursor: number; head: number; seqs: number[] }> {
  return runInDurableObject(accountStub(env.ACCOUNT, account), (_o, state) => {
    const cursor = state.storage.sql.exec<{ seq: number }>("SELECT seq FROM stream_out WHERE id = 1").one().seq;
    const seqs = state.storage.sql
      .exec<{ seq: number }>("SELECT seq FROM account_events ORDER BY seq")
      .toArray()
      .map((r) => r.seq);
    return { cursor, head: seqs.at(-1) ?? 0, seqs };
  });
}

/** Two accounts trade once on a fresh instrument; resolves when both objects have streamed it all. */
async function tradeOnce(symbol: string) {
  await listInstrument(testInstrument(symbol, { maker_fee_bps: 10, taker_fee_bps: 20 }));
  const base = symbol.split("-")[0] as string;
  const seller = await funded(`s-${base.toLowerCase()}`, { [base]: "10" });
  const buyer = await funded(`b-${base.toLowerCase()}`, { USD: "1000" });
  const ask = placed(
    await accountStub(env.ACCOUNT, seller).placeOrder(seller, {
      client_order_id: "ask-1",
      instrument: symbol,
      side: "sell",
      type: "limit",
      price: "100.00",
      size: "2",
    }),
  );
  const bid = placed(
    await accountStub(env.ACCOUNT, buyer).placeOrder(buyer, {
      client_order_id: "bid-1",
      instrument: symbol,
      side: "buy",
      type: "limit",
      price: "100.00",
      size: "2",
    }),
  );
  expect(bid.order.status).toBe("filled");
  const book = bookOf(symbol);
  const head = await until("the book's stream to catch up", async () => {
    const s = await book.streamStatus();
    return s.enabled && s.head > 0 && s.cursor === s.head ? s.head : undefined;
  });
  for (const account of [seller, buyer]) {
    await until(`${account}'s stream to catch up`, async () => {
      const s = await accountStream(account);
      return s.head > 0 && s.cursor === s.head ? true : undefined;
    });
  }
  return { seller, buyer, ask, bid, head };
}

function batchOf(events: Envelope[], attempts = 1) {
  return createMessageBatch<Envelope>(
    "platform3-events",
    events.map((body, i) => ({
      id: `m-${body.stream}-${body.key}-${body.seq}-${i}`,
      timestamp: body.at,
      attempts,
      body,
    })),
  );
}

async function journalOf(stream: string, key: string): Promise<Envelope[]> {
  const rows = await sql<{
    stream: string;
    key: string;
    seq: string;
    at: Date;
    type: string;
    body: Record<string, unknown>;
  }>("SELECT stream, key, seq::text, at, type, body FROM journal WHERE stream = $1 AND key = $2 ORDER BY journal.seq", [
    stream,
    key,
  ]);
  return rows.map((r) => ({
    stream: r.stream as Envelope["stream"],
    key: r.key,
    seq: Number(r.seq),
    at: new Date(r.at).getTime(),
    type: r.type,
    body: r.body,
  }));
}

describe("event streams (producers)", () => {
  it("journals account changes with a contiguous seq and streams them; the book streams its log", async () => {
    const { seller, buyer, head } = await tradeOnce(`PIPA${tag}-USD`);
    expect(head).toBeGreaterThan(3);
    for (const account of [seller, buyer]) {
      const s = await accountStream(account);
      expect(s.seqs).toEqual(Array.from({ length: s.head }, (_, i) => i + 1));
      const types = await runInDurableObject(accountStub(env.ACCOUNT, account), (_o, state) =>
        state.storage.sql
          .exec<{ type: string }>("SELECT DISTINCT type FROM account_events")
          .toArray()
          .map((r) => r.type)
          .sort(),
      );
      expect(types).toEqual(["fill", "ledger_entry", "order"]);
    }
  });

  it("never prunes book events the stream has not sent", async () => {
    const symbol = `PIPP${tag}-USD`;
    await tradeOnce(symbol);
    const book = bookOf(symbol);
    const { head } = await book.streamStatus();
    const left = await runInDurableObject(book, (_o, state) => {
      const objectSql = sqlOver(state.storage.sql);
      const store = new BookStore(objectSql);
      const seqs = store.loadSequences();
      // Keep nothing for resume, but the stream has only sent up to 2: everything after stays.
      store.prune(seqs, 0, 2);
      return objectSql<{ seq: number }>`SELECT seq FROM events ORDER BY seq`.map((r) => r.seq);
    });
    expect(left).toEqual(Array.from({ length: head - 2 }, (_, i) => i + 3));
  });
});

describe.skipIf(!hasDb)("event pipeline into Postgres", () => {
  it("gets every trade into journal, trades, orders, fills and the ledger exactly once", async () => {
    const symbol = `PIPE${tag}-USD`;
    const { seller, buyer, ask, bid, head } = await tradeOnce(symbol);
    const journal = await until("the book's events in Postgres", async () => {
      const rows = await journalOf("book", symbol);
      return rows.length >= head ? rows : undefined;
    });
    expect(journal.map((e) => e.seq)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    const trades = await sql<Record<string, unknown>>(
      "SELECT trade_id::int, price::text, size::text, maker_order_id, taker_order_id FROM trades WHERE instrument = $1",
      [symbol],
    );
    expect(trades).toEqual([
      {
        trade_id: 1,
        price: "100.00",
        size: "2.000",
        maker_order_id: ask.order.order_id,
        taker_order_id: bid.order.order_id,
      },
    ]);
    const candle = await sql<Record<string, unknown>>(
      "SELECT open::text, close::text, volume::text, trades FROM candles_1m WHERE instrument = $1",
      [symbol],
    );
    expect(candle).toEqual([{ open: "100.00", close: "100.00", volume: "2.000", trades: 1 }]);

    for (const [account, order] of [
      [seller, ask],
      [buyer, bid],
    ] as const) {
      const s = await accountStream(account);
      const events = await until(`${account}'s events in Postgres`, async () => {
        const rows = await journalOf("account", account);
        return rows.length >= s.head ? rows : undefined;
      });
      expect(events.map((e) => e.seq)).toEqual(s.seqs);
      const orders = await until(`${account}'s order in its final state`, async () => {
        const rows = await sql<{ status: string; last_seq: string; client_order_id: string }>(
          "SELECT status, last_seq::text, client_order_id FROM orders WHERE account_id = $1",
          [account],
        );
        return rows[0]?.status === "filled" ? rows : undefined;
      });
      expect(orders).toEqual([
        {
          status: "filled",
          last_seq: String(Math.max(...events.filter((e) => e.type === "order").map((e) => e.seq))),
          client_order_id: order.order.client_order_id,
        },
      ]);
      const fills = await sql<{ fill_id: string; size: string }>(
        "SELECT fill_id, size::text FROM fills WHERE account_id = $1",
        [account],
      );
      expect(fills).toEqual([{ fill_id: `${symbol}:1`, size: "2.000" }]);
      // Every journal entry of the account object is in Postgres, with the same running balances.
      const ledger = await accountStub(env.ACCOUNT, account).ledgerEntries(account, { limit: 1000 });
      if (!ledger.ok) throw new Error(ledger.code);
      const rows = await sql<{ entry_id: string; amount: string; balance: string }>(
        "SELECT entry_id::text, amount::text, balance::text FROM ledger_entries WHERE account_id = $1 ORDER BY entry_id DESC",
        [account],
      );
      expect(rows).toEqual(
        ledger.entries.map((e) => ({ entry_id: String(e.entry_id), amount: e.amount, balance: e.balance })),
      );
    }

    // Redelivery: the same events handed to the consumer twice more change nothing.
    const count = async () =>
      sql<Record<string, number>>(
        `SELECT (SELECT count(*)::int FROM journal WHERE key = ANY($1)) AS journal,
                (SELECT count(*)::int FROM trades WHERE instrument = $2) AS trades,
                (SELECT count(*)::int FROM orders WHERE account_id = ANY($1)) AS orders,
                (SELECT count(*)::int FROM fills WHERE account_id = ANY($1)) AS fills,
                (SELECT count(*)::int FROM ledger_entries WHERE account_id = ANY($1)) AS ledger,
                (SELECT string_agg(status || last_seq, ',' ORDER BY order_id) FROM orders WHERE account_id = ANY($1)) AS states`,
        [[symbol, seller, buyer], symbol],
      );
    const before = await count();
    const everything = [...journal, ...(await journalOf("account", seller)), ...(await journalOf("account", buyer))];
    for (let i = 0; i < 2; i++) {
      const batch = batchOf([...everything].reverse(), 2);
      const ctx = createExecutionContext();
      const outcome = await handleEventBatch(batch, env);
      expect(outcome).toMatchObject({ acked: everything.length, retried: 0 });
      expect((await getQueueResult(batch, ctx)).ackAll).toBe(true);
    }
    expect(await count()).toEqual(before);
  });

  it("retries the whole batch while Postgres is down, then catches up with nothing lost", async () => {
    const key = `PIPD${tag}-USD`;
    const at = Date.now();
    const events: Envelope[] = Array.from({ length: 30 }, (_, i) => ({
      stream: "book",
      key,
      seq: i + 1,
      at: at + i,
      type: "trade",
      body: {
        type: "trade",
        trade_id: i + 1,
        price: `${100 + i}.25`,
        size: "0.001",
        aggressor_side: "buy",
        maker_order_id: `m${i}`,
        taker_order_id: `t${i}`,
      },
    }));
    const down = { ...env, DATABASE_URL: `postgres://postgres@127.0.0.1:1/platform3-${key}` };
    const batch = batchOf(events, 3);
    const ctx = createExecutionContext();
    const retryAll = vi.spyOn(batch, "retryAll");
    const outcome = await handleEventBatch(batch, down);
    expect(outcome.acked).toBe(0);
    expect(retryAll).toHaveBeenCalledWith({ delaySeconds: outcome.delaySeconds });
    // Third attempt, base 5 s: full jitter over 0…20 s.
    expect(outcome.delaySeconds).toBeGreaterThanOrEqual(0);
    expect(outcome.delaySeconds).toBeLessThanOrEqual(20);
    const result = await getQueueResult(batch, ctx);
    expect(result.ackAll).toBe(false);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryBatch.retry).toBe(true);
    expect(await journalOf("book", key)).toEqual([]);

    // Two more failures open the sink's breaker: the next batch is not sent to Postgres at
    // all, and waits at least the breaker's cool-off (5–10 s).
    for (let attempt = 1; attempt <= 2; attempt++) await handleEventBatch(batchOf(events, 1), down);
    const refused = await handleEventBatch(batchOf(events, 1), down);
    expect(refused.acked).toBe(0);
    expect(refused.error).toMatch(/postgres_writes is unavailable \(circuit open/);
    expect(refused.delaySeconds).toBeGreaterThanOrEqual(5);

    // Back up: the redelivered batch (Queues retries it) goes in whole.
    const again = batchOf(events, 4);
    const ctx2 = createExecutionContext();
    expect(await handleEventBatch(again, env)).toMatchObject({ acked: 30 });
    expect((await getQueueResult(again, ctx2)).ackAll).toBe(true);
    expect((await journalOf("book", key)).map((e) => e.seq)).toEqual(events.map((e) => e.seq));
    const trades = await sql<{ n: number }>("SELECT count(*)::int AS n FROM trades WHERE instrument = $1", [key]);
    expect(trades[0]?.n).toBe(30);
  });

  it("keeps stream cursors across aborts and resends only what was not acknowledged", async () => {
    const symbol = `PIPR${tag}-USD`;
    const { buyer, head } = await tradeOnce(symbol);
    await until("the book's events in Postgres", async () => {
      const rows = await journalOf("book", symbol);
      return rows.length >= head ? true : undefined;
    });
    let book = bookOf(symbol);
    const accountHead = (await accountStream(buyer)).head;
    // As if the Queue never acknowledged the tail: rewind both persisted cursors, then crash everything.
    await runInDurableObject(book, (_o, state) => {
      state.storage.sql.exec("UPDATE stream_out SET seq = 2 WHERE id = 1");
    });
    await runInDurableObject(accountStub(env.ACCOUNT, buyer), (_o, state) => {
      state.storage.sql.exec("UPDATE stream_out SET seq = 1 WHERE id = 1");
    });
    await abortAllDurableObjects();
    book = bookOf(symbol);
    expect(await book.streamStatus()).toEqual({ enabled: true, cursor: 2, head });
    await accountStub(env.ACCOUNT, buyer).balances(buyer);
    expect((await accountStream(buyer)).cursor).toBe(1);

    // The alarms (armed on restart because the cursors lag) send what is missing.
    expect(await runDurableObjectAlarm(book)).toBe(true);
    expect(await book.streamStatus()).toEqual({ enabled: true, cursor: head, head });
    expect(await runDurableObjectAlarm(accountStub(env.ACCOUNT, buyer))).toBe(true);
    expect((await accountStream(buyer)).cursor).toBe(accountHead);

    // Postgres still holds each event once (the resent ones were duplicates, absorbed).
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await journalOf("book", symbol)).map((e) => e.seq)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    expect((await journalOf("account", buyer)).map((e) => e.seq)).toEqual(
      Array.from({ length: accountHead }, (_, i) => i + 1),
    );
  });
});
