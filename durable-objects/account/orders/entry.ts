/**
 * The account's order-entry calls as the edge and the feed make them: each body validated
 * (a bad one is refused with `invalid_order`, nothing changes), each mutation run once per
 * Idempotency-Key (keyed-requests.ts), metered by the account's budgets (order-budget.ts: a
 * refusal is `rate_limited` and changes nothing; a repeat answered from its key costs
 * nothing), then handed to the desk.
 */
import {
  type AmendOrder,
  type CancelAll,
  type NewOrder,
  NewOrderSchema,
  type OrderRef,
} from "../../../shared/orders/input.ts";
import {
  type BatchOutcome,
  type CallOptions,
  type CancelAfterOutcome,
  type KeyReused,
  type StoredOutcome,
  statusUnknown,
} from "../contract.ts";
import type { OrderDesk } from "./desk.ts";
import type { KeyedRequests } from "./keyed-requests.ts";
import type { BudgetName, BudgetRefusal, OrderBudget } from "./order-budget.ts";
import type { DeskError, OrderOutcome } from "./outcomes.ts";

export interface OrderEntryDeps {
  desk: OrderDesk;
  keyed: KeyedRequests;
  /** The account's budgets across its keys and protocols (built on first use). */
  budget: () => OrderBudget;
  /** Arms the dead-man timer at `at` (null disarms). */
  setCancelAfter(at: number | null): Promise<void>;
  /** An order left pending (its book did not answer): the alarm resolves it. */
  armAlarm(): Promise<void>;
}

type Answer = Promise<StoredOutcome | KeyReused>;

export class OrderEntry {
  private readonly deps: OrderEntryDeps;

  constructor(deps: OrderEntryDeps) {
    this.deps = deps;
  }

  /** Places an order (idempotent on `client_order_id`, and on the key if given). */
  place(input: unknown, options: CallOptions): Answer {
    const parsed = NewOrderSchema.safeParse(input);
    if (!parsed.success) return Promise.resolve(invalid(parsed.error.issues));
    return this.keyed(
      options,
      "place",
      parsed.data,
      async () => this.refused(options, "orders") ?? this.deps.desk.place(parsed.data, options),
    );
  }

  /**
   * Places up to 20 orders, each with its own outcome; the valid ones go together. The batch
   * weighs its valid orders: it fits the order budget whole or is refused whole, unless
   * `admission` is `each` (then each order fits or is refused on its own, in order).
   */
  placeMany(inputs: unknown[], options: CallOptions): Answer {
    return this.keyed(options, "batch", inputs, async (): Promise<BatchOutcome | BudgetRefusal> => {
      const results: OrderOutcome[] = [];
      let valid: Array<{ index: number; order: NewOrder }> = [];
      for (const [index, input] of inputs.entries()) {
        const parsed = NewOrderSchema.safeParse(input);
        if (parsed.success) valid.push({ index, order: parsed.data });
        else results[index] = invalid(parsed.error.issues);
      }
      if (options.admission === "each") {
        valid = valid.filter((v) => {
          const refused = this.refused(options, "orders");
          if (refused) results[v.index] = refused;
          return refused === undefined;
        });
      } else {
        const refused = this.refused(options, "orders", valid.length);
        if (refused) return refused;
      }
      // One commit of their holds, one submit per instrument.
      const placed = await this.deps.desk.placeMany(
        valid.map((v) => v.order),
        options,
      );
      for (const [k, v] of valid.entries()) results[v.index] = placed[k] as OrderOutcome;
      return { ok: true, results };
    });
  }

  cancel(ref: OrderRef, options: CallOptions): Answer {
    return this.keyed(
      options,
      "cancel",
      ref,
      async () => this.refused(options, "cancels") ?? this.deps.desk.cancel(ref, options),
    );
  }

  amend(ref: OrderRef, change: AmendOrder, options: CallOptions): Answer {
    return this.keyed(
      options,
      "amend",
      { ref, change },
      async () => this.refused(options, "orders") ?? this.deps.desk.amend(ref, change, options),
    );
  }

  cancelAll(filter: CancelAll, options: CallOptions): Answer {
    return this.keyed(
      options,
      "cancel_all",
      filter,
      async () => this.refused(options, "cancels") ?? this.deps.desk.cancelAll(filter, options),
    );
  }

  /** Arms (or with 0 disarms) the dead-man timer: all open orders are cancelled when it fires. */
  cancelAfter(timeoutMs: number, options: CallOptions): Answer {
    return this.keyed(options, "cancel_after", { timeoutMs }, async (): Promise<CancelAfterOutcome | BudgetRefusal> => {
      const refused = this.refused(options, "cancels");
      if (refused) return refused;
      const at = timeoutMs === 0 ? null : Date.now() + timeoutMs;
      await this.deps.setCancelAfter(at);
      return { ok: true, cancel_at: at === null ? null : new Date(at).toISOString(), cancel_at_ms: at };
    });
  }

  /** Takes `cost` units of the account's budget `name`: its refusal, or undefined (taken, or exempt). */
  private refused(options: CallOptions, name: BudgetName, cost = 1): BudgetRefusal | undefined {
    return options.admission === "exempt" ? undefined : this.deps.budget().take(name, cost);
  }

  /** Runs a mutation once per Idempotency-Key, then arms the alarm if it left an order pending. */
  private async keyed(
    options: CallOptions,
    operation: string,
    body: unknown,
    run: () => Promise<StoredOutcome>,
  ): Answer {
    const outcome = await this.deps.keyed.run(options.idempotency_key, operation, body, run);
    if (!outcome.ok && outcome.code === "idempotency_key_reused") return outcome;
    if (statusUnknown(outcome as StoredOutcome)) await this.deps.armAlarm();
    return outcome;
  }
}

function invalid(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): DeskError {
  const message = issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`).join("; ");
  return { ok: false, code: "invalid_order", message };
}
