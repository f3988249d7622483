/**
 * The book's outbox: every logged event that concerns an account (both sides of a
 * trade; each order's accepted, done, amended, reduced, stop_triggered) is written,
 * in the same transaction as the event log, as a row for that account. Rows stay
 * until the account's Account object acknowledges them, so settlement is at least
 * once from here and exactly once there (the Account applies each book `seq` once,
 * after its cursor).
 *
 * Two paths deliver rows, both in `seq` order and both starting after what the
 * Account last acknowledged: the reply to the Account's own `submit` carries its
 * pending rows (the taker settles before its reply), and a push delivers them to
 * accounts that did not call (makers, expiries), retried by the alarm until acked.
 *
 * Nothing the hot path asks reads the table: memory knows which accounts wait, since
 * when, and holds their rows (a restart reads back who waits, and each account's rows
 * when first needed). Acknowledgements only move memory; the acknowledged rows are
 * deleted in batches (`flushAcks`, from the alarm), and a row that outlives a restart
 * that way is delivered again and skipped by the Account's cursor.
 */
import type { EngineEvent } from "../../shared/engine/index.ts";
import type { RebuiltRow } from "../../shared/replay/outbox-rows.ts";
import type { Sql } from "../runtime/sql.ts";
import type { OutboxRow } from "./contract.ts";
import type { LoggedEvent } from "./store.ts";

/** Most rows one delivery carries. */
export const DELIVERY_BATCH = 500;

/** Most rows memory holds for one account, and for all of them; beyond, rows are read back when delivered. */
const MAX_HELD_PER_ACCOUNT = 2_000;
const MAX_HELD = 100_000;

/** The accounts an event concerns. */
function accountsOf(event: EngineEvent): string[] {
  switch (event.type) {
    case "trade":
      return event.makerAccount === event.takerAccount
        ? [event.takerAccount]
        : [event.makerAccount, event.takerAccount];
    case "accepted":
    case "done":
    case "amended":
    case "reduced":
    case "stop_triggered":
      return [event.account];
    default:
      return [];
  }
}

/** One account with rows not yet acknowledged. */
interface Waiting {
  /** Unacknowledged rows, oldest first: all of them when `complete`, else those written since. */
  rows: OutboxRow[];
  complete: boolean;
  /** The highest seq the account acknowledged. */
  acked: number;
  /** When its oldest unacknowledged row was logged (epoch ms). */
  oldestAt: number;
}

/** A committed batch's rows per account, to hand to `committed` once the transaction holds. */
export type WrittenRows = Map<string, OutboxRow[]>;

export class Outbox {
  private readonly sql: Sql;
  private readonly waiting = new Map<string, Waiting>();
  /** Per account, acknowledged through this seq but not yet deleted. */
  private readonly acks = new Map<string, number>();
  private held = 0;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  /** Reads who waits (after a start or a reload): one pass over the table, once. */
  load(): void {
    this.waiting.clear();
    this.acks.clear();
    this.held = 0;
    const rows = this.sql<{ account: string; at: number }>`
      SELECT account, min(at) AS at FROM outbox GROUP BY account`;
    for (const r of rows) this.waiting.set(r.account, { rows: [], complete: false, acked: 0, oldestAt: r.at });
  }

  /**
   * Writes the rows for a committed batch (inside its transaction); the rows per account,
   * for {@link committed}. `bodies` are the events' JSON as the log stored them.
   */
  write(logged: readonly LoggedEvent[], bodies: readonly string[]): WrittenRows {
    const values: unknown[][] = [];
    const written: WrittenRows = new Map();
    logged.forEach(({ seq, at, event }, i) => {
      const concerned = accountsOf(event);
      if (concerned.length === 0) return;
      const row: OutboxRow = { seq, at, event };
      for (const account of concerned) {
        values.push([account, seq, at, bodies[i]]);
        const list = written.get(account);
        if (list) list.push(row);
        else written.set(account, [row]);
      }
    });
    if (values.length > 0) {
      this.sql`INSERT INTO outbox (account, seq, at, body)
               SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(${JSON.stringify(values)})`;
    }
    return written;
  }

  /** Writes rows rebuilt from the journal into a restored book (inside its transaction; `load` after). */
  restore(rows: readonly RebuiltRow[], at: number): void {
    if (rows.length === 0) return;
    const values = rows.map((r) => [r.account, r.seq, at, JSON.stringify(r.event)]);
    this.sql`INSERT INTO outbox (account, seq, at, body)
             SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(${JSON.stringify(values)})`;
  }

