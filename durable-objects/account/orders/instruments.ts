/**
 * Instrument specs as an Account object sees them: fetched from the registry and
 * kept for a few seconds. Order entry reads tick, lot, limits and fee rates from
 * here; the book checks grid, status and calendar again with its own spec, so a
 * briefly stale copy can only make the Account hold a little more or less than
 * the order needs at the rates fixed on the order. A new version of the `instruments` or `fees`
 * configuration (`generation`) drops every entry, so a change reaches the Account within the
 * configuration's refresh, not the TTL.
 */
import type { Instrument } from "../../../shared/instruments/schema.ts";

export class InstrumentCache {
  private readonly fetchSpec: (symbol: string) => Promise<Instrument | null>;
  private readonly ttlMs: number;
  private readonly generation: (() => string) | undefined;
  private seen: string | undefined;
  private readonly entries = new Map<string, { spec: Instrument | null; until: number }>();

  private readonly report: ((spec: Instrument) => void) | undefined;

  constructor(
    fetchSpec: (symbol: string) => Promise<Instrument | null>,
    ttlMs = 5_000,
    generation?: () => string,
    report?: (spec: Instrument) => void,
  ) {
    this.fetchSpec = fetchSpec;
    this.ttlMs = ttlMs;
    this.generation = generation;
    this.report = report;
  }

  async get(symbol: string): Promise<Instrument | null> {
    const now = Date.now();
    const generation = this.generation?.();
    if (generation !== this.seen) {
      this.seen = generation;
      this.entries.clear();
    }
    const hit = this.entries.get(symbol);
    if (hit && hit.until > now) return hit.spec;
    const spec = await this.fetchSpec(symbol);
    this.entries.set(symbol, { spec, until: now + (spec ? this.ttlMs : 1_000) });
    return spec;
  }

  /**
   * The book of `spec` could not be reached: it is reported (the registry's failover watch), and the
   * cached spec dropped, since the book may be failed over to another object; the next `get` reads the registry.
   */
  unreachable(spec: Instrument): void {
    this.entries.delete(spec.symbol);
    this.report?.(spec);
  }

  /** The spec as the registry has it now, cached again (after its book answered `book_moved`). */
  async refresh(symbol: string): Promise<Instrument | null> {
    this.entries.delete(symbol);
    return this.get(symbol);
  }
}
