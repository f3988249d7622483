/**
 * A Durable Object's single alarm, remembered in memory so that arming it costs no
 * storage read: it only ever moves earlier, and the object re-arms from its handler.
 * Work that failed is retried from the alarm after {@link retryDelayMs}.
 */
import { fullJitter } from "../../shared/resilience/backoff.ts";

/** The shortest wait before a retry, ms: a full-jitter draw of 0 must not make the alarm spin. */
export const MIN_RETRY_MS = 100;

/**
 * How long to wait before retrying work that failed `failures` times in a row (at least
 * 1): exponential backoff with full jitter, uniform in [0, min(cap, base·2^(failures−1))],
 * no shorter than {@link MIN_RETRY_MS}; so objects that failed together (a Queue outage)
 * do not all come back at the same moment, and a long outage costs a few attempts an hour.
 */
export function retryDelayMs(failures: number, baseMs: number, capMs: number, random: () => number = Math.random) {
  return Math.max(MIN_RETRY_MS, fullJitter(Math.max(0, failures - 1), baseMs, capMs, random));
}

export class EarliestAlarm {
  private readonly storage: DurableObjectStorage;
  /** The alarm as last set (epoch ms), null when none is armed. */
  private at: number | null = null;

  constructor(storage: DurableObjectStorage) {
    this.storage = storage;
  }

  /** Reads the armed alarm back (on start). */
  async load(): Promise<void> {
    this.at = await this.storage.getAlarm();
  }

  /** Moves the alarm earlier to `at` (never later: a later wake-up re-arms itself). */
  async armBy(at: number | undefined): Promise<void> {
    if (at === undefined || (this.at !== null && this.at <= at)) return;
    this.at = at;
    await this.storage.setAlarm(at);
  }

  /** The alarm fired: none is armed until the next `armBy`. */
  fired(): void {
    this.at = null;
  }
}
