/**
 * An account ledger's state and its plain-JSON form (bigints as decimal integer strings),
 * for a Durable Object to persist. Decoding checks shape and consistency: balances must
 * equal the sum of order holds and the replay of the journal.
 */
import type {
  EntryType,
  JournalEntry,
  LedgerAccount,
  LedgerTransaction,
  Leg,
  OrderHold,
  TransactionType,
} from "./types.ts";

/** The mutable state behind an `AccountLedger`. */
export interface LedgerState {
  balances: Map<string, { total: bigint; hold: bigint }>;
  holds: Map<string, OrderHold>;
  /** Fills applied: all of them for a restored ledger, the recent ones for a resumed one. */
  fills: Set<string>;
  /** The journal held in memory: all of it for a restored ledger, what was posted since the last `takeJournal`. */
  transactions: LedgerTransaction[];
  entries: JournalEntry[];
  /** The last transaction and entry ids ever given, so ids continue when the journal is not in memory. */
  lastTxId: number;
  lastEntryId: number;
  /** Whether `transactions`, `entries` and `fills` hold the whole history (false once resumed or taken). */
  complete: boolean;
}

/**
 * Where a ledger stands, without its history: what an Account object loads on start
 * (`AccountLedger.resume`), so loading costs the same after a million fills as after one.
 */
export interface LedgerPosition {
  balances: { asset: string; total: string; hold: string }[];
  holds: { order_ref: string; asset: string; amount: string }[];
  last_tx_id: number;
  last_entry_id: number;
}

type Json<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] extends Leg[] ? Json<Leg>[] : T[K] };

/** A ledger as plain JSON. */
export interface LedgerSnapshot {
  version: 1;
  balances: { asset: string; total: string; hold: string }[];
  holds: { order_ref: string; asset: string; amount: string }[];
  fills: string[];
  transactions: Json<LedgerTransaction>[];
  entries: Json<JournalEntry>[];
}

/** A ledger with no history. */
export function emptyLedgerState(): LedgerState {
  return {
    balances: new Map(),
    holds: new Map(),
    fills: new Set(),
    transactions: [],
    entries: [],
    lastTxId: 0,
    lastEntryId: 0,
    complete: true,
  };
}

/** `state` as plain JSON. */
export function encodeLedger(state: LedgerState): LedgerSnapshot {
  return {
    version: 1,
    balances: [...state.balances].map(([asset, b]) => ({ asset, total: `${b.total}`, hold: `${b.hold}` })),
    holds: [...state.holds].map(([order_ref, h]) => ({ order_ref, asset: h.asset, amount: `${h.amount}` })),
    fills: [...state.fills],
    transactions: state.transactions.map((t) => ({
      ...t,
      legs: t.legs.map((l) => ({ ...l, amount: `${l.amount}` })),
    })),
    entries: state.entries.map((e) => ({
      ...e,
      amount: `${e.amount}`,
      total_after: `${e.total_after}`,
      hold_after: `${e.hold_after}`,
    })),
  };
}

const LEDGER_ACCOUNTS: readonly LedgerAccount[] = ["external", "available", "hold", "fees", "counterparty"];
const ENTRY_TYPES: readonly EntryType[] = ["deposit", "withdrawal", "hold", "release", "trade", "fee"];
const TX_TYPES: readonly TransactionType[] = ["deposit", "withdrawal", "hold", "release", "fill"];
const BIGINT_RE = /^-?(0|[1-9][0-9]*)$/;

function fail(path: string, what: string): never {
  throw new TypeError(`invalid ledger snapshot: ${path} ${what}`);
}

function record(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "is not an object");
  return v as Record<string, unknown>;
}

function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, "is not an array");
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== "string") fail(path, "is not a string");
  return v;
}

function int(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) fail(path, "is not an integer");
  return v;
}

function big(v: unknown, path: string): bigint {
  if (typeof v !== "string" || !BIGINT_RE.test(v)) fail(path, "is not an integer string");
  return BigInt(v);
}

function oneOf<T extends string>(v: unknown, options: readonly T[], path: string): T {
  if (!options.includes(v as T)) fail(path, `is not one of ${options.join(", ")}`);
  return v as T;
}

function decodeLeg(v: unknown, path: string): Leg {
  const l = record(v, path);
  return {
    ledger_account: oneOf(l.ledger_account, LEDGER_ACCOUNTS, `${path}.ledger_account`),
    asset: str(l.asset, `${path}.asset`),
    amount: big(l.amount, `${path}.amount`),
    type: oneOf(l.type, ENTRY_TYPES, `${path}.type`),
  };
}

function decodeTransaction(v: unknown, path: string): LedgerTransaction {
  const t = record(v, path);
  const tx: LedgerTransaction = {
    tx_id: int(t.tx_id, `${path}.tx_id`),
    at: int(t.at, `${path}.at`),
    type: oneOf(t.type, TX_TYPES, `${path}.type`),
    ref: str(t.ref, `${path}.ref`),
    legs: list(t.legs, `${path}.legs`).map((l, i) => decodeLeg(l, `${path}.legs[${i}]`)),
  };
  if (t.order_ref !== undefined) tx.order_ref = str(t.order_ref, `${path}.order_ref`);
  const sums = new Map<string, bigint>();
  for (const l of tx.legs) sums.set(l.asset, (sums.get(l.asset) ?? 0n) + l.amount);
  for (const [asset, sum] of sums) if (sum !== 0n) fail(`${path}.legs`, `do not balance in ${asset}`);
  return tx;
}

