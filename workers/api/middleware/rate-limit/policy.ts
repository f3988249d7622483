/**
 * The rate-limit policy: route-class weights, budgets, and the rules one
 * request is checked against. Pure TypeScript (no Hono, no Workers types), so
 * the backends and their Node tests share it.
 */
import {
  type AccountBudgetLimits,
  type Budget,
  DEFAULT_ACCOUNT_BUDGETS,
  parseRateLimitsVar,
  type ResolvedBudget,
  resolveAccountBudgets,
  resolveBudget,
} from "../../../../shared/rate-limit/budget.ts";
import type { LimitOutcome, LimitRule } from "../../../../shared/rate-limit/gcra.ts";
import type { RouteClass } from "../../auth-context.ts";

export const ROUTE_CLASSES = [
  "order_entry",
  "cancel",
  "market_data",
  "auth",
  "account",
  "admin",
  "system",
] as const satisfies readonly RouteClass[];

export { parseWindow } from "../../../../shared/rate-limit/budget.ts";
export type { Budget };

/**
 * Budgets of the edge, and the account budgets (`accountOrders`, `accountCancels`), which the
 * Account objects enforce and the edge only validates, so that `RATE_LIMITS` configures all.
 */
export interface RateLimitLimits extends AccountBudgetLimits {
  /** Weighted budget of every request, per client IP (`ip:all`). */
  ip?: Budget | false;
  /** Weighted budget of every authenticated request, per API key (`key:all`). */
  key?: Budget | false;
  /** Requests per API key and route class (`key:<class>`), unweighted. */
  classes?: Partial<Record<RouteClass, Budget | false>>;
  /** Authentication attempts (POST of class `auth`) per client IP (`ip:auth`), unweighted. */
  authAttempts?: Budget | false;
}

/** Units one request of each class takes from the weighted `ip:all` and `key:all` budgets. */
export const DEFAULT_WEIGHTS: Readonly<Record<RouteClass, number>> = {
  order_entry: 2,
  cancel: 1,
  market_data: 1,
  auth: 5,
  account: 2,
  admin: 1,
  system: 1,
};

export const DEFAULT_LIMITS = {
  ip: { limit: 6000, window: "1m" },
  key: { limit: 1200, window: "1m" },
  classes: {
    order_entry: { limit: 100, window: "10s" },
    cancel: { limit: 200, window: "10s" },
    account: { limit: 120, window: "1m" },
    admin: { limit: 60, window: "1m" },
  },
  authAttempts: { limit: 10, window: "1m" },
  ...DEFAULT_ACCOUNT_BUDGETS,
} as const satisfies Required<RateLimitLimits>;

export interface ResolvedPolicy {
  weights: Readonly<Record<RouteClass, number>>;
  ip: ResolvedBudget | undefined;
  key: ResolvedBudget | undefined;
  classes: Partial<Record<RouteClass, ResolvedBudget>>;
  authAttempts: ResolvedBudget | undefined;
}

/**
 * Merges options over the defaults and validates them, throwing at
 * construction (not on the first request) with a message naming the field.
 */
export function resolvePolicy(
  weights: Partial<Record<RouteClass, number>> = {},
  limits: RateLimitLimits = {},
): ResolvedPolicy {
  for (const name of Object.keys(weights)) {
    if (!(ROUTE_CLASSES as readonly string[]).includes(name))
      throw new Error(`rateLimit: unknown route class "${name}".`);
  }
  for (const name of Object.keys(limits.classes ?? {})) {
    if (!(ROUTE_CLASSES as readonly string[]).includes(name))
      throw new Error(`rateLimit: unknown route class "${name}".`);
  }
  const merged = { ...DEFAULT_WEIGHTS, ...weights };
  for (const [name, weight] of Object.entries(merged)) {
    if (!Number.isSafeInteger(weight) || weight < 0) {
      throw new Error(`rateLimit: weights.${name} must be a non-negative integer, got ${String(weight)}.`);
    }
  }
  // Enforced by the Account objects; checked here so that a bad budget stops the Worker at startup.
  resolveAccountBudgets(limits);
  const policy: ResolvedPolicy = {
    weights: merged,
    ip: resolveBudget(limits.ip === undefined ? DEFAULT_LIMITS.ip : limits.ip, "limits.ip"),
    key: resolveBudget(limits.key === undefined ? DEFAULT_LIMITS.key : limits.key, "limits.key"),
    classes: {},
    authAttempts: resolveBudget(
      limits.authAttempts === undefined ? DEFAULT_LIMITS.authAttempts : limits.authAttempts,
      "limits.authAttempts",
    ),
  };
  const classes: Partial<Record<RouteClass, Budget | false>> = { ...DEFAULT_LIMITS.classes, ...limits.classes };
  for (const name of ROUTE_CLASSES) {
    const budget = resolveBudget(classes[name], `limits.classes.${name}`);
    if (budget) policy.classes[name] = budget;
  }
  for (const [scope, budget] of [
    ["ip", policy.ip],
    ["key", policy.key],
  ] as const) {
    if (!budget) continue;
    for (const [name, weight] of Object.entries(merged)) {
      if (weight > budget.limit) {
        throw new Error(
          `rateLimit: weights.${name} (${weight}) exceeds limits.${scope}.limit (${budget.limit}); such requests could never pass.`,
        );
      }
    }
  }
  return policy;
}

