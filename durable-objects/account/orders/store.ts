/**
 * The Account object's order tables: orders (the record as JSON beside the columns
 * queries filter on), fills, each book's cursor, and idempotency records. Writers
 * run inside one atomic write (`atomically`, ../../runtime/sql.ts).
 */

import type { FillQuery, OrderQuery } from "../../../shared/orders/input.ts";
import type { Sql } from "../../runtime/sql.ts";
import { isOpen, type OrderRecord } from "./record.ts";
import type { FillView } from "./settle.ts";

interface OrderRow extends Record<string, string | number> {
  seq: number;
  record: string;
}

export interface Page<T> {
  items: T[];
  /** The row to continue before, or null on the last page. */
  next_before: number | null;
}

/** A stored outcome of a request made with an `Idempotency-Key`. */
export interface RequestRecord {
  key: string;
  fingerprint: string;
  operation: string;
  outcome: unknown;
  created_at: number;
}

export class OrderStore {
  private readonly sql: Sql;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  openOrders(): OrderRecord[] {
    return this.sql<OrderRow>`SELECT seq, record FROM orders WHERE open = 1 ORDER BY seq`.map(
      (r) => JSON.parse(r.record) as OrderRecord,
    );
  }

  byId(orderId: string): OrderRecord | undefined {
    const row = this.sql.one<OrderRow>`SELECT seq, record FROM orders WHERE order_id = ${orderId}`;
    return row ? (JSON.parse(row.record) as OrderRecord) : undefined;
  }

  byClientId(clientOrderId: string): OrderRecord | undefined {
    const row = this.sql.one<OrderRow>`SELECT seq, record FROM orders WHERE client_order_id = ${clientOrderId}`;
    return row ? (JSON.parse(row.record) as OrderRecord) : undefined;
  }

  /** Inserts or rewrites orders. */
  saveOrders(records: Iterable<OrderRecord>): void {
    const rows: unknown[][] = [];
    for (const r of records) {
      rows.push([
        r.order_id,
        r.client_order_id,
        r.instrument,
        r.status,
        isOpen(r) ? 1 : 0,
        r.created_at,
        r.updated_at,
        JSON.stringify(r),
      ]);
    }
    if (rows.length === 0) return;
    this.sql`INSERT INTO orders (order_id, client_order_id, instrument, status, open, created_at, updated_at, record)
             SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7
             FROM json_each(${JSON.stringify(rows)}) WHERE true
             ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, open = excluded.open,
               updated_at = excluded.updated_at, record = excluded.record`;
  }

  saveFills(fills: readonly FillView[]): void {
    if (fills.length === 0) return;
    const rows = fills.map((f) => [f.fill_id, f.order_id, f.instrument, f.seq, f.time_ms, JSON.stringify(f)]);
    this.sql`INSERT INTO fills (fill_id, order_id, instrument, seq, at, view)
             SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
             FROM json_each(${JSON.stringify(rows)})`;
  }

  cursor(instrument: string): number {
    return this.sql.one<{ seq: number }>`SELECT seq FROM book_cursors WHERE instrument = ${instrument}`?.seq ?? 0;
  }

  cursors(): Map<string, number> {
    return new Map(
      this.sql<{ instrument: string; seq: number }>`SELECT instrument, seq FROM book_cursors`.map((r) => [
        r.instrument,
        r.seq,
      ]),
    );
  }

  saveCursor(instrument: string, seq: number): void {
    this.sql`INSERT INTO book_cursors (instrument, seq) VALUES (${instrument}, ${seq})
             ON CONFLICT (instrument) DO UPDATE SET seq = excluded.seq`;
  }

  /** Orders newest first. */
  orders(q: OrderQuery): Page<OrderRecord> {
    const open = q.status === undefined ? null : q.status === "open" ? 1 : 0;
    const rows = this.sql<OrderRow>`
      SELECT seq, record FROM orders
      WHERE (${open} IS NULL OR open = ${open})
        AND (${q.instrument ?? null} IS NULL OR instrument = ${q.instrument ?? null})
        AND (${q.before ?? null} IS NULL OR seq < ${q.before ?? null})
        AND (${q.start ?? null} IS NULL OR created_at >= ${q.start ?? null})
        AND (${q.end ?? null} IS NULL OR created_at < ${q.end ?? null})
      ORDER BY seq DESC LIMIT ${q.limit + 1}`;
    return page(rows, q.limit, (r) => JSON.parse(r.record) as OrderRecord);
  }

  /** Fills newest first. */
  fills(q: FillQuery): Page<FillView> {
    const rows = this.sql<{ seq: number; view: string }>`
      SELECT rowid AS seq, view FROM fills
      WHERE (${q.instrument ?? null} IS NULL OR instrument = ${q.instrument ?? null})
        AND (${q.order_id ?? null} IS NULL OR order_id = ${q.order_id ?? null})
        AND (${q.before ?? null} IS NULL OR rowid < ${q.before ?? null})
        AND (${q.start ?? null} IS NULL OR at >= ${q.start ?? null})
        AND (${q.end ?? null} IS NULL OR at < ${q.end ?? null})
      ORDER BY rowid DESC LIMIT ${q.limit + 1}`;
    return page(rows, q.limit, (r) => JSON.parse(r.view) as FillView);
  }

  request(key: string): RequestRecord | undefined {
    const row = this.sql.one<{
      key: string;
      fingerprint: string;
      operation: string;
      outcome: string;
      created_at: number;
    }>`
      SELECT key, fingerprint, operation, outcome, created_at FROM requests WHERE key = ${key}`;
    return row ? { ...row, outcome: JSON.parse(row.outcome) } : undefined;
  }

  saveRequest(r: RequestRecord): void {
    this.sql`INSERT INTO requests (key, fingerprint, operation, outcome, created_at)
             VALUES (${r.key}, ${r.fingerprint}, ${r.operation}, ${JSON.stringify(r.outcome)}, ${r.created_at})`;
  }

  /** Forgets idempotency records older than `before`. */
  pruneRequests(before: number): void {
    this.sql`DELETE FROM requests WHERE created_at < ${before}`;
  }
}

function page<R extends { seq: number }, T>(rows: R[], limit: number, map: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept.at(-1);
  return { items: kept.map(map), next_before: more && last ? last.seq : null };
}
