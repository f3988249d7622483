/**
 * Mutations sent with an `Idempotency-Key`: the first outcome is stored (24 h) and
 * returned to every repeat with the same body; another body under the key is
 * refused; a repeat that arrives while the first runs waits for it. An outcome the
 * account could not learn (a book that did not answer), or one the account's budget
 * refused, is not stored, so a repeat tries again.
 */
import { budgetRefused, type KeyReused, REQUEST_TTL_MS, type StoredOutcome, statusUnknown } from "../contract.ts";
import type { OrderStore, RequestRecord } from "./store.ts";

export class KeyedRequests {
  private readonly store: OrderStore;
  private readonly running = new Map<string, Promise<StoredOutcome>>();

  constructor(store: OrderStore) {
    this.store = store;
  }

  /** Runs `run` once for `key` (see the module comment); without a key, just runs it. */
  async run(
    key: string | undefined,
    operation: string,
    body: unknown,
    run: () => Promise<StoredOutcome>,
  ): Promise<StoredOutcome | KeyReused> {
    if (key === undefined) return run();
    const running = this.running.get(key);
    if (running) return running;
    const fingerprint = `${operation}:${JSON.stringify(body)}`;
    const stored = this.store.request(key);
    if (stored) {
      if (stored.fingerprint === fingerprint) return stored.outcome as StoredOutcome;
      return {
        ok: false,
        code: "idempotency_key_reused",
        message: `Idempotency-Key ${key} was already used for a different ${stored.operation} request.`,
      };
    }
    const call = run().then((outcome) => {
      if (!statusUnknown(outcome) && !budgetRefused(outcome))
        this.store.saveRequest({ key, fingerprint, operation, outcome, created_at: Date.now() });
      return outcome;
    });
    this.running.set(key, call);
    try {
      return await call;
    } finally {
      this.running.delete(key);
    }
  }

  /** The stored outcome of `key`, `in_progress` while it runs, or null if none was recorded. */
  outcome(key: string): (RequestRecord & { in_progress: boolean }) | null {
    if (this.running.has(key)) {
      return { key, fingerprint: "", operation: "", outcome: null, created_at: Date.now(), in_progress: true };
    }
    const found = this.store.request(key);
    return found ? { ...found, in_progress: false } : null;
  }

  /** Forgets records older than the TTL. */
  prune(now: number): void {
    this.store.pruneRequests(now - REQUEST_TTL_MS);
  }
}
