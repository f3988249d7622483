/**
 * What `OrderBook.configure` accepts: a valid instrument for this book's own symbol, whose
 * tick and lot size change only while no order rests or waits on a trigger. It checks and
 * answers the new spec with its units; the book then saves and applies it.
 */
import type { MatchingEngine } from "../../shared/engine/index.ts";
import { type Instrument, InstrumentSchema } from "../../shared/instruments/schema.ts";
import { InstrumentUnits } from "../../shared/instruments/units.ts";

/** `input` checked against the book's instrument now (`current`, if any) and its open orders; throws if refused. */
export function checkConfigure(
  current: Instrument | undefined,
  input: Instrument,
  engine: Pick<MatchingEngine, "depth" | "stops">,
): { spec: Instrument; units: InstrumentUnits } {
  const spec = InstrumentSchema.parse(input);
  if (current && current.symbol !== spec.symbol) {
    throw new Error(`This book trades ${current.symbol}, not ${spec.symbol}.`);
  }
  const gridChanged = current && (current.tick_size !== spec.tick_size || current.lot_size !== spec.lot_size);
  const { bids, asks } = engine.depth(1);
  if (gridChanged && bids.length + asks.length + engine.stops().length > 0) {
    throw new Error("tick_size and lot_size cannot change while orders are open.");
  }
  return { spec, units: new InstrumentUnits(spec) };
}
