/**
 * The state an account's order entry works on, and the one way it changes: open orders
 * and each book's settlement cursor in memory; a change mutates memory (orders, ledger)
 * synchronously and `commit`s it in one SQLite transaction, and if that fails memory is
 * reloaded from disk. Placing (placing.ts) and changes (changes.ts) both go through here.
 */
import { toUnits } from "../../../shared/decimal.ts";
import type { Instrument } from "../../../shared/instruments/schema.ts";
import type { AccountLedger } from "../../../shared/ledger/index.ts";
import type { LedgerTransaction } from "../../../shared/ledger/types.ts";
import type { OrderRef } from "../../../shared/orders/input.ts";
import type { FeeTotal } from "../../fees/index.ts";
import type { OutboxRow, SubmitOptions, SubmitResult } from "../../order-book/contract.ts";
import type { OrderBook } from "../../order-book/index.ts";
import type { BookPlacement } from "../../order-book/stub.ts";
import { isUnreachable } from "../../runtime/unreachable.ts";
import type { Funds } from "../funds.ts";
import type { FeeTally } from "./fee-tally.ts";
import { holdForRemainder } from "./holds.ts";
import type { InstrumentCache } from "./instruments.ts";
import { OpenOrders } from "./open-orders.ts";
import { InstrumentMovingError, type OrderOutcome, rejection } from "./outcomes.ts";
import { isOpen, type OrderRecord, type OrderView, orderView, type ReachedStatus } from "./record.ts";
import { type Applied, applyRows, type FillView } from "./settle.ts";
import type { OrderStore } from "./store.ts";

/** What the desk tells the account's user channel after each change. */
export interface DeskUpdates {
  orders: OrderView[];
  fills: FillView[];
  /** Assets whose balances changed. */
  assets: string[];
}

export interface DeskOptions {
  account: string;
  store: OrderStore;
  funds: Funds;
  instruments: InstrumentCache;
  /** The instrument's book where it lives now (its epoch and region: order-book/stub.ts). */
  book: (instrument: BookPlacement) => DurableObjectStub<OrderBook>;
  /** False while the account's kill switch is on. */
  tradingEnabled: () => boolean;
  /** Called after every committed change. */
  onUpdates?: (updates: DeskUpdates) => void;
  /** Fees paid so far (committed with the fills), and how to report them to the fees account. */
  fees?: { tally: FeeTally; report: (version: number, totals: FeeTotal[]) => Promise<{ version: number }> };
  maxOpenOrders?: number;
  /** The most notional one order may have (quote decimal; undefined: no cap), read at each placement. */
  maxOrderNotional?: string | undefined;
  /** The event journal (../journal.ts): called inside each change's transaction. */
  journal?: { orders(records: readonly OrderRecord[]): void; fills(fills: readonly FillView[]): void };
  metrics?: DeskMetrics;
}

/** What order entry reports after each commit (the account's metrics.ts). */
export interface DeskMetrics {
  reached(status: ReachedStatus, n?: number): void;
  /** Fills settled at `now`, each made by its book at `time_ms`. */
  settled(fills: readonly { time_ms: number }[], now: number): void;
}

/** Who asked, continued into the book's logs. */
export type TraceContext = { traceparent?: string; request_id?: string };

/** Fees are reported at most this often (a report carries running totals, so nothing is lost by waiting). */
const FEE_REPORT_MS = 1_000;

export class DeskCore {
  readonly o: DeskOptions;
  /** Open orders (pending_new, new, partially_filled). */
  open = new OpenOrders();
  private cursors = new Map<string, number>();
  private feeReport: ReturnType<typeof setTimeout> | undefined;

  constructor(options: DeskOptions) {
    this.o = options;
    this.reload();
  }

  get ledger(): AccountLedger {
    return this.o.funds.orderLedger;
  }

  /** (Re)reads open orders, cursors and the fee tally from disk. */
  reload(): void {
    this.open = new OpenOrders(this.o.store.openOrders());
    this.cursors = this.o.store.cursors();
    this.o.fees?.tally.reload();
  }

  /** Reports fees paid so far to the fees account, if it lacks the latest; false if that failed. */
  async reportFees(): Promise<boolean> {
    const fees = this.o.fees;
    const pending = fees?.tally.unreported();
    if (!fees || !pending) return true;
    try {
      const { version } = await fees.report(pending.version, pending.totals);
      fees.tally.reported(version);
      return true;
    } catch (err) {
      console.warn(JSON.stringify({ level: "warn", msg: "fee report failed; the alarm retries", error: String(err) }));
      return false;
    }
  }

  /** Whether fees wait to be reported. */
  feesUnreported(): boolean {
    return this.o.fees?.tally.unreported() !== undefined;
  }

