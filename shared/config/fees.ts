/**
 * The `fees` section: fee schedules in basis points, a default for every instrument and
 * overrides per symbol, laid over the rates each instrument was listed with. A rate is fixed
 * on an order when it is placed, so a change applies to orders placed after it.
 */
import { z } from "zod";
import { type Instrument, SymbolSchema } from "../instruments/schema.ts";

/** Same ranges as an instrument's own rates (shared/instruments/schema.ts). */
const ScheduleSchema = z.strictObject({
  maker_fee_bps: z.number().int().min(-100).max(1000).optional(),
  taker_fee_bps: z.number().int().min(0).max(1000).optional(),
});

export const FeesDocumentSchema = z.strictObject({
  default: ScheduleSchema.optional(),
  instruments: z.record(SymbolSchema, ScheduleSchema).default({}),
});

export type FeesDocument = z.infer<typeof FeesDocumentSchema>;

/** The rates of `instrument` under `doc`: its symbol's override, else the default, else as listed. */
export function withFees<T extends Pick<Instrument, "symbol" | "maker_fee_bps" | "taker_fee_bps">>(
  instrument: T,
  doc: FeesDocument | undefined,
): T {
  if (!doc) return instrument;
  const own = Object.hasOwn(doc.instruments, instrument.symbol) ? doc.instruments[instrument.symbol] : undefined;
  return {
    ...instrument,
    maker_fee_bps: own?.maker_fee_bps ?? doc.default?.maker_fee_bps ?? instrument.maker_fee_bps,
    taker_fee_bps: own?.taker_fee_bps ?? doc.default?.taker_fee_bps ?? instrument.taker_fee_bps,
  };
}
