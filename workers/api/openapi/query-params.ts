/**
 * Numeric query parameters in one strict grammar, the one bodies use for integers: digits
 * only, no sign, exponent, hex, fraction, leading zeros or spaces (`?depth=1e3`, `0x10`,
 * ` 5`, `05` are refused, naming the parameter). The documented type stays an integer.
 */
import { z } from "@hono/zod-openapi";

const DIGITS = /^(0|[1-9][0-9]{0,15})$/;

export interface QueryIntegerOptions {
  /** What the refusal calls it (`limit must be …`); default "must …". */
  name?: string;
  min: number;
  max: number;
}

export function queryInteger({ name, min, max }: QueryIntegerOptions) {
  const subject = name === undefined ? "must" : `${name} must`;
  return z.preprocess(
    (value) => (typeof value === "string" && DIGITS.test(value) ? Number(value) : value),
    z
      .number({ error: `${subject} be a whole number written in digits (no sign, exponent or leading zeros)` })
      .int({ error: `${subject} be a whole number` })
      .min(min, { error: `${subject} be at least ${min}` })
      .max(max, { error: `${subject} be at most ${max}` }),
  );
}
