/**
 * How the edge reads Postgres (history, the replay's journal): one connection per read
 * (`withClient`), a deadline, and a circuit breaker per isolate (`p3_breaker_state
 * {dependency="postgres"}`). While the breaker is open a read is refused at once, so an
 * outage costs each isolate a few timeouts, not one per request; the route answers 503
 * `history_unavailable` with `Retry-After` set to the breaker's remaining cool-off. One
 * breaker per database URL (an isolate serves one deployment; tests point at several).
 */
import type { Client } from "@neondatabase/serverless";
import { type DbEnv, withClient } from "../../../shared/db/neon.ts";
import { BREAKER_GAUGE, CircuitBreaker } from "../../../shared/resilience/breaker.ts";
import { CircuitOpenError } from "../../../shared/resilience/errors.ts";
import { watchBreaker } from "../metrics/edge.ts";

/** Longest a read may take before it counts as failed, ms. */
export const POSTGRES_READ_TIMEOUT_MS = 5_000;
/** `Retry-After` of a failed read, seconds, when the breaker is still closed. */
export const POSTGRES_RETRY_AFTER_SECONDS = 5;

const breakers = new Map<string, CircuitBreaker>();

function breakerFor(env: DbEnv): CircuitBreaker {
  const url = env.DATABASE_URL ?? "";
  let breaker = breakers.get(url);
  if (!breaker) {
    const made = new CircuitBreaker("postgres", { failureThreshold: 3, coolOffMs: 10_000, maxCoolOffMs: 60_000 });
    breakers.set(url, made);
    watchBreaker("postgres", () => BREAKER_GAUGE[made.state()]);
    breaker = made;
  }
  return breaker;
}

/** Runs `fn` on a connection, within the deadline, behind the breaker. */
export async function readPostgres<T>(env: DbEnv, fn: (client: Client) => Promise<T>): Promise<T> {
  return breakerFor(env).run(async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${POSTGRES_READ_TIMEOUT_MS} ms`)),
        POSTGRES_READ_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([withClient(env, fn), deadline]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  });
}

/** The `Retry-After` seconds for a read that failed with `err`. */
export function retryAfterSeconds(err: unknown): number {
  return err instanceof CircuitOpenError
    ? Math.max(1, Math.ceil(err.retryAfterMs / 1000))
    : POSTGRES_RETRY_AFTER_SECONDS;
}

/** The state of the breaker of `env`'s database (tests, health). */
export function postgresReadState(env: DbEnv): ReturnType<CircuitBreaker["state"]> {
  return breakerFor(env).state();
}
