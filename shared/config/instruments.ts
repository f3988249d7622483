/**
 * The `instruments` section: per-symbol parameters laid over each instrument as listed. Bands,
 * sizes, notional and status apply at once; `tick_size` and `lot_size` only while the book is
 * empty (the OrderBook refuses a grid change with open orders; docs/configuration.md has the
 * re-tick procedure). A symbol left out of the document trades with its listed parameters.
 */
import { z } from "zod";
import { DecimalSchema, type Instrument, OPERATOR_STATUSES, SymbolSchema } from "../instruments/schema.ts";

export const INSTRUMENT_PARAMETERS = [
  "price_band_pct",
  "min_qty",
  "max_qty",
  "min_notional",
  "status",
  "tick_size",
  "lot_size",
] as const;

const ParametersSchema = z.strictObject({
  price_band_pct: DecimalSchema.optional(),
  min_qty: DecimalSchema.optional(),
  max_qty: DecimalSchema.optional(),
  min_notional: DecimalSchema.optional(),
  status: z.enum(OPERATOR_STATUSES).optional(),
  tick_size: DecimalSchema.optional(),
  lot_size: DecimalSchema.optional(),
});

/** Symbol → the parameters that differ from its listing. */
export const InstrumentsDocumentSchema = z.record(SymbolSchema, ParametersSchema);

export type InstrumentsDocument = z.infer<typeof InstrumentsDocumentSchema>;
export type InstrumentParameters = z.infer<typeof ParametersSchema>;

/** `instrument` with its parameters from `doc` (not yet validated as a whole: see InstrumentSchema). */
export function withParameters(instrument: Instrument, doc: InstrumentsDocument | undefined): Instrument {
  const own = doc && Object.hasOwn(doc, instrument.symbol) ? doc[instrument.symbol] : undefined;
  if (!own) return instrument;
  const out: Instrument = { ...instrument };
  for (const key of INSTRUMENT_PARAMETERS) {
    const value = own[key];
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
