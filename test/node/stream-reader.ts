/**
 * Reading a stream in tests: the next message, or the next one that matches,
 * within a deadline (the stream is left open for the next read).
 */
export class StreamReader<T> {
  private readonly it: AsyncIterator<T>;
  private pending: Promise<IteratorResult<T>> | undefined;
  /** Every message read so far, in order. */
  readonly seen: T[] = [];

  constructor(stream: AsyncIterable<T>) {
    this.it = stream[Symbol.asyncIterator]();
  }

  /** The next message; fails after `timeoutMs`, or when the stream ends or fails. */
  async next(timeoutMs = 5_000): Promise<T> {
    this.pending ??= this.it.next();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no stream message within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const result = await Promise.race([this.pending, timeout]);
      this.pending = undefined;
      if (result.done) throw new Error("the stream ended");
      this.seen.push(result.value);
      return result.value;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The next message `match` accepts, skipping the others (heartbeats, say). */
  async until(match: (message: T) => boolean, timeoutMs = 5_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = await this.next(Math.max(1, deadline - Date.now()));
      if (match(message)) return message;
    }
  }

  /** Ends the stream from the client's side. */
  async close(): Promise<void> {
    await this.it.return?.();
  }
}
