/**
 * Order entry for one account, inside its Account object: idempotency on
 * `client_order_id`, pre-trade risk and the order's hold, then the book; the
 * book's reply (the account's outbox rows) settles before the answer leaves.
 *
 * Every change follows one pattern: mutate memory (orders, ledger) synchronously,
 * then `commit` it in one SQLite transaction; if that fails, memory is reloaded
 * from disk. Awaits happen only before a change (instrument spec, reference price)
 * or between two changes (the book call), never inside one.
 */
import { toUnits } from "../../../shared/decimal.ts";
import type { Instrument } from "../../../shared/instruments/schema.ts";
import type { AccountLedger } from "../../../shared/ledger/index.ts";
import type { LedgerTransaction } from "../../../shared/ledger/types.ts";
import type { AmendOrder, CancelAll, FillQuery, NewOrder, OrderQuery, OrderRef } from "../../../shared/orders/input.ts";
import { checkOrderRisk, type RiskReject } from "../../../shared/risk/pre-trade.ts";
import type { FeeTotal } from "../../fees/index.ts";
import type { OutboxRow, SubmitOptions, SubmitResult } from "../../order-book/contract.ts";
import type { OrderBook } from "../../order-book/index.ts";
import type { Funds } from "../funds.ts";
import type { FeeTally } from "./fee-tally.ts";
import { amendedHold, holdForRemainder } from "./holds.ts";
import type { InstrumentCache } from "./instruments.ts";
import { OpenOrders } from "./open-orders.ts";
import { fingerprintOf, newRecord, placeCommand, protectionPrice } from "./order-command.ts";
import {
  amendRejected,
  type CancelAllOutcome,
  type DeskError,
  notFound,
  notOpen,
  type OrderOutcome,
  reject,
  rejection,
  riskDetails,
  unknownStatus,
} from "./outcomes.ts";
import { isOpen, type OrderRecord, type OrderView, orderView } from "./record.ts";
import { type Applied, applyRows, type FillView, release } from "./settle.ts";
import type { OrderStore, Page } from "./store.ts";

export type { CancelAllOutcome, DeskError, DeskErrorCode, OrderOutcome } from "./outcomes.ts";

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
  book: (instrument: Pick<Instrument, "symbol" | "home_region">) => DurableObjectStub<OrderBook>;
  /** False while the account's kill switch is on. */
  tradingEnabled: () => boolean;
  /** Called after every committed change. */
  onUpdates?: (updates: DeskUpdates) => void;
  /** Fees paid so far (committed with the fills), and how to report them to the fees account. */
  fees?: { tally: FeeTally; report: (version: number, totals: FeeTotal[]) => Promise<{ version: number }> };
  maxOpenOrders?: number;
  /** The event journal (../stream-out.ts): called inside each change's transaction. */
  journal?: { orders(records: readonly OrderRecord[]): void; fills(fills: readonly FillView[]): void };
}

/** Fees are reported at most this often (a report carries running totals, so nothing is lost by waiting). */
const FEE_REPORT_MS = 1_000;

/** Most places one submit carries (the book takes up to 100 commands per call). */
const MAX_PLACE_BATCH = 100;

interface QueuedPlace {
  record: OrderRecord;
  trace: TraceContext;
  /** True for the order's first send (its id was just minted, so the book cannot know it). */
  first: boolean;
  resolve: (outcome: OrderOutcome) => void;
}

interface Lane {
  queued: QueuedPlace[];
  busy: boolean;
}

/** Orders waiting for the book's answer longer than this are resolved by the alarm. */
export const PENDING_RESOLVE_MS = 5_000;

type TraceContext = { traceparent?: string; request_id?: string };

