/**
 * The OrderBook's hot path asks its tables nothing: the outbox knows in memory who
 * waits and holds their rows, acknowledgements are deleted in batches, the event
 * stream goes to the Queue from memory with its cursor saved now and then, and every
 * write of a turn commits atomically or not at all.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { OutboxRow } from "../../durable-objects/order-book/contract.ts";
import { backoffMs, OutboxDelivery } from "../../durable-objects/order-book/delivery.ts";
import { Outbox } from "../../durable-objects/order-book/outbox.ts";
import type { LoggedEvent } from "../../durable-objects/order-book/store.ts";
import { atomically, sqlOver } from "../../durable-objects/runtime/sql.ts";
import { StreamOut } from "../../durable-objects/runtime/stream-out.ts";
import type { EngineEvent } from "../../shared/engine/index.ts";
import type { Envelope, EnvelopeBatch } from "../../shared/events/envelope.ts";
import { freshBook, place, testInstrument } from "./book-helpers.ts";

const accepted = (seq: number, account: string): LoggedEvent => ({
  seq,
  at: 1_000 + seq,
  channel: null,
  channelSeq: null,
  event: {
    type: "accepted",
    id: `o${seq}`,
    account,
    side: "buy",
    kind: "limit",
    tif: "gtc",
    price: 1,
    qty: 1,
    postOnly: false,
    stp: "cancel_newest",
  } as EngineEvent,
});

/** Writes logged events into the outbox as a commit would, and hands them over. */
function commitRows(outbox: Outbox, logged: LoggedEvent[]): void {
  outbox.committed(
    outbox.write(
      logged,
      logged.map((l) => JSON.stringify(l.event)),
    ),
  );
}

describe("the book's outbox in memory", () => {
  it("answers pending rows, who waits and since when without reading its table", async () => {
    const stub = await freshBook(testInstrument("OBX1-USD"));
    await runInDurableObject(stub, (_i, state) => {
      const sql = sqlOver(state.storage.sql);
      const outbox = new Outbox(sql);
      outbox.load();
      commitRows(outbox, [accepted(1, "a"), accepted(2, "b"), accepted(3, "a")]);
      expect(outbox.pending("a").map((r) => r.seq)).toEqual([1, 3]);
      expect(outbox.pending("a", 1).map((r) => r.seq)).toEqual([3]);
      expect(outbox.accountsWaitingSince(1_001).sort()).toEqual(["a"]);
      expect(outbox.accountsWaitingSince(9_999).sort()).toEqual(["a", "b"]);
      // Acknowledging forgets the rows at once; the table keeps them until the batched delete.
      outbox.ack("a", 3);
      expect(outbox.pending("a")).toEqual([]);
      expect(outbox.accountsWaitingSince(9_999)).toEqual(["b"]);
      expect(sql.one<{ n: number }>`SELECT count(*) AS n FROM outbox`?.n).toBe(3);
      expect(outbox.hasAcks()).toBe(true);
      outbox.flushAcks();
      expect(sql.one<{ n: number }>`SELECT count(*) AS n FROM outbox`?.n).toBe(1);
      expect(outbox.size()).toBe(1);
    });
  });

  it("after a restart reads back who waits, and each account's rows once, from the table", async () => {
    const stub = await freshBook(testInstrument("OBX2-USD"));
    await runInDurableObject(stub, (_i, state) => {
      const sql = sqlOver(state.storage.sql);
      const before = new Outbox(sql);
      before.load();
      commitRows(before, [accepted(11, "c"), accepted(12, "c"), accepted(13, "d")]);
      before.ack("c", 11); // acknowledged, not yet deleted: a restart delivers it again, the Account skips it
      const after = new Outbox(sql);
      after.load();
      expect(after.accountsWaitingSince(Number.MAX_SAFE_INTEGER).sort()).toEqual(["c", "d"]);
      expect(after.pending("c").map((r: OutboxRow) => r.seq)).toEqual([11, 12]);
      expect(after.pending("c", 11).map((r) => r.seq)).toEqual([12]);
      // Rows written after the restart join what was read back.
      commitRows(after, [accepted(14, "c")]);
      expect(after.pending("c", 11).map((r) => r.seq)).toEqual([12, 14]);
      after.ack("c", 14);
      expect(after.hasWaiting()).toBe(true); // d still waits
      after.ack("d", 13);
      // Whether d has rows beyond 13 is known once its rows are read: none, so nothing waits.
      expect(after.pending("d")).toEqual([]);
      expect(after.hasWaiting()).toBe(false);
      expect(after.size()).toBe(0);
    });
  });

  it("holds back an account whose pushes keep failing, with a growing, jittered backoff", async () => {
    expect(backoffMs(1, () => 0.999)).toBe(0); // the first failure: the next sweep retries
    expect(backoffMs(2, () => 0.5)).toBe(1_000);
    expect(backoffMs(3, () => 0.5)).toBe(2_000);
    expect(backoffMs(30, () => 0.999)).toBeLessThan(60_000);
    expect(backoffMs(30, () => 0)).toBe(0);

    const stub = await freshBook(testInstrument("OBX3-USD"));
    await runInDurableObject(stub, async (_i, state) => {
      const outbox = new Outbox(sqlOver(state.storage.sql));
      outbox.load();
      commitRows(outbox, [accepted(21, "down"), accepted(22, "up")]);
      const tries = new Map<string, number>();
      const delivery = new OutboxDelivery({
        outbox,
        instrument: () => "OBX3-USD",
        random: () => 0.5,
        delayMs: 1,
        receiver: (account) => ({
          applyBookEvents: async (_a, _i2, rows) => {
            tries.set(account, (tries.get(account) ?? 0) + 1);
            if (account === "down") throw new Error("unreachable");
            return { through: rows.at(-1)?.seq ?? 0 };
          },
        }),
      });
      const now = Date.now();
      await delivery.sweep(Number.MAX_SAFE_INTEGER, now);
      await delivery.sweep(Number.MAX_SAFE_INTEGER, now); // first failure: retried at once
      await delivery.sweep(Number.MAX_SAFE_INTEGER, now); // second: backing off now
      expect(tries.get("up")).toBe(1);
      expect(tries.get("down")).toBe(2);
      expect(outbox.pending("down").map((r) => r.seq)).toEqual([21]);
      await delivery.sweep(Number.MAX_SAFE_INTEGER, now + 1_001); // the backoff (1 s at 0.5) is over
      expect(tries.get("down")).toBe(3);
    });
  });
});

