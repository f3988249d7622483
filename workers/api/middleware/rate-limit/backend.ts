/**
 * Rate-limit backends: where the counters live. Pure TypeScript; the Durable
 * Object backend (Workers only) is in `durable-object.ts`, Upstash in `upstash.ts`.
 */
import { GcraTable, type LimitOutcome, type LimitRule } from "../../../../shared/rate-limit/gcra.ts";

export type { LimitOutcome, LimitRule } from "../../../../shared/rate-limit/gcra.ts";

export type BackendName = "upstash" | "durable_object" | "memory";

export interface CheckResult {
  /** The backend that answered (after any fallback). */
  backend: BackendName;
  /** One outcome per rule, in the rules' order. */
  outcomes: LimitOutcome[];
}

export interface LimiterBackend {
  readonly name: BackendName;
  /** Takes one request from each rule. Rejects only when the backend cannot answer. */
  check(rules: readonly LimitRule[]): Promise<CheckResult>;
}

/**
 * Counters in this process's memory (GCRA, exact for this process only). For
 * tests and local tools; in a Worker every isolate would count on its own.
 */
export function memoryBackend(clock: () => number = Date.now): LimiterBackend {
  const table = new GcraTable();
  return {
    name: "memory",
    async check(rules) {
      return { backend: "memory", outcomes: table.check(rules, clock()) };
    },
  };
}

/** Shared state of `withFallback`: while open, the primary is skipped. Keep one per primary (per isolate). */
export interface Breaker {
  /** Epoch ms until which the primary is not tried. */
  openUntil: number;
}

export interface FallbackOptions {
  /** How long to skip the primary after it failed, ms (default 30 000). */
  coolOffMs?: number;
  clock?: () => number;
  /** Where the warning goes (default `console.warn` of one JSON line). */
  warn?: (entry: Record<string, unknown>) => void;
}

/**
 * Uses `primary` unless it fails (rejects), then answers from `fallback`, logs
 * `{level: "warn", msg: "redis unavailable", …}` and skips the primary for a
 * cool-off so that an outage costs one timeout per isolate, not one per request.
 */
export function withFallback(
  primary: LimiterBackend,
  fallback: LimiterBackend,
  breaker: Breaker = { openUntil: 0 },
  options: FallbackOptions = {},
): LimiterBackend {
  const coolOffMs = options.coolOffMs ?? 30_000;
  const clock = options.clock ?? Date.now;
  const warn = options.warn ?? ((entry) => console.warn(JSON.stringify(entry)));
  return {
    name: primary.name,
    async check(rules) {
      if (clock() < breaker.openUntil) return fallback.check(rules);
      try {
        return await primary.check(rules);
      } catch (err) {
        breaker.openUntil = clock() + coolOffMs;
        warn({
          level: "warn",
          msg: primary.name === "upstash" ? "redis unavailable" : `${primary.name} unavailable`,
          backend: primary.name,
          fallback: fallback.name,
          retry_in_ms: coolOffMs,
          // The client's message repeats the whole command; its start says what went wrong.
          error: (err instanceof Error ? err.message : String(err)).slice(0, 200),
        });
        return fallback.check(rules);
      }
    },
  };
}
