/**
 * Field schemas the event bodies share: exact decimal strings (never floats), sides,
 * ids. Each carries a description, which the published JSON Schema keeps.
 */
import { z } from "zod";

/** A non-negative decimal string, as prices and sizes travel ("100.25", "0.001"). */
export const Decimal = z
  .string()
  .regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, { message: "expected a non-negative decimal string like 100.25" });

/** A decimal string that may be negative (ledger amounts, fees paid back as rebates). */
export const SignedDecimal = z
  .string()
  .regex(/^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/, { message: "expected a decimal string like -12.5" });

/** An id an object gave out (order ids, client order ids, account ids, fill ids). */
export const Id = z.string().min(1).max(128);

/** Epoch milliseconds. */
export const EpochMs = z.number().int().nonnegative();

/** RFC 3339 timestamp. */
export const Timestamp = z.string().min(1).max(40);

export const Side = z.enum(["buy", "sell"]);