  /** The batch's transaction committed: its rows wait in memory. */
  committed(written: WrittenRows): void {
    for (const [account, rows] of written) {
      let w = this.waiting.get(account);
      if (!w) {
        w = { rows: [], complete: true, acked: this.acks.get(account) ?? 0, oldestAt: (rows[0] as OutboxRow).at };
        this.waiting.set(account, w);
      }
      if (w.rows.length + rows.length > MAX_HELD_PER_ACCOUNT || this.held + rows.length > MAX_HELD) {
        // Too much waits for this account (it does not acknowledge): read its rows back when delivering.
        this.held -= w.rows.length;
        w.rows = [];
        w.complete = false;
        continue;
      }
      w.rows.push(...rows);
      this.held += rows.length;
    }
  }

  /** `account` has applied its rows through `through`: they are forgotten (and deleted at the next `flushAcks`). */
  ack(account: string, through: number): void {
    const w = this.waiting.get(account);
    // Not waiting: nothing of it is in the table beyond what `acks` already covers.
    if (!w) return;
    if (through > w.acked) {
      w.acked = through;
      let drop = 0;
      while (drop < w.rows.length && (w.rows[drop] as OutboxRow).seq <= through) drop++;
      if (drop > 0) {
        w.rows.splice(0, drop);
        this.held -= drop;
      }
      if (w.complete && w.rows.length === 0) this.waiting.delete(account);
      else if (w.complete) w.oldestAt = (w.rows[0] as OutboxRow).at;
    }
    if (through > (this.acks.get(account) ?? 0)) this.acks.set(account, through);
  }

  /** `account`'s rows after `after`, oldest first. */
  pending(account: string, after = 0, limit = DELIVERY_BATCH): OutboxRow[] {
    const w = this.waiting.get(account);
    if (!w) return [];
    const from = Math.max(after, w.acked);
    if (w.complete) {
      let i = 0;
      while (i < w.rows.length && (w.rows[i] as OutboxRow).seq <= from) i++;
      return w.rows.slice(i, i + limit);
    }
    const rows = this.sql<{ seq: number; at: number; body: string }>`
      SELECT seq, at, body FROM outbox WHERE account = ${account} AND seq > ${from} ORDER BY seq LIMIT ${limit}`.map(
      (r) => ({ seq: r.seq, at: r.at, event: JSON.parse(r.body) as EngineEvent }),
    );
    if (rows.length < limit && rows.length <= MAX_HELD_PER_ACCOUNT && this.held + rows.length <= MAX_HELD) {
      // Everything after `from` is now known: memory takes over.
      this.held += rows.length - w.rows.length;
      w.rows = rows;
      w.complete = true;
      if (rows.length === 0) this.waiting.delete(account);
      else w.oldestAt = (rows[0] as OutboxRow).at;
    }
    return rows;
  }

  /** Accounts whose oldest unacknowledged row was logged at or before `before` (epoch ms). */
  accountsWaitingSince(before: number): string[] {
    const out: string[] = [];
    for (const [account, w] of this.waiting) if (w.oldestAt <= before) out.push(account);
    return out;
  }

  /** Whether any account has unacknowledged rows. */
  hasWaiting(): boolean {
    return this.waiting.size > 0;
  }

  /** Whether acknowledged rows wait to be deleted. */
  hasAcks(): boolean {
    return this.acks.size > 0;
  }

  /** Deletes every acknowledged row (one statement per account acknowledged since the last flush). */
  flushAcks(): void {
    for (const [account, through] of this.acks) {
      this.sql`DELETE FROM outbox WHERE account = ${account} AND seq <= ${through}`;
    }
    this.acks.clear();
  }

  /** Rows waiting and when the oldest was logged, for the scrape (acknowledged ones are deleted first). */
  depth(): { rows: number; oldestAt: number | undefined } {
    this.flushAcks();
    const r = this.sql.one<{ n: number; oldest: number | null }>`SELECT count(*) AS n, min(at) AS oldest FROM outbox`;
    return { rows: r?.n ?? 0, oldestAt: r?.oldest ?? undefined };
  }

  /** Rows waiting, for operators and tests (acknowledged ones are deleted first). */
  size(): number {
    this.flushAcks();
    return this.sql.one<{ n: number }>`SELECT count(*) AS n FROM outbox`?.n ?? 0;
  }
}
