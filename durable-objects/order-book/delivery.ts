/**
 * Pushes outbox rows to the Account objects they concern: soon after a commit for
 * accounts that did not make the call (makers, expiries, cancels by others), and
 * from the alarm's sweep for any row left unacknowledged (a caller that crashed
 * before applying its reply, a failed push). A push is acknowledged by the
 * Account's answer; a failure leaves the rows for the next sweep.
 */
import { DELIVERY_BATCH, type Outbox, type OutboxReceiver } from "./outbox.ts";

export interface DeliveryOptions {
  outbox: Outbox;
  instrument: () => string;
  receiver: (account: string) => OutboxReceiver;
  /** How long pushes wait to coalesce, ms. */
  delayMs: number;
}

/** Rows older than this are swept to their accounts even if the caller should have acked them. */
export const SWEEP_AFTER_MS = 2_000;

export class OutboxDelivery {
  private readonly options: DeliveryOptions;
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: DeliveryOptions) {
    this.options = options;
  }

  /** Pushes these accounts' rows after the coalescing delay. */
  soon(accounts: Iterable<string>): void {
    for (const a of accounts) this.queued.add(a);
    if (this.queued.size === 0 || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const batch = [...this.queued];
      this.queued.clear();
      for (const account of batch) void this.deliver(account);
    }, this.options.delayMs);
  }

  /** Delivers to every account with a row logged at or before `before`; resolves when all tries end. */
  async sweep(before: number): Promise<void> {
    const accounts = this.options.outbox.accountsWaitingSince(before);
    await Promise.all(accounts.map((a) => this.deliver(a)));
  }

  /** Sends `account` its rows until none are left or a push fails. True when none are left. */
  async deliver(account: string): Promise<boolean> {
    if (this.inFlight.has(account)) return false;
    this.inFlight.add(account);
    const { outbox } = this.options;
    try {
      for (;;) {
        const rows = outbox.pending(account);
        if (rows.length === 0) return true;
        const ack = await this.options.receiver(account).applyBookEvents(account, this.options.instrument(), rows);
        outbox.ack(account, ack.through);
        if (rows.length < DELIVERY_BATCH) return true;
      }
    } catch (err) {
      console.warn(
        JSON.stringify({
          level: "warn",
          msg: "outbox delivery failed; the alarm retries",
          instrument: this.options.instrument(),
          account,
          error: String(err),
        }),
      );
      return false;
    } finally {
      this.inFlight.delete(account);
    }
  }
}
