/**
 * The book's outbox: every logged event that concerns an account (both sides of a
 * trade; each order's accepted, done, amended, reduced, stop_triggered) is written,
 * in the same transaction as the event log, as a row for that account. Rows stay
 * until the account's Account object acknowledges them, so settlement is at least
 * once from here and exactly once there (the Account applies each book `seq` once).
 *
 * Two paths deliver rows, both in `seq` order and both starting after what the
 * Account last acknowledged: the reply to the Account's own `submit` carries its
 * pending rows (the taker settles before its reply), and a push delivers them to
 * accounts that did not call (makers, expiries), retried by the alarm until acked.
 */
import type { EngineEvent } from "../../shared/engine/index.ts";
import type { Sql } from "../sql.ts";
import type { LoggedEvent } from "./store.ts";

/** One event for one account, at its place in the book's log. */
export interface OutboxRow {
  seq: number;
  /** Epoch ms the event was logged. */
  at: number;
  event: EngineEvent;
}

/** What an Account object answers to a delivery: every row up to `through` is applied. */
export interface DeliveryAck {
  through: number;
}

/** The part of the Account object the outbox talks to. */
export interface OutboxReceiver {
  applyBookEvents(account: string, instrument: string, rows: OutboxRow[]): Promise<DeliveryAck>;
}

/** Most rows one delivery carries. */
export const DELIVERY_BATCH = 500;

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

export class Outbox {
  private readonly sql: Sql;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  /** Writes the rows for a committed batch (inside its transaction); the accounts concerned. */
  write(logged: readonly LoggedEvent[]): Set<string> {
    const rows: unknown[][] = [];
    const accounts = new Set<string>();
    for (const { seq, at, event } of logged) {
      const concerned = accountsOf(event);
      if (concerned.length === 0) continue;
      const body = JSON.stringify(event);
      for (const account of concerned) {
        rows.push([account, seq, at, body]);
        accounts.add(account);
      }
    }
    if (rows.length > 0) {
      this.sql`INSERT INTO outbox (account, seq, at, body)
               SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(${JSON.stringify(rows)})`;
    }
    return accounts;
  }

  /** Forgets `account`'s rows up to `through` (its Account object has applied them). */
  ack(account: string, through: number): void {
    this.sql`DELETE FROM outbox WHERE account = ${account} AND seq <= ${through}`;
  }

  /** `account`'s rows after `after`, oldest first. */
  pending(account: string, after = 0, limit = DELIVERY_BATCH): OutboxRow[] {
    return this.sql<{ seq: number; at: number; body: string }>`
      SELECT seq, at, body FROM outbox WHERE account = ${account} AND seq > ${after} ORDER BY seq LIMIT ${limit}`.map(
      (r) => ({ seq: r.seq, at: r.at, event: JSON.parse(r.body) as EngineEvent }),
    );
  }

  /** Accounts with a row logged at or before `before` (epoch ms), for the sweep. */
  accountsWaitingSince(before: number, limit = 1_000): string[] {
    return this.sql<{ account: string }>`
      SELECT DISTINCT account FROM outbox WHERE at <= ${before} LIMIT ${limit}`.map((r) => r.account);
  }

  /** The oldest row's time, or undefined when the outbox is empty. */
  oldest(): number | undefined {
    return this.sql.one<{ at: number | null }>`SELECT min(at) AS at FROM outbox`?.at ?? undefined;
  }

  /** Rows waiting, for operators and tests. */
  size(): number {
    return this.sql.one<{ n: number }>`SELECT count(*) AS n FROM outbox`?.n ?? 0;
  }
}
