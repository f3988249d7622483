/**
 * The Account's event journal for the stream: an append-only `account_events` table
 * (contiguous `seq` per account) written INSIDE the transaction of every change it
 * records (order views after each change, fills, ledger journal entries), then sent to
 * the `EVENTS` Queue by a `StreamOut` (cursor, `sendBatch`, alarm retries). Without the
 * Queue binding nothing is journaled or sent.
 *
 * Rows the Queue has accepted are pruned after a while; the newest row always stays,
 * so SQLite never hands out a seq twice.
 */
import type { Envelope } from "../../shared/events/envelope.ts";
import { formatAmount, type LedgerTransaction } from "../../shared/ledger/index.ts";
import { StreamOut } from "../order-book/stream-out.ts";
import type { Sql } from "../sql.ts";
import type { EntryRow } from "./ledger-store.ts";
import { type OrderRecord, orderView } from "./orders/record.ts";
import type { FillView } from "./orders/settle.ts";

/** Accepted events kept in `account_events` (for operators), beyond which they are pruned. */
const KEEP_SENT = 10_000;

export interface AccountJournalOptions {
  sql: Sql;
  /** The account id, once the account exists (nothing is journaled before). */
  account: () => string | undefined;
  queue: () => Queue | undefined;
  /** Called (once per turn) after rows were appended: the Account arms its alarm as a safety net. */
  wake: () => void;
  delayMs?: number;
}

export class AccountJournal {
  private readonly o: AccountJournalOptions;
  readonly stream: StreamOut;
  private waking = false;

  constructor(options: AccountJournalOptions) {
    this.o = options;
    this.stream = new StreamOut({
      sql: options.sql,
      queue: options.queue,
      read: (after, limit) => this.read(after, limit),
      head: () => options.sql.one<{ seq: number | null }>`SELECT max(seq) AS seq FROM account_events`?.seq ?? 0,
      delayMs: options.delayMs ?? 10,
      label: () => `account:${options.account() ?? "?"}`,
    });
  }

  /** Journals the views of orders just changed. Call inside the change's transaction. */
  orders(records: Iterable<OrderRecord>): void {
    this.append([...records].map((r) => ["order", r.updated_at, orderView(r)]));
  }

  /** Journals fills just applied. Call inside the change's transaction. */
  fills(fills: readonly FillView[]): void {
    this.append(fills.map((f) => ["fill", f.time_ms, f]));
  }

  /**
   * Journals the ledger entries of transactions just persisted (read back from
   * `ledger_entries`, so they carry their ids and running balances). Call inside the
   * change's transaction, after the ledger rows are written.
   */
  ledger(txs: readonly LedgerTransaction[]): void {
    if (txs.length === 0 || !this.active()) return;
    const ids = JSON.stringify(txs.map((t) => t.tx_id));
    const rows = this.o
      .sql<EntryRow>`SELECT entry_id, tx_id, at, type, asset, ledger_account, amount, total_after, hold_after, ref
       FROM ledger_entries WHERE tx_id IN (SELECT value FROM json_each(${ids})) ORDER BY entry_id`;
    this.append(
      rows.map((r) => {
        const fmt = (text: string) => formatAmount(BigInt(text), r.asset);
        const view = {
          entry_id: r.entry_id,
          tx_id: r.tx_id,
          time: new Date(r.at).toISOString(),
          time_ms: r.at,
          type: r.type,
          asset: r.asset,
          ledger_account: r.ledger_account,
          amount: fmt(r.amount),
          balance: fmt(r.total_after),
          hold: fmt(r.hold_after),
          reference: r.ref,
        };
        return ["ledger_entry", r.at, view];
      }),
    );
  }

  /** Sends what the Queue lacks, then prunes long-accepted rows; true when all went out. */
  async flush(): Promise<boolean> {
    const ok = await this.stream.flush();
    const cursor = this.stream.cursor();
    if (cursor > KEEP_SENT) this.o.sql`DELETE FROM account_events WHERE seq < ${cursor - KEEP_SENT}`;
    return ok;
  }

  private active(): boolean {
    return this.stream.enabled && this.o.account() !== undefined;
  }

  private append(events: Array<[type: string, at: number, body: object]>): void {
    if (events.length === 0 || !this.active()) return;
    const rows = JSON.stringify(events.map(([type, at, body]) => [at, type, JSON.stringify(body)]));
    // seq: INTEGER PRIMARY KEY, so max + 1 in insertion order (the newest row is never pruned).
    this.o.sql`INSERT INTO account_events (at, type, body)
               SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(${rows}) ORDER BY key`;
    this.stream.soon();
    if (!this.waking) {
      this.waking = true;
      queueMicrotask(() => {
        this.waking = false;
        this.o.wake();
      });
    }
  }

  private read(after: number, limit: number): Envelope[] {
    const key = this.o.account();
    if (key === undefined) return [];
    return this.o.sql<{ seq: number; at: number; type: string; body: string }>`
      SELECT seq, at, type, body FROM account_events WHERE seq > ${after} ORDER BY seq LIMIT ${limit}`.map((r) => ({
      stream: "account" as const,
      key,
      seq: r.seq,
      at: r.at,
      type: r.type,
      body: JSON.parse(r.body) as Record<string, unknown>,
    }));
  }
}
