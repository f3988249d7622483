/**
 * A push-to-pull queue: the client pushes messages as they arrive, a `for await` loop
 * pulls them in order. Breaking out of the loop (or `return()`) runs `onDone` once.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }[] = [];
  private done = false;
  private failure: unknown;
  private failed = false;
  private readonly onDone: (() => void) | undefined;

  constructor(onDone?: () => void) {
    this.onDone = onDone;
  }

  /** Messages waiting to be pulled. */
  get size(): number {
    return this.items.length;
  }

  get ended(): boolean {
    return this.done;
  }

  push(item: T): void {
    if (this.done) return;
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve({ value: item, done: false });
    else this.items.push(item);
  }

  /** Ends the iteration once what is queued has been pulled; with an error, the next pull after that throws it. */
  end(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    if (error !== undefined) {
      this.failed = true;
      this.failure = error;
    }
    if (this.items.length === 0) this.flushWaiters();
    this.onDone?.();
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined || this.items.length > 0) return Promise.resolve({ value: item as T, done: false });
    if (this.done) {
      if (this.failed) {
        this.failed = false;
        return Promise.reject(this.failure);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.failed = false;
    this.end();
    this.flushWaiters();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private flushWaiters(): void {
    const waiters = this.waiting.splice(0);
    for (const w of waiters) {
      if (this.failed) {
        this.failed = false;
        w.reject(this.failure);
      } else {
        w.resolve({ value: undefined, done: true });
      }
    }
  }
}
