/**
 * The consumer's Postgres writer against a real Postgres engine (PGlite, in process) with
 * the repository's migrations: projections, idempotency under redelivery, candles
 * recomputed (not incremented), orders keeping their newest view, numerics exact.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Envelope } from "../../shared/events/envelope.ts";
import { projectRows, writeEvents } from "../../workers/consumer/postgres-writer.ts";

const MIGRATIONS = join(import.meta.dirname, "../../migrations");

let db: PGlite;

async function inTransaction(envelopes: Envelope[]) {
  return db.transaction((tx) => writeEvents(tx, envelopes));
}

async function counts() {
  const n = async (table: string) =>
    Number(((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0] as { n: number }).n);
  return {
    journal: await n("journal"),
    trades: await n("trades"),
    candles: await n("candles_1m"),
    orders: await n("orders"),
    fills: await n("fills"),
    ledger: await n("ledger_entries"),
  };
}

const T0 = Date.UTC(2026, 2, 11, 12, 30, 0);

function trade(key: string, seq: number, tradeId: number, price: string, size: string, at: number): Envelope {
  return {
    stream: "book",
    key,
    seq,
    at,
    type: "trade",
    body: {
      type: "trade",
      trade_id: tradeId,
      price,
      size,
      aggressor_side: "buy",
      maker_order_id: `m${tradeId}`,
      maker_account: "bob",
      taker_order_id: `t${tradeId}`,
      taker_account: "alice",
      maker_remaining_size: "0",
    },
  };
}

function order(seq: number, status: string, filled: string): Envelope {
  return {
    stream: "account",
    key: "alice",
    seq,
    at: T0 + seq,
    type: "order",
    body: {
      order_id: "o-1",
      client_order_id: "c-1",
      instrument: "BTC-USD",
      status,
      filled_size: filled,
      created_at: new Date(T0).toISOString(),
      updated_at: new Date(T0 + seq).toISOString(),
    },
  };
}

beforeAll(async () => {
  db = new PGlite();
  const files = readdirSync(MIGRATIONS)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const text = readFileSync(join(MIGRATIONS, file), "utf8");
    const up = text.split("-- migrate:down")[0]?.replace("-- migrate:up", "") ?? "";
    await db.exec(up);
  }
});

afterAll(async () => {
  await db.close();
});

describe("postgres writer", () => {
  it("writes the journal and every projection once, however often a batch is delivered", async () => {
    const batch: Envelope[] = [
      trade("BTC-USD", 1, 1, "65000.00", "0.015", T0 + 1_000),
      trade("BTC-USD", 2, 2, "65010.50", "0.100000001", T0 + 2_000),
      trade("BTC-USD", 3, 3, "64990.00", "0.5", T0 + 61_000),
      order(1, "new", "0"),
      order(2, "partially_filled", "0.015"),
      {
        stream: "account",
        key: "alice",
        seq: 3,
        at: T0 + 1_000,
        type: "fill",
        body: {
          fill_id: "BTC-USD:1",
          trade_id: 1,
          order_id: "o-1",
          client_order_id: "c-1",
          instrument: "BTC-USD",
          side: "buy",
          price: "65000.00",
          size: "0.015",
          value: "975.00000000",
          fee: "0.97500000",
          fee_asset: "USD",
          liquidity: "taker",
          time: new Date(T0 + 1_000).toISOString(),
          time_ms: T0 + 1_000,
          seq: 7,
        },
      },
      {
        stream: "account",
        key: "alice",
        seq: 4,
        at: T0 + 1_000,
        type: "ledger_entry",
        body: {
          entry_id: 12,
          tx_id: 5,
          time: new Date(T0 + 1_000).toISOString(),
          time_ms: T0 + 1_000,
          type: "trade",
          asset: "USD",
          ledger_account: "hold",
          amount: "-975.00000000",
          balance: "99025.00000000",
          hold: "0.00000000",
          reference: "BTC-USD:1",
        },
      },
    ];
    const summary = await inTransaction(batch);
    expect(summary).toEqual({ journal: 7, trades: 3, candles: 2, orders: 1, fills: 1, ledger_entries: 1 });
    const first = await counts();
    expect(first).toEqual({ journal: 7, trades: 3, candles: 2, orders: 1, fills: 1, ledger: 1 });
    const snapshot = async () => ({
      journal: (await db.query("SELECT * FROM journal ORDER BY stream, key, seq")).rows,
      candles: (await db.query("SELECT * FROM candles_1m ORDER BY start")).rows,
      orders: (await db.query("SELECT * FROM orders")).rows,
    });
    const before = await snapshot();
    // Redelivery: the same batch, and the batch in another order, change nothing.
    await inTransaction(batch);
    await inTransaction([...batch].reverse());
    expect(await counts()).toEqual(first);
    expect(await snapshot()).toEqual(before);

    const candles = (
      await db.query<Record<string, string | number>>(
        "SELECT open::text, high::text, low::text, close::text, volume::text, trades FROM candles_1m ORDER BY start",
      )
    ).rows;
    expect(candles).toEqual([
      { open: "65000.00", high: "65010.50", low: "65000.00", close: "65010.50", volume: "0.115000001", trades: 2 },
      { open: "64990.00", high: "64990.00", low: "64990.00", close: "64990.00", volume: "0.5", trades: 1 },
    ]);
    const fill = (await db.query<Record<string, string>>("SELECT price::text, size::text, fee::text FROM fills"))
      .rows[0];
    expect(fill).toEqual({ price: "65000.00", size: "0.015", fee: "0.97500000" });
    const entry = (
      await db.query<Record<string, string>>("SELECT amount::text, balance::text, hold::text FROM ledger_entries")
    ).rows[0];
    expect(entry).toEqual({ amount: "-975.00000000", balance: "99025.00000000", hold: "0.00000000" });
  });

  it("recomputes a candle when a later batch adds trades to its minute", async () => {
    await inTransaction([trade("EUR-USD", 1, 1, "1.1000", "10", T0 + 5_000)]);
    await inTransaction([
      trade("EUR-USD", 2, 2, "1.0990", "5", T0 + 6_000),
      trade("EUR-USD", 1, 1, "1.1000", "10", T0 + 5_000),
    ]);
    const candle = (
      await db.query<Record<string, string | number>>(
        "SELECT open::text, high::text, low::text, close::text, volume::text, trades FROM candles_1m WHERE instrument = 'EUR-USD'",
      )
    ).rows;
    expect(candle).toEqual([
      { open: "1.1000", high: "1.1000", low: "1.0990", close: "1.0990", volume: "15", trades: 2 },
    ]);
  });

  it("keeps an order's newest view: an older view delivered late changes nothing", async () => {
    await inTransaction([order(9, "filled", "0.115")]);
    await inTransaction([order(2, "partially_filled", "0.015")]);
    const row = (await db.query<{ status: string; last_seq: string }>("SELECT status, last_seq::text FROM orders"))
      .rows[0];
    expect(row).toEqual({ status: "filled", last_seq: "9" });
  });

  it("rolls a failing batch back as a whole", async () => {
    const before = await counts();
    const bad: Envelope = { ...trade("AAPL-USD", 1, 1, "not-a-number", "1", T0), seq: 1 };
    await expect(inTransaction([trade("AAPL-USD", 2, 2, "190.00", "1", T0), bad])).rejects.toThrow();
    expect(await counts()).toEqual(before);
  });

  it("projects only the newest view per order within a batch", () => {
    const rows = projectRows([order(3, "new", "0"), order(5, "filled", "1"), order(4, "partially_filled", "0.5")]);
    expect(rows.orders).toHaveLength(1);
    expect(rows.orders[0]).toMatchObject({ status: "filled", last_seq: 5 });
  });
});
