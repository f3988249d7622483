/**
 * Placing orders: idempotency on `client_order_id`, pre-trade risk and the order's hold,
 * committed together; then each instrument's book through its lane, where orders that
 * arrive while a submit is in flight go together in the next one (group commit). The
 * book's reply (the account's outbox rows) settles before each order's answer leaves.
 * Awaits happen only before a change (instrument spec, reference price) or between two
 * changes (the book call), never inside one.
 */
import type { Instrument } from "../../../shared/instruments/schema.ts";
import type { NewOrder } from "../../../shared/orders/input.ts";
import { checkOrderRisk, type RiskReject } from "../../../shared/risk/pre-trade.ts";
import type { SubmitResult } from "../../order-book/contract.ts";
import type { DeskCore, TraceContext } from "./desk-core.ts";
import { fingerprintOf, newRecord, placeCommand, protectionPrice } from "./order-command.ts";
import { type DeskError, type OrderOutcome, reject, rejection, riskDetails, unknownStatus } from "./outcomes.ts";
import { type OrderRecord, orderView } from "./record.ts";
import { type Applied, release } from "./settle.ts";

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

export class Placing {
  private readonly core: DeskCore;
  /** Book calls in flight per order: a retry joins the first call instead of sending again. */
  private readonly inFlight = new Map<string, Promise<OrderOutcome>>();
  /** Places waiting for their instrument's book, per instrument. */
  private readonly lanes = new Map<string, Lane>();

  constructor(core: DeskCore) {
    this.core = core;
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
      if (!specs.has(input.instrument))
        specs.set(input.instrument, await this.core.o.instruments.get(input.instrument));
    }
    const references = new Map<string, string | undefined>();
    for (const input of inputs) {
      const spec = specs.get(input.instrument);
      if (!spec || references.has(spec.symbol)) continue;
      const risk = this.risk(input, spec, undefined);
      if (!risk.ok && risk.code === "no_reference_price") {
        references.set(spec.symbol, (await this.core.o.book(spec).reference()) ?? undefined);
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
      const seen = this.core.o.store.byClientId(input.client_order_id);
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
      const hold = this.core.ledger.hold(record.order_id, risk.hold.asset, risk.hold.amount);
      if (!hold.ok) throw new Error(`hold refused after risk passed: ${hold.message}`);
      held.add(record.order_id);
      record.book_command = placeCommand(input, record, spec, risk.protection, risk.hold.fundsBudget);
      this.core.open.set(record);
      toSend.push({ index, record, spec });
      outcomes.push(undefined as unknown as OrderOutcome); // filled in once sent
    }
    if (records.length > 0) this.core.commit(records, held);
    if (rejected.length > 0) {
      this.core.notify(rejected, []);
      this.core.o.metrics?.reached("rejected", rejected.length);
    }
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
    const base = this.core.ledger.available(spec.base);
    const quote = this.core.ledger.available(spec.quote);
    const openOrders = this.core.open.countOn(spec.symbol);
    const verdict = checkOrderRisk(
      { ...input, order_type: input.type },
      spec,
      { openOrders, killed: !this.core.o.tradingEnabled(), available: { [spec.base]: base, [spec.quote]: quote } },
      {
        referencePrice: reference,
        maxOpenOrders: this.core.o.maxOpenOrders,
        maxOrderNotional: this.core.o.maxOrderNotional,
      },
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
      const spec = await this.core.o.instruments.get(record.instrument);
      if (spec) return { ...(await this.send(record, spec, trace)), replayed: true } as OrderOutcome;
    }
    const outcome = this.core.outcomeOf(record, []);
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
      result = await this.core.submit(
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
      applied = this.core.settle(spec.symbol, result.rows);
      for (const [i, q] of batch.entries()) {
        const answer = result.results[i];
        const current = this.core.open.get(q.record.order_id) ?? q.record;
        if (answer && !answer.ok && current.status === "pending_new") {
          const code = answer.error?.code ?? "invalid_command";
          if (code !== "duplicate_order_id") {
            // The book refused it and holds nothing of it: release the hold, the order is done.
            reject(current, code, answer.error?.message ?? "refused by the book");
            applied.reached.push("rejected");
            release(this.core.ledger, current, applied);
            applied.changed.add(current);
          }
        }
      }
      this.core.commitApplied(spec.symbol, applied);
    } catch (err) {
      // Memory was reloaded from disk: the orders stay pending and the alarm resolves them.
      for (const q of batch) q.resolve(unknownStatus(q.record, err));
      return;
    }
    for (const q of batch) {
      const current = this.core.open.get(q.record.order_id) ?? this.core.o.store.byId(q.record.order_id) ?? q.record;
      q.resolve(this.core.outcomeOf(current, this.core.fillsOf(current, applied)));
    }
  }

  /** Resolves orders whose book answer was lost: sends each place again (the book answers the first outcome). */
  async resolvePending(before: number): Promise<void> {
    await Promise.all(
      this.core.open.pendingSince(before).map(async (record) => {
        const spec = await this.core.o.instruments.get(record.instrument);
        if (spec) await this.send(record, spec, {});
      }),
    );
  }
}

function conflict(clientOrderId: string): DeskError {
  return {
    ok: false,
    code: "client_order_id_conflict",
    message: `client_order_id ${clientOrderId} appears twice in the request with different orders.`,
  };
}