export class OrderDesk {
  private readonly o: DeskOptions;
  /** Open orders (pending_new, new, partially_filled). */
  private open = new OpenOrders();
  private cursors = new Map<string, number>();
  /** Book calls in flight per order: a retry joins the first call instead of sending again. */
  private readonly inFlight = new Map<string, Promise<OrderOutcome>>();
  /** Places waiting for their instrument's book, per instrument. */
  private readonly lanes = new Map<string, Lane>();
  /** Cancels and amendments run one at a time per order. */
  private readonly orderQueues = new Map<string, Promise<void>>();
  private feeReport: ReturnType<typeof setTimeout> | undefined;

  constructor(options: DeskOptions) {
    this.o = options;
    this.reload();
  }

  private get ledger(): AccountLedger {
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

  // ── queries ────────────────────────────────────────────────────────────

  get(ref: OrderRef): OrderView | DeskError {
    const record = this.find(ref);
    return record ? orderView(record) : notFound(ref);
  }

  list(q: OrderQuery): Page<OrderView> {
    const page = this.o.store.orders(q);
    return { items: page.items.map(orderView), next_before: page.next_before };
  }

  fills(q: FillQuery): Page<FillView> {
    return this.o.store.fills(q);
  }

  openOrders(): OrderRecord[] {
    return [...this.open.values()];
  }

  /** Open orders waiting for the book's first answer since before `before`. */
  pendingSince(before: number): OrderRecord[] {
    return this.open.pendingSince(before);
  }

  /** Whether any open order waits for its book's first answer. */
  hasPending(): boolean {
    return this.open.hasPending();
  }

  // ── place ──────────────────────────────────────────────────────────────

  async place(input: NewOrder, trace: TraceContext = {}): Promise<OrderOutcome> {
    return (await this.placeMany([input], trace))[0] as OrderOutcome;
  }

  /**
   * Places orders together: their holds and records commit in one transaction, and those for
   * one instrument reach its book together (see `drain`). Each order gets its own outcome,
   * as if placed alone in the given order (a later one sees the holds of the earlier ones).
   */
  async placeMany(inputs: readonly NewOrder[], trace: TraceContext = {}): Promise<OrderOutcome[]> {
    // Everything that needs an await first: instrument specs, and reference prices for market orders.
    const specs = new Map<string, Instrument | null>();
    for (const input of inputs) {
      if (!specs.has(input.instrument)) specs.set(input.instrument, await this.o.instruments.get(input.instrument));
    }
    const references = new Map<string, string | undefined>();
    for (const input of inputs) {
      const spec = specs.get(input.instrument);
      if (!spec || references.has(spec.symbol)) continue;
      const risk = this.risk(input, spec, undefined);
      if (!risk.ok && risk.code === "no_reference_price") {
        references.set(spec.symbol, (await this.o.book(spec).reference()) ?? undefined);
      }
    }
    // From here to the commit everything is synchronous: checks see one consistent state.
    const now = Date.now();
    const outcomes: Array<OrderOutcome | Promise<OrderOutcome>> = [];
    const inBatch = new Map<string, { index: number; fingerprint: string }>();
    const records: OrderRecord[] = [];
    const rejected: OrderRecord[] = [];
    const held = new Set<string>();
    const toSend: Array<{ index: number; record: OrderRecord; spec: Instrument }> = [];
    for (const [index, input] of inputs.entries()) {
      const fingerprint = fingerprintOf(input);
      const earlier = inBatch.get(input.client_order_id);
      if (earlier) {
        outcomes.push(
          earlier.fingerprint === fingerprint
            ? Promise.resolve()
                // Read once the loop has filled in the earlier order's outcome.
                .then(() => outcomes[earlier.index] as OrderOutcome | Promise<OrderOutcome>)
                .then((o) => (o.ok ? { ...o, replayed: true } : o))
            : conflict(input.client_order_id),
        );
        continue;
      }
      inBatch.set(input.client_order_id, { index, fingerprint });
      const seen = this.o.store.byClientId(input.client_order_id);
      if (seen) {
        outcomes.push(this.replay(seen, fingerprint, trace));
        continue;
      }
      const spec = specs.get(input.instrument);
      if (!spec) {
        outcomes.push({ ok: false, code: "instrument_not_found", message: `No instrument ${input.instrument}.` });
        continue;
      }
      const risk = this.risk(input, spec, references.get(spec.symbol));
      const record = newRecord(input, spec, fingerprint, now);
      records.push(record);
      if (!risk.ok) {
        reject(record, risk.code, risk.message);
        rejected.push(record);
        outcomes.push(rejection(record, riskDetails(risk)));
        continue;
      }
      const hold = this.ledger.hold(record.order_id, risk.hold.asset, risk.hold.amount);
      if (!hold.ok) throw new Error(`hold refused after risk passed: ${hold.message}`);
      held.add(record.order_id);
      record.book_command = placeCommand(input, record, spec, risk.protection, risk.hold.fundsBudget);
      this.open.set(record);
      toSend.push({ index, record, spec });
      outcomes.push(undefined as unknown as OrderOutcome); // filled in once sent
    }
    if (records.length > 0) this.commit(records, held);
    if (rejected.length > 0) this.notify(rejected, []);
    // The user channel hears of the placed ones with the book's answer (their holds then show).
    for (const { index, record, spec } of toSend) outcomes[index] = this.send(record, spec, trace, true);
    return Promise.all(outcomes);
  }

  /** The risk verdict, with the protection price a market order gets from the same anchor as its hold. */
  private risk(
    input: NewOrder,
    spec: Instrument,
    reference: string | undefined,
  ): (ReturnType<typeof checkOrderRisk> & { ok: true; protection?: string }) | RiskReject {
    const base = this.ledger.available(spec.base);
    const quote = this.ledger.available(spec.quote);
    const openOrders = this.open.countOn(spec.symbol);
    const verdict = checkOrderRisk(
      { ...input, order_type: input.type },
      spec,
      { openOrders, killed: !this.o.tradingEnabled(), available: { [spec.base]: base, [spec.quote]: quote } },
      { referencePrice: reference, maxOpenOrders: this.o.maxOpenOrders },
    );
    if (!verdict.ok) return verdict;
    return { ...verdict, protection: protectionPrice(input, spec, reference) };
  }

  /** A request repeated with a client order id already used. */
  private async replay(record: OrderRecord, fingerprint: string, trace: TraceContext): Promise<OrderOutcome> {
    if (record.fingerprint !== fingerprint) {
      return {
        ok: false,
        code: "client_order_id_conflict",
        message: `client_order_id ${record.client_order_id} was already used for a different order.`,
        order: orderView(record),
      };
    }
    if (record.status === "pending_new") {
      const spec = await this.o.instruments.get(record.instrument);
      if (spec) return { ...(await this.send(record, spec, trace)), replayed: true } as OrderOutcome;
    }
    const outcome = this.outcomeOf(record, []);
    return outcome.ok ? { ...outcome, replayed: true } : outcome;
  }

  /**
   * Sends a pending order's place command (again, for a retry: the book answers a repeat with
   * `duplicate_order_id` and the first outcome is already in the rows it returns).
   */
  private send(record: OrderRecord, spec: Instrument, trace: TraceContext, first = false): Promise<OrderOutcome> {
    const running = this.inFlight.get(record.order_id);
    if (running) return running;
    let lane = this.lanes.get(spec.symbol);
    if (!lane) {
      lane = { queued: [], busy: false };
      this.lanes.set(spec.symbol, lane);
    }
    const queued = lane.queued;
    const call = new Promise<OrderOutcome>((resolve) => queued.push({ record, trace, first, resolve }));
    this.inFlight.set(record.order_id, call);
    void call.finally(() => this.inFlight.delete(record.order_id));
    if (!lane.busy) void this.drain(lane, spec);
    return call;
  }

  /**
   * Sends a lane's queued places to the book, one batch per submit: the first order of a
   * quiet moment goes alone at once, and orders that arrive while a submit is in flight
   * go together in the next one (group commit: one book transaction, one settlement).
   */
  private async drain(lane: Lane, spec: Instrument): Promise<void> {
    lane.busy = true;
    try {
      while (lane.queued.length > 0) {
        const batch = lane.queued.splice(0, MAX_PLACE_BATCH);
        await this.sendBatch(spec, batch);
      }
    } finally {
      lane.busy = false;
    }
  }

  private async sendBatch(spec: Instrument, batch: QueuedPlace[]): Promise<void> {
    let result: SubmitResult;
    try {
      result = await this.submit(
        spec,
        batch.map((q) => q.record.book_command),
        (batch[0] as QueuedPlace).trace,
        // Only a batch of first sends spares the book its lookup of ids it may have seen.
        { fresh: batch.every((q) => q.first) },
      );
    } catch (err) {
      for (const q of batch) q.resolve(unknownStatus(q.record, err));
      return;
    }
    let applied: Applied;
    try {
      applied = this.settle(spec.symbol, result.rows);
      for (const [i, q] of batch.entries()) {
        const answer = result.results[i];
        const current = this.open.get(q.record.order_id) ?? q.record;
        if (answer && !answer.ok && current.status === "pending_new") {
          const code = answer.error?.code ?? "invalid_command";
          if (code !== "duplicate_order_id") {
            // The book refused it and holds nothing of it: release the hold, the order is done.
            reject(current, code, answer.error?.message ?? "refused by the book");
            release(this.ledger, current, applied);
            applied.changed.add(current);
          }
        }
      }
      this.commitApplied(spec.symbol, applied);
    } catch (err) {
      // Memory was reloaded from disk: the orders stay pending and the alarm resolves them.
      for (const q of batch) q.resolve(unknownStatus(q.record, err));
      return;
    }
    for (const q of batch) {
      const current = this.open.get(q.record.order_id) ?? this.o.store.byId(q.record.order_id) ?? q.record;
      q.resolve(this.outcomeOf(current, this.fillsOf(current, applied)));
    }
  }

  // ── cancel, amend, cancel all ──────────────────────────────────────────

  async cancel(ref: OrderRef, trace: TraceContext = {}): Promise<OrderOutcome> {
    const found = this.find(ref);
    if (!found) return notFound(ref);
    return this.serialized(found.order_id, () => this.cancelNow(ref, trace));
  }

  private async cancelNow(ref: OrderRef, trace: TraceContext): Promise<OrderOutcome> {
    const record = this.find(ref);
    if (!record) return notFound(ref);
    if (!isOpen(record)) return notOpen(record);
    const spec = await this.o.instruments.get(record.instrument);
    if (!spec) return notOpen(record);
    let result: SubmitResult;
    try {
      result = await this.submit(spec, [{ type: "cancel", order_id: record.order_id }], trace);
    } catch (err) {
      return unknownStatus(record, err);
    }
    const applied = this.settle(spec.symbol, result.rows);
    this.commitApplied(spec.symbol, applied);
    const current = this.open.get(record.order_id) ?? this.o.store.byId(record.order_id) ?? record;
    const first = result.results[0];
    if (first?.ok) return this.outcomeOf(current, []);
    if (!isOpen(current)) return notOpen(current);
    return {
      ok: false,
      code: "cancel_rejected",
      reason: first?.error?.code ?? "unknown_order",
      message: first?.error?.message ?? "the book did not cancel the order",
      order: orderView(current),
    };
  }

  async amend(ref: OrderRef, change: AmendOrder, trace: TraceContext = {}): Promise<OrderOutcome> {
    const found = this.find(ref);
    if (!found) return notFound(ref);
    return this.serialized(found.order_id, () => this.amendNow(ref, change, trace));
  }

  private async amendNow(ref: OrderRef, change: AmendOrder, trace: TraceContext): Promise<OrderOutcome> {
    const record = this.find(ref);
    if (!record) return notFound(ref);
    if (!isOpen(record) || record.status === "pending_new") return notOpen(record);
    const spec = await this.o.instruments.get(record.instrument);
    if (!spec) return notOpen(record);
    const current = this.open.get(record.order_id);
    if (!current) return notOpen(record);
    // Hold what the amended order could need before the book sees it; give back any excess after.
    const needed = amendedHold(current, change, spec);
    if ("code" in needed) return amendRejected(current, needed.code, needed.message);
    const held = this.ledger.holdOf(current.order_id)?.amount ?? 0n;
    if (needed.amount > held) {
      const more = this.ledger.hold(current.order_id, needed.asset, needed.amount - held);
      if (!more.ok) {
        return amendRejected(current, "insufficient_available", more.message);
      }
      this.commit([], new Set([current.order_id]));
    }
    const command: Record<string, unknown> = { type: "amend", order_id: current.order_id };
    if (change.size !== undefined) command.size = change.size;
    if (change.price !== undefined) command.price = change.price;
    if (change.stop_price !== undefined) command.stop_price = change.stop_price;
    let result: SubmitResult;
    try {
      result = await this.submit(spec, [command], trace);
    } catch (err) {
      return unknownStatus(current, err);
    }
    const applied = this.settle(spec.symbol, result.rows);
    const after = this.open.get(current.order_id);
    if (after) this.trimHold(after, spec, applied);
    this.commitApplied(spec.symbol, applied);
    const latest = after ?? this.o.store.byId(current.order_id) ?? current;
    const first = result.results[0];
    if (first?.ok) return this.outcomeOf(latest, this.fillsOf(latest, applied));
    if (!isOpen(latest)) return notOpen(latest);
    return amendRejected(latest, first?.error?.code ?? "invalid_command", first?.error?.message ?? "refused");
  }

  /** Cancels the account's open orders (on one instrument and side if given), book by book in parallel. */
  async cancelAll(filter: CancelAll = {}, trace: TraceContext = {}): Promise<CancelAllOutcome | DeskError> {
    const instruments = new Set(
      this.openOrders()
        .filter((r) => filter.instrument === undefined || r.instrument === filter.instrument)
        .map((r) => r.instrument),
    );
    const cancelled: OrderView[] = [];
    const failed: string[] = [];
    await Promise.all(
      [...instruments].map(async (symbol) => {
        const spec = await this.o.instruments.get(symbol);
        if (!spec) return;
        const command: Record<string, unknown> = { type: "cancel_all" };
        if (filter.side) command.side = filter.side;
        let result: SubmitResult;
        try {
          result = await this.submit(spec, [command], trace);
        } catch (err) {
          failed.push(symbol);
          console.warn(
            JSON.stringify({
              level: "warn",
              msg: "cancel-all: book call failed",
              instrument: symbol,
              error: String(err),
            }),
          );
          return;
        }
        const applied = this.settle(symbol, result.rows);
        this.commitApplied(symbol, applied);
        for (const r of applied.changed)
          if (r.status === "cancelled" && r.done_reason === "cancel_all") cancelled.push(orderView(r));
      }),
    );
    if (failed.length > 0) {
      return {
        ok: false,
        code: "order_status_unknown",
        message: `The books of ${failed.join(", ")} did not answer; repeat the request to cancel what is left.`,
        cancelled,
        instruments: failed,
      };
    }
    return { ok: true, cancelled };
  }

  // ── book events ────────────────────────────────────────────────────────

  /** A book's push of outbox rows: applies the new ones; answers the cursor to acknowledge. */
  applyBookEvents(instrument: string, rows: readonly OutboxRow[]): number {
    const applied = this.settle(instrument, rows);
    this.commitApplied(instrument, applied);
    return applied.cursor;
  }

  /** Resolves orders whose book answer was lost: sends each place again (the book answers the first outcome). */
  async resolvePending(before: number): Promise<void> {
    await Promise.all(
      this.pendingSince(before).map(async (record) => {
        const spec = await this.o.instruments.get(record.instrument);
        if (spec) await this.send(record, spec, {});
      }),
    );
  }

  // ── internals ──────────────────────────────────────────────────────────

  private submit(
    spec: Instrument,
    commands: unknown[],
    trace: TraceContext,
    options: SubmitOptions = {},
  ): Promise<SubmitResult> {
    const ack = this.cursors.get(spec.symbol) ?? 0;
    return this.o.book(spec).submit(this.o.account, ack, commands, trace, options);
  }

  /**
   * Applies rows after this book's cursor to memory (the caller commits). If one cannot be
   * applied, memory is reloaded from disk before the error goes up: nothing half-applied stays.
   */
  private settle(instrument: string, rows: readonly OutboxRow[]): Applied {
    const cursor = this.cursors.get(instrument) ?? 0;
    try {
      return applyRows({ ledger: this.ledger, order: (id) => this.open.get(id) }, instrument, cursor, rows);
    } catch (err) {
      this.o.funds.reload();
      this.reload();
      throw err;
    }
  }

  /** Runs `task` after every earlier task on the same order: amendments size holds from settled state. */
  private serialized<T>(orderId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.orderQueues.get(orderId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.orderQueues.set(orderId, tail);
    void tail.then(() => {
      if (this.orderQueues.get(orderId) === tail) this.orderQueues.delete(orderId);
    });
    return next;
  }

  /** Commits applied rows: ledger, orders, fills and the cursor in one transaction. */
  private commitApplied(instrument: string, applied: Applied): void {
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
    this.notify(applied.changed, applied.transactions, applied.fills);
  }

  /** Tells the user channel what a committed change did. */
  private notify(records: Iterable<OrderRecord>, txs: readonly LedgerTransaction[], fills: FillView[] = []): void {
    this.o.onUpdates?.({
      orders: [...records].map(orderView),
      fills,
      assets: [...new Set(txs.flatMap((t) => t.legs.map((l) => l.asset)))],
    });
  }

  /** Persists the ledger's postings, the holds of `holdRefs`, `records` and `extra` in one transaction. */
  private commit(records: Iterable<OrderRecord>, holdRefs: Set<string>, extra?: (store: OrderStore) => void): void {
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
  private trimHold(order: OrderRecord, spec: Instrument, out: Applied): void {
    const needed = holdForRemainder(order, spec);
    if (needed === undefined) return;
    const held = this.ledger.holdOf(order.order_id)?.amount ?? 0n;
    if (held <= needed) return;
    const result = this.ledger.release(order.order_id, held - needed);
    if (!result.ok) throw new Error(`trimming the hold of ${order.order_id} failed: ${result.message}`);
    if (result.transaction) out.transactions.push(result.transaction);
    out.changed.add(order);
  }

  private find(ref: OrderRef): OrderRecord | undefined {
    if ("order_id" in ref) return this.open.get(ref.order_id) ?? this.o.store.byId(ref.order_id);
    const record = this.o.store.byClientId(ref.client_order_id);
    return record ? (this.open.get(record.order_id) ?? record) : undefined;
  }

  /** The order's fills: those just applied, or all of them if a push applied some first. */
  private fillsOf(record: OrderRecord, applied: Applied): FillView[] {
    const mine = applied.fills.filter((f) => f.order_id === record.order_id);
    let lots = 0;
    for (const f of mine) lots += Number(toUnits(f.size, record.lot_size));
    if (lots === record.filled_lots) return mine;
    return this.o.store.fills({ order_id: record.order_id, limit: 1_000 }).items.reverse();
  }

  private outcomeOf(record: OrderRecord, fills: FillView[]): OrderOutcome {
    if (record.status === "rejected") return rejection(record, {});
    return { ok: true, order: orderView(record), fills, replayed: false };
  }
}

function conflict(clientOrderId: string): DeskError {
  return {
    ok: false,
    code: "client_order_id_conflict",
    message: `client_order_id ${clientOrderId} appears twice in the request with different orders.`,
  };
}
