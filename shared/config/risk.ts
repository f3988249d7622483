/**
 * The `risk` section: pre-trade limits per account class, and which accounts are in which class.
 * Accounts carry no class of their own: an account named in `accounts` is in that class, every
 * other one in `standard`. A limit a class leaves out is the default (`MAX_OPEN_ORDERS`, else 200).
 */
import { z } from "zod";
import { isDecimal } from "../decimal.ts";
import { DEFAULT_MAX_OPEN_ORDERS } from "../risk/pre-trade.ts";

export const DEFAULT_ACCOUNT_CLASS = "standard";

const ClassName = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, "expected a class name like standard or market_maker");

const RiskClassSchema = z.strictObject({
  /** Open orders (resting and untriggered stops) an account may have per instrument. */
  max_open_orders_per_instrument: z.number().int().min(1).max(100_000).optional(),
  /** The most notional one order may have, in the instrument's quote currency (a decimal string, > 0); none: no cap. */
  max_order_notional: z
    .string()
    .refine((s) => isDecimal(s) && /[1-9]/.test(s), "expected a positive decimal string like 250000")
    .optional(),
});

export const RiskDocumentSchema = z
  .strictObject({
    classes: z.record(ClassName, RiskClassSchema).default({}),
    /** Account id → class name. */
    accounts: z.record(z.string().min(1).max(128), ClassName).default({}),
  })
  .superRefine((doc, ctx) => {
    for (const [account, name] of Object.entries(doc.accounts)) {
      if (name !== DEFAULT_ACCOUNT_CLASS && !Object.hasOwn(doc.classes, name)) {
        ctx.addIssue({ code: "custom", path: ["accounts", account], message: `class "${name}" is not in classes` });
      }
    }
  });

export type RiskDocument = z.infer<typeof RiskDocumentSchema>;

/** The class of `account` under `doc`. */
export function accountClass(doc: RiskDocument | undefined, account: string): string {
  return (doc && Object.hasOwn(doc.accounts, account) ? doc.accounts[account] : undefined) ?? DEFAULT_ACCOUNT_CLASS;
}

/** The open-order cap per instrument of `account`: its class's, else `fallback` (the var), else 200. */
export function maxOpenOrdersFor(doc: RiskDocument | undefined, account: string, fallback?: number): number {
  const name = accountClass(doc, account);
  const own = doc && Object.hasOwn(doc.classes, name) ? doc.classes[name]?.max_open_orders_per_instrument : undefined;
  return own ?? fallback ?? DEFAULT_MAX_OPEN_ORDERS;
}

/** The per-order notional cap of `account` (its class's), or undefined: no cap. */
export function maxOrderNotionalFor(doc: RiskDocument | undefined, account: string): string | undefined {
  const name = accountClass(doc, account);
  return doc && Object.hasOwn(doc.classes, name) ? doc.classes[name]?.max_order_notional : undefined;
}