function decodeEntry(v: unknown, path: string): JournalEntry {
  const e = record(v, path);
  return {
    entry_id: int(e.entry_id, `${path}.entry_id`),
    tx_id: int(e.tx_id, `${path}.tx_id`),
    at: int(e.at, `${path}.at`),
    type: oneOf(e.type, ENTRY_TYPES, `${path}.type`),
    asset: str(e.asset, `${path}.asset`),
    ledger_account: oneOf(e.ledger_account, ["available", "hold"] as const, `${path}.ledger_account`),
    amount: big(e.amount, `${path}.amount`),
    total_after: big(e.total_after, `${path}.total_after`),
    hold_after: big(e.hold_after, `${path}.hold_after`),
    ref: str(e.ref, `${path}.ref`),
  };
}

/**
 * Parses {@link encodeLedger} output.
 *
 * @throws TypeError naming the first bad field, or the asset whose balances disagree with
 *   the order holds or the journal.
 */
export function decodeLedger(json: unknown): LedgerState {
  const s = record(json, "snapshot");
  if (s.version !== 1) fail("version", "is not 1");
  const state = emptyLedgerState();
  list(s.balances, "balances").forEach((v, i) => {
    const b = record(v, `balances[${i}]`);
    const total = big(b.total, `balances[${i}].total`);
    const hold = big(b.hold, `balances[${i}].hold`);
    if (hold < 0n || total < hold) fail(`balances[${i}]`, "has a negative hold or available");
    state.balances.set(str(b.asset, `balances[${i}].asset`), { total, hold });
  });
  list(s.holds, "holds").forEach((v, i) => {
    const h = record(v, `holds[${i}]`);
    const amount = big(h.amount, `holds[${i}].amount`);
    if (amount < 0n) fail(`holds[${i}].amount`, "is negative");
    state.holds.set(str(h.order_ref, `holds[${i}].order_ref`), { asset: str(h.asset, `holds[${i}].asset`), amount });
  });
  for (const [i, v] of list(s.fills, "fills").entries()) state.fills.add(str(v, `fills[${i}]`));
  state.transactions = list(s.transactions, "transactions").map((v, i) => decodeTransaction(v, `transactions[${i}]`));
  state.entries = list(s.entries, "entries").map((v, i) => decodeEntry(v, `entries[${i}]`));
  state.lastTxId = state.transactions.at(-1)?.tx_id ?? 0;
  state.lastEntryId = state.entries.at(-1)?.entry_id ?? 0;
  checkConsistent(state);
  return state;
}

/**
 * A state from a {@link LedgerPosition}: balances and holds, no history.
 *
 * @throws TypeError naming the first bad field, or the asset whose holds disagree with its balance.
 */
export function decodePosition(json: unknown): LedgerState {
  const p = record(json, "position");
  const state = emptyLedgerState();
  state.complete = false;
  list(p.balances, "balances").forEach((v, i) => {
    const b = record(v, `balances[${i}]`);
    const total = big(b.total, `balances[${i}].total`);
    const hold = big(b.hold, `balances[${i}].hold`);
    if (hold < 0n || total < hold) fail(`balances[${i}]`, "has a negative hold or available");
    state.balances.set(str(b.asset, `balances[${i}].asset`), { total, hold });
  });
  const held = new Map<string, bigint>();
  list(p.holds, "holds").forEach((v, i) => {
    const h = record(v, `holds[${i}]`);
    const amount = big(h.amount, `holds[${i}].amount`);
    if (amount < 0n) fail(`holds[${i}].amount`, "is negative");
    const asset = str(h.asset, `holds[${i}].asset`);
    state.holds.set(str(h.order_ref, `holds[${i}].order_ref`), { asset, amount });
    held.set(asset, (held.get(asset) ?? 0n) + amount);
  });
  for (const asset of new Set([...state.balances.keys(), ...held.keys()])) {
    if ((state.balances.get(asset)?.hold ?? 0n) !== (held.get(asset) ?? 0n)) {
      fail(`balances of ${asset}`, "disagree with the order holds");
    }
  }
  state.lastTxId = int(p.last_tx_id, "last_tx_id");
  state.lastEntryId = int(p.last_entry_id, "last_entry_id");
  return state;
}

/** Balances must equal the sum of order holds and the journal's replay. */
function checkConsistent(state: LedgerState): void {
  const held = new Map<string, bigint>();
  for (const h of state.holds.values()) held.set(h.asset, (held.get(h.asset) ?? 0n) + h.amount);
  const replay = new Map<string, { total: bigint; hold: bigint }>();
  for (const e of state.entries) {
    const r = replay.get(e.asset) ?? { total: 0n, hold: 0n };
    r.total += e.amount;
    if (e.ledger_account === "hold") r.hold += e.amount;
    if (r.total !== e.total_after || r.hold !== e.hold_after) fail(`entry ${e.entry_id}`, "has wrong running balances");
    replay.set(e.asset, r);
  }
  const assets = new Set([...state.balances.keys(), ...held.keys(), ...replay.keys()]);
  for (const asset of assets) {
    const b = state.balances.get(asset) ?? { total: 0n, hold: 0n };
    const r = replay.get(asset) ?? { total: 0n, hold: 0n };
    if (b.hold !== (held.get(asset) ?? 0n)) fail(`balances of ${asset}`, "disagree with the order holds");
    if (b.total !== r.total || b.hold !== r.hold) fail(`balances of ${asset}`, "disagree with the journal");
  }
}