describe("the book's event stream", () => {
  it("sends committed events from memory, packed, and saves its cursor only now and then", async () => {
    const stub = await freshBook(testInstrument("STR1-USD"));
    await runInDurableObject(stub, async (_i, state) => {
      const sql = sqlOver(state.storage.sql);
      const sent: EnvelopeBatch[] = [];
      let reads = 0;
      const queue = {
        sendBatch: async (messages: Array<{ body: EnvelopeBatch }>) => {
          for (const m of messages) sent.push(m.body);
        },
      } as unknown as Queue;
      const stream = new StreamOut<{ seq: number }>({
        sql,
        queue: () => queue,
        read: () => {
          reads++;
          return [];
        },
        envelope: ({ seq }): Envelope => ({ stream: "book", key: "STR1-USD", seq, at: seq, type: "trade", body: {} }),
        head: () => 0,
        delayMs: 60_000,
        cursorSaveMs: 60_000,
        label: () => "test",
      });
      const saved = () => sql.one<{ seq: number }>`SELECT seq FROM stream_out WHERE id = 1`?.seq;
      expect(stream.cursor()).toBe(0);
      stream.logged([{ seq: 1 }, { seq: 2 }]);
      stream.logged([{ seq: 3 }]);
      expect(await stream.flush()).toBe(true);
      // One message of three events, nothing read back, the cursor in memory at 3.
      expect(sent.map((m) => m.envelopes.map((e) => e.seq))).toEqual([[1, 2, 3]]);
      expect(reads).toBe(0);
      expect(stream.cursor()).toBe(3);
      expect(stream.lag()).toBe(0);
      // The first send saves (nothing was saved for a minute); later ones wait for the interval.
      expect(saved()).toBe(3);
      stream.logged([{ seq: 4 }]);
      await stream.flush();
      expect(stream.cursor()).toBe(4);
      expect(saved()).toBe(3);
      expect(stream.keepAfter()).toBe(3); // the log keeps what a restart would send again
    });
  });

  it("after a restart sends what the log holds beyond the saved cursor, then goes on from memory", async () => {
    const stub = await freshBook(testInstrument("STR2-USD"));
    await stub.execute([place("s1", "alice", "sell", "100.00", "1"), place("s2", "bob", "buy", "100.00", "1")]);
    await runInDurableObject(stub, async (_i, state) => {
      const sql = sqlOver(state.storage.sql);
      const head = sql.one<{ seq: number }>`SELECT seq FROM book_state WHERE id = 1`?.seq ?? 0;
      expect(head).toBeGreaterThan(2);
      sql`UPDATE stream_out SET seq = 1 WHERE id = 1`;
      const sent: number[] = [];
      const stream = new StreamOut<{ seq: number }>({
        sql,
        queue: () =>
          ({
            sendBatch: async (messages: Array<{ body: EnvelopeBatch }>) => {
              for (const m of messages) for (const e of m.body.envelopes) sent.push(e.seq);
            },
          }) as unknown as Queue,
        read: (after, limit) =>
          sql<{ seq: number }>`SELECT seq FROM events WHERE seq > ${after} ORDER BY seq LIMIT ${limit}`,
        envelope: ({ seq }) => ({ stream: "book", key: "STR2-USD", seq, at: seq, type: "x", body: {} }),
        head: () => head,
        delayMs: 60_000,
        label: () => "test",
      });
      expect(stream.lag()).toBe(head - 1);
      await stream.flush();
      stream.logged([{ seq: head + 1 }]);
      await stream.flush();
      expect(sent).toEqual(Array.from({ length: head }, (_, k) => k + 2));
    });
  });
});

describe("atomic writes", () => {
  it("commits nothing of a turn whose write failed half-way: the object starts again from storage", async () => {
    const stub = await freshBook(testInstrument("ATM1-USD"));
    await expect(
      runInDurableObject(stub, (_i, state) => {
        const sql = sqlOver(state.storage.sql);
        atomically(state, () => {
          sql`INSERT INTO feed_shards (name, since) VALUES ('half-way', 1)`;
          sql`INSERT INTO no_such_table VALUES (1)`;
        });
      }),
    ).rejects.toThrow();
    // A stub that saw its object reset is done with; a new one reaches the object started again.
    const again = env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName("ATM1-USD"));
    const after = await runInDurableObject(again, (_i, state) =>
      state.storage.sql.exec("SELECT count(*) AS n FROM feed_shards WHERE name = 'half-way'").one(),
    );
    expect(after.n).toBe(0);
    // The book still answers, rebuilt from storage.
    expect((await again.execute([place("a1", "alice", "buy", "99.00", "1")])).results[0]?.ok).toBe(true);
  });
});
