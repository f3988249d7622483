/**
 * A Durable Object's single alarm, remembered in memory so that arming it costs no
 * storage read: it only ever moves earlier, and the object re-arms from its handler.
 */
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
