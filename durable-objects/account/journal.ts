/**
 * The Account's event journal for the stream: an append-only `account_events` table
 * (contiguous `seq` per account) written INSIDE the transaction of every change it
 * records (order views after each change, fills, ledger journal entries), then sent to
 * the `EVENTS` Queue by a `StreamOut` (cursor, `sendBatch`, alarm retries). Without the
 * Queue binding nothing is journaled or sent.
 *
 * A change stages its events as it goes (`orders`, `fills`) and writes them with its
 * ledger entries in one statement at the end of its transaction (`persist`); once the
 * transaction commits, the events go to the stream from memory (`committed`), so
 * nothing is read back. Seqs are given here from the journal's head, kept in memory.
 *
 * Rows the Queue has accepted are pruned after a while; the newest row always stays,
 * so the head read after a restart never goes back.
 */
import type { Envelope } from "../../shared/events/envelope.ts";
import { stampOf } from "../../shared/events/registry.ts";
import { formatAmount, type JournalEntry } from "../../shared/ledger/index.ts";
import type { Sql } from "../runtime/sql.ts";
import { StreamOut } from "../runtime/stream-out.ts";
import type { ChangeLog } from "./funds.ts";
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

type Staged = [type: string, at: number, body: Record<string, unknown>];

export class AccountJournal implements ChangeLog {
  private readonly o: AccountJournalOptions;
  readonly stream: StreamOut<Envelope>;
  private staged: Staged[] = [];
  /** Written by `persist`, handed to the stream by `committed`. */
  private written: Envelope[] = [];
  private waking = false;

  constructor(options: AccountJournalOptions) {
    this.o = options;
    this.stream = new StreamOut<Envelope>({
      sql: options.sql,
      queue: options.queue,
      read: (after, limit) => this.read(after, limit),
      envelope: (e) => e,
      head: () => options.sql.one<{ seq: number | null }>`SELECT max(seq) AS seq FROM account_events`?.seq ?? 0,
      delayMs: options.delayMs ?? 10,
      label: () => `account:${options.account() ?? "?"}`,
    });
  }

  /** Stages the views of orders just changed (inside the change). */
  orders(records: Iterable<OrderRecord>): void {
    if (!this.active()) return;
    for (const r of records)
      this.staged.push(["order", r.updated_at, orderView(r) as unknown as Record<string, unknown>]);
  }

  /** Stages fills just applied (inside the change). */
  fills(fills: readonly FillView[]): void {
    if (!this.active()) return;
    for (const f of fills) this.staged.push(["fill", f.time_ms, f as unknown as Record<string, unknown>]);
  }

  /**
   * Writes what the change staged and the journal entries it posted, in one statement.
   * Call inside the change's transaction, last.
   */
  persist(entries: readonly JournalEntry[]): void {
    if (!this.active()) {
      this.staged = [];
      return;
    }
    for (const e of entries) this.staged.push(["ledger_entry", e.at, entryView(e)]);
    if (this.staged.length === 0) return;
    const key = this.o.account() as string;
    let seq = this.stream.head() + this.written.length;
    const events = this.staged.map(
      ([type, at, body]): Envelope => ({
        stream: "account",
        key,
        seq: ++seq,
        at,
        type,
        ...stampOf("account", type),
        body,
      }),
    );
    this.staged = [];
    const rows = JSON.stringify(events.map((e) => [e.seq, e.at, e.type, JSON.stringify(e.body)]));
    this.o.sql`INSERT INTO account_events (seq, at, type, body)
               SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(${rows})`;
    this.written.push(...events);
  }

  /** The change committed: its events go to the stream. */
  committed(): void {
    if (this.written.length === 0) return;
    const events = this.written;
    this.written = [];
    this.stream.logged(events);
    if (!this.waking) {
      this.waking = true;
      queueMicrotask(() => {
        this.waking = false;
        this.o.wake();
      });
    }
  }

  /** The change failed: nothing it staged or wrote exists. */
  discard(): void {
    this.staged = [];
    this.written = [];
  }

  /** Sends what the Queue lacks, then prunes long-accepted rows; true when all went out. */
  async flush(): Promise<boolean> {
    const ok = await this.stream.flush();
    const cursor = this.stream.keepAfter() ?? 0;
    if (cursor > KEEP_SENT) this.o.sql`DELETE FROM account_events WHERE seq < ${cursor - KEEP_SENT}`;
    return ok;
  }

  private active(): boolean {
    return this.stream.enabled && this.o.account() !== undefined;
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
      // The row keeps no version: read back (after a restart), it gets this build's (docs/events.md).
      ...stampOf("account", r.type),
      body: JSON.parse(r.body) as Record<string, unknown>,
    }));
  }
}

/** A journal entry as the stream carries it (decimal strings). */
function entryView(e: JournalEntry): Record<string, unknown> {
  const fmt = (n: bigint) => formatAmount(n, e.asset);
  return {
    entry_id: e.entry_id,
    tx_id: e.tx_id,
    time: new Date(e.at).toISOString(),
    time_ms: e.at,
    type: e.type,
    asset: e.asset,
    ledger_account: e.ledger_account,
    amount: fmt(e.amount),
    balance: fmt(e.total_after),
    hold: fmt(e.hold_after),
    reference: e.ref,
  };
}