  /**
   * Sends commands to the instrument's book. A book that moved since `spec` was cached answers
   * `book_moved`: the spec is read again from the registry and the commands sent once more. A book
   * being moved refuses them (`instrument_moving`), thrown as {@link InstrumentMovingError}.
   */
  async submit(
    spec: Instrument,
    commands: unknown[],
    trace: TraceContext,
    options: SubmitOptions = {},
  ): Promise<SubmitResult> {
    const ack = this.cursors.get(spec.symbol) ?? 0;
    let result: SubmitResult;
    try {
      result = await this.o.book(spec).submit(this.o.account, ack, commands, trace, options);
    } catch (err) {
      // An unreachable book may be failed over to another object: the next attempt reads the registry again.
      if (isUnreachable(err)) this.o.instruments.unreachable(spec);
      throw err;
    }
    if (result.error?.code === "book_moved") {
      const fresh = await this.o.instruments.refresh(spec.symbol);
      if (fresh) result = await this.o.book(fresh).submit(this.o.account, ack, commands, trace, options);
    }
    const error = result.error;
    if (error?.code === "instrument_moving") throw new InstrumentMovingError(error.message, error.retry_after_ms);
    if (error?.code === "book_moved") throw new InstrumentMovingError(error.message, 1_000);
    return result;
  }

  /**
   * Applies rows after this book's cursor to memory (the caller commits). If one cannot be
   * applied, memory is reloaded from disk before the error goes up: nothing half-applied stays.
   */
  settle(instrument: string, rows: readonly OutboxRow[]): Applied {
    const cursor = this.cursors.get(instrument) ?? 0;
    try {
      return applyRows({ ledger: this.ledger, order: (id) => this.open.get(id) }, instrument, cursor, rows);
    } catch (err) {
      this.o.funds.reload();
      this.reload();
      throw err;
    }
  }

  /** Commits applied rows: ledger, orders, fills and the cursor in one transaction. */
  commitApplied(instrument: string, applied: Applied): void {
    const previous = this.cursors.get(instrument) ?? 0;
    if (applied.cursor === previous && applied.changed.size === 0 && applied.transactions.length === 0) return;
    const refs = new Set([...applied.changed].map((r) => r.order_id));
    this.commit(applied.changed, refs, (sql) => {
      if (applied.cursor !== previous) sql.saveCursor(instrument, applied.cursor);
      sql.saveFills(applied.fills);
      this.o.journal?.fills(applied.fills);
      this.o.fees?.tally.add(applied.fills);
    });
    if (applied.fills.length > 0 && this.o.fees && this.feeReport === undefined) {
      // Coalesce: one report per burst of fills.
      this.feeReport = setTimeout(() => {
        this.feeReport = undefined;
        void this.reportFees();
      }, FEE_REPORT_MS);
    }
    if (applied.cursor !== previous) this.cursors.set(instrument, applied.cursor);
    for (const r of applied.changed) if (!isOpen(r)) this.open.delete(r.order_id);
    if (this.o.metrics) {
      for (const status of applied.reached) this.o.metrics.reached(status);
      this.o.metrics.settled(applied.fills, Date.now());
    }
    this.notify(applied.changed, applied.transactions, applied.fills);
  }

  /** Tells the user channel what a committed change did. */
  notify(records: Iterable<OrderRecord>, txs: readonly LedgerTransaction[], fills: FillView[] = []): void {
    this.o.onUpdates?.({
      orders: [...records].map(orderView),
      fills,
      assets: [...new Set(txs.flatMap((t) => t.legs.map((l) => l.asset)))],
    });
  }

  /** Persists the ledger's postings, the holds of `holdRefs`, `records` and `extra` in one transaction. */
  commit(records: Iterable<OrderRecord>, holdRefs: Set<string>, extra?: (store: OrderStore) => void): void {
    const list = [...records];
    try {
      this.o.funds.persist(holdRefs, () => {
        this.o.store.saveOrders(list);
        extra?.(this.o.store);
        this.o.journal?.orders(list);
      });
    } catch (err) {
      this.reload();
      throw err;
    }
  }

  /** Gives back hold beyond what the order's open remainder can still need. */
  trimHold(order: OrderRecord, spec: Instrument, out: Applied): void {
    const needed = holdForRemainder(order, spec);
    if (needed === undefined) return;
    const held = this.ledger.holdOf(order.order_id)?.amount ?? 0n;
    if (held <= needed) return;
    const result = this.ledger.release(order.order_id, held - needed);
    if (!result.ok) throw new Error(`trimming the hold of ${order.order_id} failed: ${result.message}`);
    if (result.transaction) out.transactions.push(result.transaction);
    out.changed.add(order);
  }

  find(ref: OrderRef): OrderRecord | undefined {
    if ("order_id" in ref) return this.open.get(ref.order_id) ?? this.o.store.byId(ref.order_id);
    const record = this.o.store.byClientId(ref.client_order_id);
    return record ? (this.open.get(record.order_id) ?? record) : undefined;
  }

  /** The order's fills: those just applied, or all of them if a push applied some first. */
  fillsOf(record: OrderRecord, applied: Applied): FillView[] {
    const mine = applied.fills.filter((f) => f.order_id === record.order_id);
    let lots = 0;
    for (const f of mine) lots += Number(toUnits(f.size, record.lot_size));
    if (lots === record.filled_lots) return mine;
    return this.o.store.fills({ order_id: record.order_id, limit: 1_000 }).items.reverse();
  }

  outcomeOf(record: OrderRecord, fills: FillView[]): OrderOutcome {
    if (record.status === "rejected") return rejection(record, {});
    return { ok: true, order: orderView(record), fills, replayed: false };
  }
}
