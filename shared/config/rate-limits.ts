/**
 * The `rate-limits` section: the same object the `RATE_LIMITS` var holds (`RateLimitLimits` in
 * workers/api/middleware/rate-limit/policy.ts), merged over the code's defaults exactly as the
 * var is. The edge enforces `ip`, `key`, `classes` and `authAttempts`; each Account object its
 * `accountOrders` and `accountCancels` (shared/rate-limit/budget.ts).
 */
import { z } from "zod";
import { type AccountBudgetLimits, resolveAccountBudgets, resolveBudget } from "../rate-limit/budget.ts";

/** The route classes a per-class budget may name (RouteClass of the edge). */
export const RATE_LIMIT_CLASSES = [
  "order_entry",
  "cancel",
  "market_data",
  "auth",
  "account",
  "admin",
  "system",
] as const;

const BudgetSchema = z.strictObject({
  limit: z.number().int().min(1),
  window: z.union([z.number().int().min(1), z.string().min(1)]),
});

/** A budget, or `false`: that limit is off. */
const BudgetOrOff = z.union([BudgetSchema, z.literal(false)]);

export const RateLimitsDocumentSchema = z
  .strictObject({
    ip: BudgetOrOff.optional(),
    key: BudgetOrOff.optional(),
    classes: z.partialRecord(z.enum(RATE_LIMIT_CLASSES), BudgetOrOff).optional(),
    authAttempts: BudgetOrOff.optional(),
    accountOrders: BudgetOrOff.optional(),
    accountCancels: BudgetOrOff.optional(),
  })
  .superRefine((doc, ctx) => {
    // The same rules the var obeys (windows parse, refill at most one unit per ms, the order budget holds a batch).
    const check = (path: (string | number)[], budget: unknown, run: () => void) => {
      // A budget the shape already refused has its issue; only well-formed ones are checked further.
      if (budget !== undefined && budget !== false && !BudgetSchema.safeParse(budget).success) return;
      try {
        run();
      } catch (err) {
        const message = (err as Error).message.replace(/^rateLimit: /, "");
        const field = /\.window\b/.test(message) ? ["window"] : /\.limit\b/.test(message) ? ["limit"] : [];
        ctx.addIssue({ code: "custom", path: [...path, ...field], message });
      }
    };
    for (const name of ["ip", "key", "authAttempts"] as const) {
      check([name], doc[name], () => resolveBudget(doc[name], name));
    }
    for (const [name, budget] of Object.entries(doc.classes ?? {})) {
      check(["classes", name], budget, () => resolveBudget(budget, `classes.${name}`));
    }
    for (const name of ["accountOrders", "accountCancels"] as const) {
      check([name], doc[name], () => resolveAccountBudgets({ [name]: doc[name] } as AccountBudgetLimits));
    }
  });

export type RateLimitsDocument = z.infer<typeof RateLimitsDocumentSchema>;
