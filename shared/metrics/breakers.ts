/**
 * The breakers a holder (an edge isolate, the consumer) has made, read into
 * `p3_breaker_state{dependency}` before each push: the worst state of the breakers of
 * one dependency (0 closed, 1 half-open, 2 open).
 */
import { METRICS } from "./catalogue.ts";
import type { MetricsRegistry } from "./registry.ts";

/** 0 closed, 1 half-open (the next call is a trial), 2 open (calls skipped). */
export type BreakerGauge = 0 | 1 | 2;

export class BreakerGauges {
  private readonly states = new Map<string, Set<() => BreakerGauge>>();

  /** Reports a breaker's state under `dependency`. Call once per breaker, when it is made. */
  watch(dependency: string, state: () => BreakerGauge): void {
    let set = this.states.get(dependency);
    if (!set) {
      set = new Set();
      this.states.set(dependency, set);
    }
    set.add(state);
  }

  /** Sets the gauge in `registry` from every watched breaker. */
  read(registry: MetricsRegistry): void {
    const gauge = registry.gauge(METRICS.breakerState);
    for (const [dependency, states] of this.states) {
      let worst = 0;
      for (const state of states) worst = Math.max(worst, state());
      gauge.set({ dependency }, worst);
    }
  }
}
