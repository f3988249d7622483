/**
 * Telling the registry that an instrument's book could not be reached (its failover watch,
 * instrument-registry/failover.ts), from wherever a call to it failed: the edge, a relay, an
 * Account. At most once a second per book and isolate; the report itself may fail quietly.
 */

/** The flags workerd puts on the exceptions of a Durable Object call. */
interface RuntimeFlags {
  overloaded?: unknown;
  retryable?: unknown;
  remote?: unknown;
  /** The object was reset (aborted, or failed to start) while or before it took the call. */
  durableObjectReset?: unknown;
}

/**
 * Whether `err`, thrown by a call into an object, means the object (or the way to it) is failing:
 * overloaded, reset (even when the reset's error is marked `remote`: an object that aborts as it
 * starts), moved, or the call never reached it; not an exception its own code threw.
 */
export function isUnreachable(err: unknown): boolean {
  if (err === null || typeof err !== "object") return false;
  const flags = err as RuntimeFlags;
  if (flags.overloaded === true || flags.retryable === true || flags.durableObjectReset === true) return true;
  return flags.remote !== true;
}

interface Watch {
  reportUnreachable(symbol: string, epoch: number): Promise<void>;
}

const lastReport = new Map<string, number>();

/** Reports the book of `instrument` unreachable to `registry` (throttled, in the background). */
export function reportUnreachable(
  registry: () => Watch,
  instrument: { symbol: string; book_epoch?: number | undefined },
  now = Date.now(),
): void {
  const key = `${instrument.symbol}@${instrument.book_epoch ?? 0}`;
  if (now - (lastReport.get(key) ?? 0) < 1_000) return;
  lastReport.set(key, now);
  if (lastReport.size > 1_000) lastReport.delete(lastReport.keys().next().value as string);
  try {
    void registry()
      .reportUnreachable(instrument.symbol, instrument.book_epoch ?? 0)
      .catch(() => {});
  } catch {
    // No registry to tell: nothing else to do.
  }
}
