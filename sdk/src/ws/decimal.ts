/**
 * Decimal strings compared exactly, without floats: "100.5" > "99.99", "1.50" = "1.5".
 * Accepts an optional sign, digits and an optional fraction ("-0.25", "65000.00", "7").
 */

/** The canonical form: no leading zeros in the integer part, no trailing zeros in the fraction, "0" for zero. */
export function normalizeDecimal(value: string): string {
  let s = value.trim();
  let negative = false;
  if (s.startsWith("-")) {
    negative = true;
    s = s.slice(1);
  } else if (s.startsWith("+")) {
    s = s.slice(1);
  }
  const dot = s.indexOf(".");
  let int = dot < 0 ? s : s.slice(0, dot);
  let frac = dot < 0 ? "" : s.slice(dot + 1);
  if (!/^\d*$/.test(int) || !/^\d*$/.test(frac) || (int === "" && frac === "")) {
    throw new TypeError(`not a decimal string: ${JSON.stringify(value)}`);
  }
  int = int.replace(/^0+/, "") || "0";
  frac = frac.replace(/0+$/, "");
  const body = frac === "" ? int : `${int}.${frac}`;
  return negative && body !== "0" ? `-${body}` : body;
}

/** Whether a decimal string is zero ("0", "0.000"). */
export function isZeroDecimal(value: string): boolean {
  return normalizeDecimal(value) === "0";
}

/** Compares two canonical decimals (see {@link normalizeDecimal}): negative, zero or positive. */
export function compareNormalized(a: string, b: string): number {
  if (a === b) return 0;
  const an = a.startsWith("-");
  const bn = b.startsWith("-");
  if (an !== bn) return an ? -1 : 1;
  const magnitude = compareMagnitude(an ? a.slice(1) : a, bn ? b.slice(1) : b);
  return an ? -magnitude : magnitude;
}

/** Compares two decimal strings exactly. */
export function compareDecimal(a: string, b: string): number {
  return compareNormalized(normalizeDecimal(a), normalizeDecimal(b));
}

function compareMagnitude(a: string, b: string): number {
  const ad = a.indexOf(".");
  const bd = b.indexOf(".");
  const ai = ad < 0 ? a : a.slice(0, ad);
  const bi = bd < 0 ? b : b.slice(0, bd);
  if (ai.length !== bi.length) return ai.length < bi.length ? -1 : 1;
  if (ai !== bi) return ai < bi ? -1 : 1;
  // Fractions without trailing zeros compare as digit strings ("5" < "55" < "6").
  const af = ad < 0 ? "" : a.slice(ad + 1);
  const bf = bd < 0 ? "" : b.slice(bd + 1);
  if (af === bf) return 0;
  return af < bf ? -1 : 1;
}
