/**
 * Instrument lookups for the edge: the registry object, behind a short
 * per-isolate cache. The book enforces status itself, so a stale entry here
 * can only delay what the edge reports, never let a halted book trade. A new version of the
 * `instruments` or `fees` configuration (which the registry lays over every listing) drops the
 * cache at once, so the edge follows the configuration within its refresh (config/index.ts).
 * A book that moved to another region (docs/geography.md) while an entry was cached still answers
 * reads (it forwards them) and refuses commands with `book_moved`: `commandBook` then looks the
 * instrument up again and sends once more, so no caller ever sees `book_moved`.
 */

import type { HTTPException } from "hono/http-exception";
import { registryStub } from "../../durable-objects/instrument-registry/index.ts";
import type { BatchRefusal } from "../../durable-objects/order-book/contract.ts";
import type { OrderBook } from "../../durable-objects/order-book/index.ts";
import { orderBookStub } from "../../durable-objects/order-book/stub.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";
import { instrumentConfigVersion } from "./config/index.ts";
import type { Env } from "./env.ts";
import { problemException } from "./problem.ts";

const TTL_MS = 2_000;
let cached: { at: number; config: string; bySymbol: Map<string, Instrument> } | undefined;

export async function listInstruments(env: Env): Promise<Instrument[]> {
  const now = Date.now();
  const config = instrumentConfigVersion(env);
  if (!cached || now - cached.at > TTL_MS || cached.config !== config) {
    const list = await registryStub(env.INSTRUMENTS).list();
    cached = { at: now, config, bySymbol: new Map(list.map((i) => [i.symbol, i])) };
  }
  return [...cached.bySymbol.values()];
}

/** Forgets cached instruments (after an operator change in this isolate). */
export function forgetInstruments(): void {
  cached = undefined;
}

/** The instrument, or a 404 problem naming the symbol. */
export async function instrumentOr404(env: Env, symbol: string): Promise<Instrument> {
  await listInstruments(env);
  const found = cached?.bySymbol.get(symbol) ?? (await registryStub(env.INSTRUMENTS).get(symbol));
  if (!found) {
    throw problemException(
      "instrument_not_found",
      `No instrument ${JSON.stringify(symbol)}; GET /v1/instruments lists them.`,
    );
  }
  return found;
}

export function bookFor(env: Env, instrument: Instrument): DurableObjectStub<OrderBook> {
  return orderBookStub(env.ORDER_BOOK, instrument);
}

/**
 * The current book object of `symbol` for operator tools (recovery, faults): the listed
 * instrument's epoch, as the registry has it now; an unlisted symbol's book by its name.
 */
export async function currentBook(env: Env, symbol: string): Promise<DurableObjectStub<OrderBook>> {
  const listed = (await registryStub(env.INSTRUMENTS).get(symbol)) as Instrument | null;
  return listed ? orderBookStub(env.ORDER_BOOK, listed) : env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(symbol));
}

/** The instrument as the registry has it now (its book moved since the cache was filled); the cache is dropped. */
export async function refreshInstrument(env: Env, symbol: string): Promise<Instrument | null> {
  forgetInstruments();
  return (await registryStub(env.INSTRUMENTS).get(symbol)) as Instrument | null;
}

/**
 * Sends commands to the instrument's book; a book that moved since `instrument` was read answers
 * `book_moved`, and the call is sent once more to the book the registry names now.
 */
export async function commandBook<T extends { error?: BatchRefusal | undefined }>(
  env: Env,
  instrument: Instrument,
  call: (book: DurableObjectStub<OrderBook>) => Promise<T>,
): Promise<T> {
  const first = await call(bookFor(env, instrument));
  if (first.error?.code !== "book_moved") return first;
  const fresh = await refreshInstrument(env, instrument.symbol);
  return fresh ? call(bookFor(env, fresh)) : first;
}

/**
 * A book's refusal of a whole batch as a problem: bad input 400 `invalid_request`; a book being
 * moved (or, after the one retry, still found moved) 503 `instrument_moving` with `Retry-After`.
 */
export function batchProblem(error: BatchRefusal): HTTPException {
  if (error.code === "invalid_batch") return problemException("invalid_request", error.message);
  const seconds = error.code === "instrument_moving" ? Math.max(1, Math.ceil(error.retry_after_ms / 1000)) : 1;
  return problemException("instrument_moving", error.message, {
    headers: { "retry-after": String(seconds) },
    extensions: { retry_after: seconds },
  });
}
