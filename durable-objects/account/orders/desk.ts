/**
 * Order entry for one account, inside its Account object: placing (placing.ts), changes to
 * placed orders (changes.ts), settlement of the books' outbox rows and the queries, over
 * one state that changes in one way (desk-core.ts).
 */
import type { AmendOrder, CancelAll, FillQuery, NewOrder, OrderQuery, OrderRef } from "../../../shared/orders/input.ts";
import type { OutboxRow } from "../../order-book/contract.ts";
import { OrderChanges } from "./changes.ts";
import { DeskCore, type DeskOptions, type TraceContext } from "./desk-core.ts";
import { type CancelAllOutcome, type DeskError, notFound, type OrderOutcome } from "./outcomes.ts";
import { Placing } from "./placing.ts";
import { type OrderRecord, type OrderView, orderView } from "./record.ts";
import type { FillView } from "./settle.ts";
import type { Page } from "./store.ts";

export type { DeskOptions, DeskUpdates } from "./desk-core.ts";
export type { CancelAllOutcome, DeskError, DeskErrorCode, OrderOutcome } from "./outcomes.ts";

/** Orders waiting for the book's answer longer than this are resolved by the alarm. */
export const PENDING_RESOLVE_MS = 5_000;

export class OrderDesk {
  private readonly core: DeskCore;
  private readonly placing: Placing;
  private readonly changes: OrderChanges;

  constructor(options: DeskOptions) {
    this.core = new DeskCore(options);
    this.placing = new Placing(this.core);
    this.changes = new OrderChanges(this.core);
  }

  /** (Re)reads open orders, cursors and the fee tally from disk. */
  reload(): void {
    this.core.reload();
  }

  /** Reports fees paid so far to the fees account, if it lacks the latest; false if that failed. */
  reportFees(): Promise<boolean> {
    return this.core.reportFees();
  }

  /** Whether fees wait to be reported. */
  feesUnreported(): boolean {
    return this.core.feesUnreported();
  }

  // ── queries ────────────────────────────────────────────────────────────

  get(ref: OrderRef): OrderView | DeskError {
    const record = this.core.find(ref);
    return record ? orderView(record) : notFound(ref);
  }

  list(q: OrderQuery): Page<OrderView> {
    const page = this.core.o.store.orders(q);
    return { items: page.items.map(orderView), next_before: page.next_before };
  }

  fills(q: FillQuery): Page<FillView> {
    return this.core.o.store.fills(q);
  }

  openOrders(): OrderRecord[] {
    return [...this.core.open.values()];
  }

  /** Whether any open order waits for its book's first answer. */
  hasPending(): boolean {
    return this.core.open.hasPending();
  }

  // ── orders ─────────────────────────────────────────────────────────────

  async place(input: NewOrder, trace: TraceContext = {}): Promise<OrderOutcome> {
    return (await this.placing.placeMany([input], trace))[0] as OrderOutcome;
  }

  /** Places orders together, each with its own outcome (placing.ts). */
  placeMany(inputs: readonly NewOrder[], trace: TraceContext = {}): Promise<OrderOutcome[]> {
    return this.placing.placeMany(inputs, trace);
  }

  cancel(ref: OrderRef, trace: TraceContext = {}): Promise<OrderOutcome> {
    return this.changes.cancel(ref, trace);
  }

  amend(ref: OrderRef, change: AmendOrder, trace: TraceContext = {}): Promise<OrderOutcome> {
    return this.changes.amend(ref, change, trace);
  }

  /** Cancels the account's open orders (on one instrument and side if given), book by book in parallel. */
  cancelAll(filter: CancelAll = {}, trace: TraceContext = {}): Promise<CancelAllOutcome | DeskError> {
    return this.changes.cancelAll(filter, trace);
  }

  // ── book events ────────────────────────────────────────────────────────

  /** A book's push of outbox rows: applies the new ones; answers the cursor to acknowledge. */
  applyBookEvents(instrument: string, rows: readonly OutboxRow[]): number {
    const applied = this.core.settle(instrument, rows);
    this.core.commitApplied(instrument, applied);
    return applied.cursor;
  }

  /** Resolves orders whose book answer was lost: sends each place again (the book answers the first outcome). */
  resolvePending(before: number): Promise<void> {
    return this.placing.resolvePending(before);
  }
}
