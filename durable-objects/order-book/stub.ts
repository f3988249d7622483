/**
 * How everything reaches an instrument's book: by symbol and book epoch, created (the first
 * time only) near the instrument's home market. Epoch 0 names the object by symbol (the books
 * listed before moves existed keep their object); each move creates the next epoch's object,
 * `<symbol>@<n>`, in the new region (handoff.ts, docs/geography.md).
 */
import type { Instrument } from "../../shared/instruments/schema.ts";
import type { OrderBook } from "./index.ts";

export type BookPlacement = Pick<Instrument, "symbol" | "home_region" | "book_epoch">;

/** The object name of the instrument's book at its epoch. */
export function bookObjectName(instrument: Pick<Instrument, "symbol" | "book_epoch">): string {
  const epoch = instrument.book_epoch ?? 0;
  return epoch > 0 ? `${instrument.symbol}@${epoch}` : instrument.symbol;
}

export function orderBookStub(
  ns: DurableObjectNamespace<OrderBook>,
  instrument: BookPlacement,
): DurableObjectStub<OrderBook> {
  // locationHint only matters when the object is first created; later calls reach it wherever it lives.
  return ns.get(ns.idFromName(bookObjectName(instrument)), {
    locationHint: instrument.home_region as DurableObjectLocationHint,
  });
}
