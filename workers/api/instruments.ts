/**
 * Instrument lookups for the edge: the registry object, behind a short
 * per-isolate cache. The book enforces status itself, so a stale entry here
 * can only delay what the edge reports, never let a halted book trade. A new version of the
 * `instruments` or `fees` configuration (which the registry lays over every listing) drops the
 * cache at once, so the edge follows the configuration within its refresh (config/index.ts).
 */
import { registryStub } from "../../durable-objects/instrument-registry/index.ts";
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