/**
 * Budgets from the `RATE_LIMITS` var: a JSON `RateLimitLimits` merged over the
 * defaults (undefined or empty: the defaults). Malformed JSON throws, so a bad
 * deployment fails at its first request instead of running unlimited.
 */
export function limitsFromJson(text: string | undefined): RateLimitLimits {
  return parseRateLimitsVar(text) as RateLimitLimits;
}

/** What the middleware knows about a request when it checks it. */
export interface RequestFacts {
  routeClass: RouteClass;
  method: string;
  /** Subject of the client IP (see `ipSubject`). */
  ip: string;
  /** API key id, when authenticated with one. */
  keyId?: string | undefined;
}

/** The IP rules of a request: always checked, before authentication if mounted there. */
export function ipRules(policy: ResolvedPolicy, facts: RequestFacts): LimitRule[] {
  const rules: LimitRule[] = [];
  const subject = facts.ip;
  if (policy.ip) {
    rules.push({ subject, name: "ip:all", ...policy.ip, cost: policy.weights[facts.routeClass] });
  }
  if (policy.authAttempts && facts.routeClass === "auth" && facts.method === "POST") {
    rules.push({ subject, name: "ip:auth", ...policy.authAttempts, cost: 1 });
  }
  return rules;
}

/** The API-key rules of an authenticated request. */
export function keyRules(policy: ResolvedPolicy, facts: RequestFacts): LimitRule[] {
  if (!facts.keyId) return [];
  const rules: LimitRule[] = [];
  const subject = `key:${facts.keyId}`;
  if (policy.key) {
    rules.push({ subject, name: "key:all", ...policy.key, cost: policy.weights[facts.routeClass] });
  }
  const perClass = policy.classes[facts.routeClass];
  if (perClass) rules.push({ subject, name: `key:${facts.routeClass}`, ...perClass, cost: 1 });
  return rules;
}

/**
 * The outcome the headers report: the denied rule that frees last, else the
 * rule with the fewest units left (ties: the one that takes longest to refill).
 */
export function mostRestrictive(outcomes: readonly LimitOutcome[]): LimitOutcome | undefined {
  let pick: LimitOutcome | undefined;
  for (const o of outcomes) if (!pick || moreRestrictive(o, pick)) pick = o;
  return pick;
}

function moreRestrictive(a: LimitOutcome, b: LimitOutcome): boolean {
  if (a.allowed !== b.allowed) return !a.allowed;
  if (!a.allowed) return (a.retryAfterMs ?? 0) > (b.retryAfterMs ?? 0);
  return a.remaining < b.remaining || (a.remaining === b.remaining && a.resetMs > b.resetMs);
}

/**
 * The rate-limit subject of a client address: IPv4 as is; IPv6 by its /64
 * (one customer's allocation, which an attacker can rotate within freely).
 */
export function ipSubject(address: string | undefined): string {
  const ip = address?.trim();
  if (!ip) return "ip:unknown";
  if (!ip.includes(":")) return `ip:${ip}`;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return `ip:${mapped[1]}`;
  const groups = expandIpv6(ip);
  if (!groups) return `ip:${ip.toLowerCase()}`;
  return `ip:${groups.slice(0, 4).join(":")}::/64`;
}

function expandIpv6(ip: string): string[] | undefined {
  const [head, tail, ...rest] = ip.toLowerCase().split("::");
  if (rest.length > 0 || head === undefined) return undefined;
  const parse = (part: string | undefined) => (part ? part.split(":") : []);
  const left = parse(head);
  const right = parse(tail);
  // An embedded IPv4 tail (::ffff:192.0.2.1) counts as two groups.
  const last = right.length > 0 ? right : left;
  if (last.length > 0 && (last[last.length - 1] as string).includes(".")) last.splice(-1, 1, "0", "0");
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array.from({ length: missing }, () => "0"), ...right];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => g.replace(/^0+(?=.)/, ""));
}
