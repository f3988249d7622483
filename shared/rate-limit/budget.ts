/**
 * Budgets as deployments write them (`{ limit, window }` in the `RATE_LIMITS` var), parsed
 * and validated once, and the account budgets among them: `accountOrders` and
 * `accountCancels`, enforced by each Account object over every key and protocol of its
 * account (the edge's per-IP and per-key budgets are in workers/api/middleware/rate-limit/).
 * Pure TypeScript: the edge validates the whole var at startup, the Account reads its part.
 */
import { MAX_ORDER_BATCH } from "../orders/input.ts";

/** A budget: `limit` units per `window` (ms, or a duration such as `"10s"`, `"1m"`, `"500ms"`, `"1h"`). */
export interface Budget {
  limit: number;
  window: number | string;
}

/** A validated budget: `limit` units that refill completely in `windowMs`. */
export interface ResolvedBudget {
  limit: number;
  windowMs: number;
}

/** The account budgets of `RATE_LIMITS`: one per account, across its keys, sockets and protocols. */
export interface AccountBudgetLimits {
  /** Order commands per account (`account:orders`): a placement 1, a batch its orders, an amendment 1. */
  accountOrders?: Budget | false;
  /** Cancels per account (`account:cancels`): a cancel, a cancel-all or a dead-man refresh, 1 each. */
  accountCancels?: Budget | false;
}

export const DEFAULT_ACCOUNT_BUDGETS = {
  accountOrders: { limit: 200, window: "10s" },
  accountCancels: { limit: 1000, window: "10s" },
} as const satisfies Required<AccountBudgetLimits>;

/** The account budgets in force (undefined: that one is off). */
export interface AccountBudgets {
  orders: ResolvedBudget | undefined;
  cancels: ResolvedBudget | undefined;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `"10s"`, `"1 m"`, `"500ms"`, `"1h"` or a number of ms → ms. */
export function parseWindow(window: number | string, what: string): number {
  let ms: number;
  if (typeof window === "number") ms = window;
  else {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(window.trim());
    if (!match) throw new Error(`rateLimit: ${what}.window "${window}" is not a duration such as "10s", "1m" or 500.`);
    ms = Number(match[1]) * (UNITS[match[2] as string] as number);
  }
  if (!Number.isFinite(ms) || ms < 1) throw new Error(`rateLimit: ${what}.window must be at least 1 ms.`);
  return ms;
}

/** Validates one budget (`false` or undefined: off), throwing with a message naming `what`. */
export function resolveBudget(budget: Budget | false | undefined, what: string): ResolvedBudget | undefined {
  if (budget === undefined || budget === false) return undefined;
  if (typeof budget !== "object" || budget === null) throw new Error(`rateLimit: ${what} must be { limit, window }.`);
  if (!Number.isSafeInteger(budget.limit) || budget.limit < 1) {
    throw new Error(`rateLimit: ${what}.limit must be a positive integer, got ${String(budget.limit)}.`);
  }
  const windowMs = parseWindow(budget.window, what);
  if (windowMs < budget.limit) {
    throw new Error(`rateLimit: ${what} refills faster than one unit per ms; use a longer window.`);
  }
  return { limit: budget.limit, windowMs };
}

/**
 * The `RATE_LIMITS` var as an object (undefined or blank: `{}`). Malformed JSON throws, so a
 * bad deployment fails instead of running unlimited.
 */
export function parseRateLimitsVar(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error("rateLimit: RATE_LIMITS is not JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(
      "rateLimit: RATE_LIMITS must be a JSON object { ip, key, classes, authAttempts, accountOrders, accountCancels }.",
    );
  }
  return parsed as Record<string, unknown>;
}

/**
 * The account budgets, merged over {@link DEFAULT_ACCOUNT_BUDGETS} and validated. The order
 * budget must hold the largest batch (which weighs its orders), or such a batch could never pass.
 */
export function resolveAccountBudgets(limits: AccountBudgetLimits = {}): AccountBudgets {
  const pick = <K extends keyof AccountBudgetLimits>(name: K) =>
    limits[name] === undefined ? DEFAULT_ACCOUNT_BUDGETS[name] : limits[name];
  const orders = resolveBudget(pick("accountOrders"), "limits.accountOrders");
  if (orders && orders.limit < MAX_ORDER_BATCH) {
    throw new Error(
      `rateLimit: limits.accountOrders.limit (${orders.limit}) is below ${MAX_ORDER_BATCH}, the largest batch; such batches could never pass.`,
    );
  }
  return { orders, cancels: resolveBudget(pick("accountCancels"), "limits.accountCancels") };
}

/** The account budgets of a `RATE_LIMITS` var (what an Account object enforces). */
export function accountBudgetsFromVar(text: string | undefined): AccountBudgets {
  return resolveAccountBudgets(parseRateLimitsVar(text) as AccountBudgetLimits);
}
