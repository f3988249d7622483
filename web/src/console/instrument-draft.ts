/**
 * The create-instrument form's values and their checks before anything is sent, mirroring the
 * API's own rules (shared/instruments/schema.ts): symbol = BASE-QUOTE, positive grids, quantity
 * limits on the lot grid, band in (0, 100], fee ranges, and a calendar of the given kind.
 */
import type { components } from "@platform3/client";
import { compare, onGrid, parse } from "../common/decimal.ts";

export type NewInstrument = components["schemas"]["NewInstrument"];
type Calendar = NewInstrument["calendar"];

export const HOME_REGIONS: readonly NewInstrument["home_region"][] = [
  "wnam",
  "enam",
  "sam",
  "weur",
  "eeur",
  "apac",
  "oc",
  "afr",
  "me",
];

export type Draft = Record<
  | "base"
  | "quote"
  | "tick_size"
  | "lot_size"
  | "min_qty"
  | "max_qty"
  | "min_notional"
  | "price_band_pct"
  | "maker_fee_bps"
  | "taker_fee_bps"
  | "home_region"
  | "calendar_kind"
  | "calendar_json"
  | "status",
  string
>;

export const CALENDAR_TEMPLATES: Record<string, string> = {
  "24x5": JSON.stringify(
    { tz: "America/New_York", open: { day: 0, time: "17:00" }, close: { day: 5, time: "17:00" } },
    null,
    2,
  ),
  exchange: JSON.stringify(
    { tz: "America/New_York", sessions: [{ open: "09:30", close: "16:00" }], days: [1, 2, 3, 4, 5], holidays: [] },
    null,
    2,
  ),
};

export const EMPTY_DRAFT: Draft = {
  base: "",
  quote: "",
  tick_size: "0.01",
  lot_size: "0.0001",
  min_qty: "0.0001",
  max_qty: "1000",
  min_notional: "1",
  price_band_pct: "10",
  maker_fee_bps: "10",
  taker_fee_bps: "20",
  home_region: "enam",
  calendar_kind: "24x7",
  calendar_json: "",
  status: "pre_open",
};

const ASSET = /^[A-Z0-9]{1,12}$/;

export type Checked = { ok: true; body: NewInstrument } | { ok: false; errors: Partial<Record<keyof Draft, string>> };

export function checkDraft(d: Draft): Checked {
  const errors: Partial<Record<keyof Draft, string>> = {};
  if (!ASSET.test(d.base)) errors.base = "1–12 capital letters or digits, e.g. BTC";
  if (!ASSET.test(d.quote)) errors.quote = "1–12 capital letters or digits, e.g. USD";
  const positive = (k: keyof Draft, zeroOk = false) => {
    const v = parse(d[k]);
    if (!v || v.units < 0n || (!zeroOk && v.units === 0n)) errors[k] = zeroOk ? "a decimal ≥ 0" : "a decimal > 0";
  };
  for (const k of ["tick_size", "lot_size", "min_qty", "max_qty", "price_band_pct"] as const) positive(k);
  positive("min_notional", true);
  if (!errors.lot_size) {
    for (const k of ["min_qty", "max_qty"] as const) {
      if (!errors[k] && !onGrid(d[k], d.lot_size)) errors[k] = `a multiple of the lot size ${d.lot_size}`;
    }
  }
  if (!errors.min_qty && !errors.max_qty && compare(d.max_qty, d.min_qty) < 0) errors.max_qty = "at least the min qty";
  if (!errors.price_band_pct && compare(d.price_band_pct, "100") > 0) errors.price_band_pct = "at most 100";
  const maker = integer(d.maker_fee_bps, -100, 1000);
  const taker = integer(d.taker_fee_bps, 0, 1000);
  if (maker === undefined) errors.maker_fee_bps = "a whole number from −100 to 1000";
  if (taker === undefined) errors.taker_fee_bps = "a whole number from 0 to 1000";
  const calendar = calendarOf(d);
  if (typeof calendar === "string") errors.calendar_json = calendar;
  if (Object.keys(errors).length > 0 || maker === undefined || taker === undefined || typeof calendar === "string") {
    return { ok: false, errors };
  }
  return {
    ok: true,
    body: {
      symbol: `${d.base}-${d.quote}`,
      base: d.base,
      quote: d.quote,
      tick_size: d.tick_size.trim(),
      lot_size: d.lot_size.trim(),
      min_qty: d.min_qty.trim(),
      max_qty: d.max_qty.trim(),
      min_notional: d.min_notional.trim(),
      price_band_pct: d.price_band_pct.trim(),
      maker_fee_bps: maker,
      taker_fee_bps: taker,
      home_region: d.home_region as NewInstrument["home_region"],
      calendar,
      status: d.status as NewInstrument["status"],
    },
  };
}

function integer(text: string, min: number, max: number): number | undefined {
  if (!/^-?\d+$/.test(text.trim())) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/** The calendar object, or what is wrong with it (the API checks the details: time zone, times). */
function calendarOf(d: Draft): Calendar | string {
  if (d.calendar_kind === "24x7") return { kind: "24x7" };
  let rest: unknown;
  try {
    rest = JSON.parse(d.calendar_json);
  } catch {
    return "not valid JSON";
  }
  if (typeof rest !== "object" || rest === null || Array.isArray(rest)) return "a JSON object";
  return { ...(rest as object), kind: d.calendar_kind } as Calendar;
}
