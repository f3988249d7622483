/**
 * An account's open orders in memory (pending_new, new, partially_filled), with what
 * order entry asks on every placement kept ready: how many are open per instrument
 * (the open-order cap) and which still wait for their book's first answer (the
 * alarm's retries). Each answer costs the same with 10 open orders or 10 000.
 */
import type { OrderRecord } from "./record.ts";

export class OpenOrders {
  private readonly byId = new Map<string, OrderRecord>();
  private readonly perInstrument = new Map<string, number>();
  /** Orders added while pending_new; those answered since are dropped when next looked at. */
  private readonly maybePending = new Set<OrderRecord>();

  constructor(records: Iterable<OrderRecord> = []) {
    for (const r of records) this.set(r);
  }

  get size(): number {
    return this.byId.size;
  }

  get(orderId: string): OrderRecord | undefined {
    return this.byId.get(orderId);
  }

  /** Adds (or replaces) an open order. */
  set(record: OrderRecord): void {
    const previous = this.byId.get(record.order_id);
    if (previous) this.maybePending.delete(previous);
    else this.perInstrument.set(record.instrument, (this.perInstrument.get(record.instrument) ?? 0) + 1);
    this.byId.set(record.order_id, record);
    if (record.status === "pending_new") this.maybePending.add(record);
  }

  /** Forgets an order that is no longer open. */
  delete(orderId: string): void {
    const record = this.byId.get(orderId);
    if (!record) return;
    this.byId.delete(orderId);
    this.maybePending.delete(record);
    const n = (this.perInstrument.get(record.instrument) ?? 1) - 1;
    if (n > 0) this.perInstrument.set(record.instrument, n);
    else this.perInstrument.delete(record.instrument);
  }

  /** Open orders on `instrument`. */
  countOn(instrument: string): number {
    return this.perInstrument.get(instrument) ?? 0;
  }

  values(): IterableIterator<OrderRecord> {
    return this.byId.values();
  }

  /** Orders still waiting for their book's first answer, placed at or before `before`. */
  pendingSince(before: number): OrderRecord[] {
    const out: OrderRecord[] = [];
    for (const r of this.maybePending) {
      if (r.status !== "pending_new" || this.byId.get(r.order_id) !== r) this.maybePending.delete(r);
      else if (r.created_at <= before) out.push(r);
    }
    return out;
  }

  /** Whether any order waits for its book's first answer. */
  hasPending(): boolean {
    return this.pendingSince(Number.MAX_SAFE_INTEGER).length > 0;
  }
}
