/**
 * The account's order budgets, over every key, socket and protocol: every order command of
 * an account reaches its Account object, the single writer, so the budget is exact here.
 * `orders` (`account:orders`): a placement 1, a batch its orders, an amendment 1; `cancels`
 * (`account:cancels`): a cancel, a cancel-all, a dead-man refresh 1 each, apart, so that a
 * client can always cancel under pressure. GCRA (shared/rate-limit/gcra.ts), in memory:
 * no storage write per order. A restarted object starts with full budgets (at most one
 * extra burst per restart); internal cancels (cancel-on-disconnect, the kill switch, the
 * dead-man timer firing) are never metered.
 */
import { type AccountBudgets, accountBudgetsFromVar, type ResolvedBudget } from "../../../shared/rate-limit/budget.ts";
import { GcraTable, type LimitOutcome } from "../../../shared/rate-limit/gcra.ts";

export type BudgetName = "orders" | "cancels";

/** A command refused by the account's budget: nothing was recorded; retry after `retry_after_ms`. */
export type BudgetRefusal = {
  ok: false;
  code: "rate_limited";
  message: string;
  /** The budget's public name: `account:orders` or `account:cancels`. */
  limit: `account:${BudgetName}`;
  /** Until the command fits, ms (the WebSocket reply's field) and whole seconds (HTTP's `Retry-After`). */
  retry_after_ms: number;
  retry_after: number;
  /** The budget: units per window, and until it is full again (`RateLimit-Limit`, `RateLimit-Reset`). */
  limit_units: number;
  window_ms: number;
  reset_ms: number;
};

export class OrderBudget {
  private readonly budgets: AccountBudgets;
  private readonly table = new GcraTable(4);
  private readonly now: () => number;

  constructor(budgets: AccountBudgets, now: () => number = Date.now) {
    this.budgets = budgets;
    this.now = now;
  }

  /** The budgets of the `RATE_LIMITS` var (its `accountOrders` and `accountCancels`, over the defaults). */
  static fromVar(text: string | undefined): OrderBudget {
    return new OrderBudget(accountBudgetsFromVar(text));
  }

  /** Takes `cost` units of `name`; a refusal takes nothing. */
  take(name: BudgetName, cost = 1): BudgetRefusal | undefined {
    const budget = this.budgets[name];
    if (!budget || cost <= 0) return undefined;
    const rule = { subject: "account", name: `account:${name}` as const, ...budget, cost };
    const [outcome] = this.table.check([rule], this.now()) as [LimitOutcome];
    return outcome.allowed ? undefined : refusal(rule.name, budget, outcome);
  }
}

function refusal(name: BudgetRefusal["limit"], budget: ResolvedBudget, outcome: LimitOutcome): BudgetRefusal {
  const retryMs = Math.max(1, Math.ceil(outcome.retryAfterMs ?? outcome.resetMs));
  const retryS = Math.max(1, Math.ceil(retryMs / 1000));
  return {
    ok: false,
    code: "rate_limited",
    message: `The account's budget ${name} is spent (${budget.limit} per ${budget.windowMs / 1000} s, across all its keys and connections); retry in ${retryMs} ms.`,
    limit: name,
    retry_after_ms: retryMs,
    retry_after: retryS,
    limit_units: budget.limit,
    window_ms: budget.windowMs,
    reset_ms: Math.ceil(outcome.resetMs),
  };
}
