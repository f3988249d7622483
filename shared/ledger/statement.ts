/**
 * An account statement for a period (issue 23): for each asset the opening balance (the
 * running balance after the last entry before the period), every ledger entry in the period
 * oldest first, the credits, debits and fees, and the closing balance, reconciled two ways:
 * opening + the entries' amounts must equal the running balance of the period's last entry.
 * Exact decimal arithmetic on the wire strings (signed amounts), never floats; as JSON and CSV.
 */
import { fromUnits, toUnits } from "../decimal.ts";
import type { LedgerEntryView } from "./types.ts";

/** A ledger entry as the Account's `ledgerEntries` gives it (amount signed, balance after it). */
export type StatementEntry = LedgerEntryView;

export interface StatementAsset {
  asset: string;
  opening: string;
  /** Sum of the positive amounts. */
  credits: string;
  /** Sum of the negative amounts, as a positive figure. */
  debits: string;
  /** Fees paid in the period (fee entries), as a positive figure. */
  fees: string;
  closing: string;
  entries: number;
  /** opening + Σ amounts = the running balance of the last entry (and = closing). */
  reconciled: boolean;
}

export interface Statement {
  start: number;
  end: number;
  assets: StatementAsset[];
  entries: StatementEntry[];
  reconciled: boolean;
}

/** Digits after the point every amount is brought to before adding (the ledger uses at most 18). */
const SCALE = 18;

/** The unit of `digits` fraction digits: "1", "0.1", "0.01", … */
const unitOf = (digits: number) => (digits === 0 ? "1" : `0.${"0".repeat(digits - 1)}1`);

/** A signed decimal string as an integer count of 10^-SCALE. */
export function toScaled(value: string): bigint {
  const negative = value.startsWith("-");
  const units = toUnits(negative ? value.slice(1) : value, unitOf(SCALE));
  if (typeof units !== "bigint") throw new Error(`not a decimal of at most ${SCALE} fraction digits: ${value}`);
  return negative ? -units : units;
}

/** `units` (of 10^-SCALE) as a decimal string with `digits` after the point. */
export function fromScaled(units: bigint, digits: number): string {
  return fromUnits(units / 10n ** BigInt(SCALE - digits), unitOf(digits));
}

function digitsOf(value: string): number {
  const dot = value.indexOf(".");
  return dot < 0 ? 0 : value.length - dot - 1;
}

/**
 * The statement of `entries` (the period's, any order) given each asset's `opening` balance
 * (assets with none open at 0). Assets are those with an opening balance or an entry.
 */
export function buildStatement(
  period: { start: number; end: number },
  opening: ReadonlyMap<string, string>,
  entries: readonly StatementEntry[],
): Statement {
  const ordered = [...entries].sort((a, b) => a.entry_id - b.entry_id);
  const assets = new Set<string>([...opening.keys(), ...ordered.map((e) => e.asset)]);
  const out: StatementAsset[] = [];
  for (const asset of [...assets].sort()) {
    const open = opening.get(asset) ?? "0";
    const mine = ordered.filter((e) => e.asset === asset);
    const digits = Math.max(digitsOf(open), ...mine.map((e) => Math.max(digitsOf(e.amount), digitsOf(e.balance))));
    let sum = toScaled(open);
    let credits = 0n;
    let debits = 0n;
    let fees = 0n;
    for (const e of mine) {
      const amount = toScaled(e.amount);
      sum += amount;
      if (amount >= 0n) credits += amount;
      else debits -= amount;
      if (e.type === "fee") fees -= amount;
    }
    const last = mine.at(-1);
    const closing = last ? toScaled(last.balance) : toScaled(open);
    out.push({
      asset,
      opening: fromScaled(toScaled(open), digits),
      credits: fromScaled(credits, digits),
      debits: fromScaled(debits, digits),
      fees: fromScaled(fees, digits),
      closing: fromScaled(closing, digits),
      entries: mine.length,
      reconciled: sum === closing,
    });
  }
  return { ...period, assets: out, entries: ordered, reconciled: out.every((a) => a.reconciled) };
}

const CSV_COLUMNS = ["row", "time", "entry_id", "tx_id", "type", "asset", "amount", "balance", "reference"] as const;

/** One table: an `opening` row per asset, every entry oldest first, a `closing` row per asset. */
export function statementCsv(statement: Statement): string {
  const start = new Date(statement.start).toISOString();
  const end = new Date(statement.end).toISOString();
  const rows: string[][] = [[...CSV_COLUMNS]];
  for (const a of statement.assets) rows.push(["opening", start, "", "", "", a.asset, "", a.opening, ""]);
  for (const e of statement.entries) {
    rows.push([
      "entry",
      e.time,
      String(e.entry_id),
      String(e.tx_id),
      e.type,
      e.asset,
      e.amount,
      e.balance,
      e.reference,
    ]);
  }
  for (const a of statement.assets) rows.push(["closing", end, "", "", "", a.asset, "", a.closing, ""]);
  return `${rows.map((r) => r.map(csvField).join(",")).join("\r\n")}\r\n`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
