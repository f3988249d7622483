/**
 * How everything reaches an instrument's book: by symbol, created (the first
 * time only) near the instrument's home market.
 */
import type { Instrument } from "../../shared/instruments/schema.ts";
import type { OrderBook } from "./index.ts";

export function orderBookStub(
  ns: DurableObjectNamespace<OrderBook>,
  instrument: Pick<Instrument, "symbol" | "home_region">,
): DurableObjectStub<OrderBook> {
  // locationHint only matters when the object is first created; later calls reach it wherever it lives.
  return ns.get(ns.idFromName(instrument.symbol), {
    locationHint: instrument.home_region as DurableObjectLocationHint,
  });
}
