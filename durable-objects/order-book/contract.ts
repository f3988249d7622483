/**
 * The OrderBook object's contract: what its methods take and answer, and what it asks
 * of an Account object it delivers to. Outside this folder, import the class from
 * `index.ts`, these from here, and the stub from `stub.ts`.
 */
import type { EngineEvent } from "../../shared/engine/index.ts";
import type { HandoffRefusal } from "./handoff.ts";
import type { BookReject, WireEvent } from "./wire.ts";

export type {
  BookmarkInfo,
  BookmarkKind,
  BookRecoveryRefusal,
  BookRestored,
  BookRestorePlan,
  JournalTailEvent,
} from "./bookmarks.ts";
export type {
  HandoffCursor,
  HandoffHead,
  HandoffPart,
  HandoffRefusal,
  HandoffStep,
  HandoffSuccessor,
} from "./handoff.ts";
export type { BookView, CandleView, L3Order, PriceSize, TickerView, TradeView } from "./market-data.ts";
export type { Sequences } from "./store.ts";
export type { BookReject, WireEvent } from "./wire.ts";

/** One event for one account, at its place in the book's log. */
export interface OutboxRow {
  seq: number;
  /** Epoch ms the event was logged. */
  at: number;
  event: EngineEvent;
}

/** What an Account object answers to a delivery: every row up to `through` is applied. */
export interface DeliveryAck {
  through: number;
}

/** The part of the Account object the outbox talks to. */
export interface OutboxReceiver {
  applyBookEvents(account: string, instrument: string, rows: OutboxRow[]): Promise<DeliveryAck>;
}

/** Who is calling: continues the caller's W3C trace in the book's logs. */
export interface CallContext {
  traceparent?: string;
  request_id?: string;
}

export interface CommandResult {
  ok: boolean;
  /** The command's events on the wire, each with its `seq` (rejections have none). */
  events: WireEvent[];
  error?: BookReject;
}

/** How an Account object's `submit` may be answered more cheaply. */
export interface SubmitOptions {
  /**
   * Every place command carries an id minted for this send: the book skips looking the ids up
   * among those it has seen (the engine and the id table's key still refuse a repeat).
   */
  fresh?: boolean;
}

/** A command's outcome without its events (`reply: "summary"`). */
export interface CommandSummary {
  ok: boolean;
  error?: BookReject;
  /** The event-log sequences of the command's events, if it logged any. */
  first_seq?: number;
  last_seq?: number;
}

export interface BatchResult {
  instrument: string;
  results: CommandResult[];
  /** The event-log sequences this batch used, if it changed anything. */
  first_seq: number | null;
  last_seq: number | null;
  /**
   * Set when the batch as a whole was refused; nothing ran: not a list of 1 to 100 valid commands,
   * or the book is being moved (`instrument_moving`, retry) or has moved (`book_moved`, ask the registry).
   */
  error?: BatchRefusal;
}

/** Why a whole batch was refused. */
export type BatchRefusal = { code: "invalid_batch"; message: string } | HandoffRefusal;

/** `executeSummary`'s reply: the batch result with per-command summaries instead of event lists. */
export interface BatchSummary extends Omit<BatchResult, "results"> {
  results: CommandSummary[];
}

/** `submit`'s reply: each command's outcome, and every outbox row of the caller not yet acknowledged. */
export interface SubmitResult {
  instrument: string;
  results: Array<{ ok: boolean; error?: BookReject }>;
  /** The caller's events after its `ack`, oldest first: this batch's and any still undelivered. */
  rows: OutboxRow[];
  /** Set when the batch as a whole was refused; nothing ran. */
  error?: BatchRefusal;
}

export class BookNotConfiguredError extends Error {
  constructor() {
    super("This order book has no instrument yet: list it through the instrument registry first.");
    this.name = "BookNotConfiguredError";
  }
}
