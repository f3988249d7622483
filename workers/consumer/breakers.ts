/**
 * The consumer's circuit breakers, one per sink (and its URL) per isolate (`p3_breaker_state
 * {dependency="postgres_writes"|"kafka"}`): while a sink's breaker is open a batch is not
 * sent to it at all; it goes back to the Queue at once, delayed by at least the
 * breaker's remaining cool-off, so an outage costs a few failed writes per isolate
 * instead of one per batch, and the backlog waits in the Queue, not in timeouts.
 */
import { BREAKER_GAUGE, CircuitBreaker } from "../../shared/resilience/breaker.ts";
import { watchConsumerBreaker } from "./metrics.ts";

export type SinkName = "postgres_writes" | "kafka";

const breakers = new Map<string, CircuitBreaker>();

/** The breaker of `sink` at `target` (its URL: a deployment has one; tests point at several). */
export function sinkBreaker(sink: SinkName, target: string): CircuitBreaker {
  const id = `${sink} ${target}`;
  let breaker = breakers.get(id);
  if (!breaker) {
    const made = new CircuitBreaker(sink, { failureThreshold: 3, coolOffMs: 10_000, maxCoolOffMs: 120_000 });
    breakers.set(id, made);
    watchConsumerBreaker(sink, () => BREAKER_GAUGE[made.state()]);
    breaker = made;
  }
  return breaker;
}
