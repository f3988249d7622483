/** What a call refused by an open breaker throws: which dependency, and when to try again. */
export class CircuitOpenError extends Error {
  readonly dependency: string;
  readonly retryAfterMs: number;

  constructor(dependency: string, retryAfterMs: number, lastError?: string) {
    super(
      `${dependency} is unavailable (circuit open${lastError ? `: ${lastError}` : ""}); retry in ${Math.ceil(retryAfterMs / 1000)} s`,
    );
    this.name = "CircuitOpenError";
    this.dependency = dependency;
    this.retryAfterMs = retryAfterMs;
  }
}
