/**
 * `npm run bench:orders`' largest state (only with `BENCH_ROUTES`): a book whose event
 * log and outbox already hold many rows, as after a long session in which some
 * accounts stopped taking their deliveries. Synthetic `accepted` and `done` events of
 * orders of `offline-<i>` accounts are appended to the log and, for those accounts,
 * to the outbox; the stream cursor moves past them (they are not sent to the Queue).
 * The offline accounts' deliveries are then held back, as after repeated failures.
 */
import type { EngineEvent } from "../../shared/engine/index.ts";
import type { Sql } from "../runtime/sql.ts";
import type { OutboxDelivery } from "./delivery.ts";
import type { Outbox } from "./outbox.ts";
import type { Sequences } from "./store.ts";

export interface BacklogSpec {
  /** Rows to add to the event log and, one each, to the outbox. */
  rows: number;
  /** Offline accounts the outbox rows are spread over. */
  accounts: number;
}

const CHUNK = 5_000;

/** What filling the backlog touches of the book. */
export interface BacklogBook {
  env: { BENCH_ROUTES?: string };
  storage: DurableObjectStorage;
  sql: Sql;
  seqs: Sequences;
  outbox: Pick<Outbox, "load" | "size">;
  stream: { reload(): void };
  delivery: Pick<OutboxDelivery, "holdOff">;
}

/**
 * `OrderBook.benchBacklog` (`BENCH_ROUTES` only): the backlog appended in one transaction,
 * the outbox and stream reloaded, the offline accounts' deliveries held back for an hour.
 */
export function fillBacklog(book: BacklogBook, spec: BacklogSpec): { ok: boolean; seq: number; outbox: number } {
  const { seqs, outbox } = book;
  if (book.env.BENCH_ROUTES !== "true") return { ok: false, seq: seqs.seq, outbox: 0 };
  const now = Date.now();
  const accounts = book.storage.transactionSync(() => appendBacklog(book.sql, seqs, spec, now));
  outbox.load();
  book.stream.reload();
  for (const account of accounts) book.delivery.holdOff(account, now + 3_600_000, 10);
  return { ok: true, seq: seqs.seq, outbox: outbox.size() };
}

/** Appends the backlog in chunks (call inside `transactionSync`); the offline accounts. */
export function appendBacklog(sql: Sql, seqs: Sequences, spec: BacklogSpec, at: number): string[] {
  const accounts = Array.from({ length: spec.accounts }, (_, i) => `offline-${i}`);
  for (let done = 0; done < spec.rows; done += CHUNK) {
    const events: unknown[][] = [];
    const outbox: unknown[][] = [];
    for (let i = done; i < Math.min(spec.rows, done + CHUNK); i++) {
      const seq = ++seqs.seq;
      const account = accounts[Math.floor(i / 2) % accounts.length] as string;
      const id = `backlog-${seq}`;
      const event: EngineEvent =
        i % 2 === 0
          ? {
              type: "accepted",
              id,
              account,
              side: "buy",
              kind: "limit",
              tif: "gtc",
              price: 1,
              qty: 1,
              postOnly: false,
              stp: "cancel_newest",
            }
          : {
              type: "done",
              id: `backlog-${seq - 1}`,
              account,
              side: "buy",
              reason: "cancelled",
              cause: "user",
              remaining: 1,
              remainingFunds: 0,
            };
      const body = JSON.stringify(event);
      events.push([seq, at, event.type, body]);
      outbox.push([account, seq, at, body]);
    }
    sql`INSERT INTO events (seq, at, type, channel, channel_seq, body)
        SELECT value ->> 0, value ->> 1, value ->> 2, NULL, NULL, value ->> 3 FROM json_each(${JSON.stringify(events)})`;
    sql`INSERT INTO outbox (account, seq, at, body)
        SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(${JSON.stringify(outbox)})`;
  }
  sql`UPDATE book_state SET seq = ${seqs.seq} WHERE id = 1`;
  sql`UPDATE stream_out SET seq = ${seqs.seq} WHERE id = 1`;
  return accounts;
}
