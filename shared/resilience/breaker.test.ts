import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fullJitter } from "./backoff.ts";
import { CircuitBreaker } from "./breaker.ts";
import { CircuitOpenError } from "./errors.ts";

function clocked(options: ConstructorParameters<typeof CircuitBreaker>[1] = {}) {
  let now = 1_000_000;
  const breaker = new CircuitBreaker("postgres", { clock: () => now, random: () => 1, ...options });
  return { breaker, advance: (ms: number) => (now += ms), now: () => now };
}

describe("CircuitBreaker", () => {
  it("opens after the threshold of failures in a row, refuses at once while open, probes once when half-open", async () => {
    const { breaker, advance } = clocked({ failureThreshold: 3, coolOffMs: 1_000 });
    breaker.failure("a");
    breaker.failure("b");
    breaker.success();
    breaker.failure("c");
    breaker.failure("d");
    expect(breaker.state()).toBe("closed");
    breaker.failure("e");
    expect(breaker.state()).toBe("open");
    let called = 0;
    await expect(breaker.run(async () => called++)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(called).toBe(0);
    expect(breaker.retryAfterMs()).toBe(1_000);
    advance(1_000);
    expect(breaker.state()).toBe("half_open");
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(false); // one probe at a time
    breaker.failure("probe failed");
    expect(breaker.state()).toBe("open");
    expect(breaker.retryAfterMs()).toBe(2_000); // twice as long
    advance(2_000);
    expect(await breaker.run(async () => "ok")).toBe("ok");
    expect(breaker.state()).toBe("closed");
  });

  it("refusals name the dependency, the wait and the last failure", () => {
    const { breaker } = clocked({ failureThreshold: 1, coolOffMs: 4_000 });
    breaker.failure(new Error("connection refused"));
    const error = new CircuitOpenError("postgres", breaker.retryAfterMs(), breaker.lastError);
    expect(error.message).toBe("postgres is unavailable (circuit open: connection refused); retry in 4 s");
  });

  it("holds its invariants over any sequence of calls, outcomes and waits", () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("call" as const), ok: fc.boolean() }),
      fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 70_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), (steps, r) => {
        const { breaker, advance } = clocked({ failureThreshold: 3, coolOffMs: 5_000, random: () => r });
        let inRow = 0;
        for (const s of steps) {
          if (s.kind === "wait") {
            advance(s.ms);
            continue;
          }
          const before = breaker.state();
          const allowed = breaker.allow();
          // Closed lets everything through; open nothing.
          if (before === "closed") expect(allowed).toBe(true);
          if (before === "open") expect(allowed).toBe(false);
          if (!allowed) continue;
          if (before === "half_open") expect(breaker.allow()).toBe(false);
          if (s.ok) {
            breaker.success();
            inRow = 0;
            expect(breaker.state()).toBe("closed");
          } else {
            breaker.failure("x");
            inRow++;
            if (before === "half_open" || inRow >= 3) expect(breaker.state()).toBe("open");
            // The cool-off is never shorter than half the first one, never longer than the cap.
            if (breaker.state() === "open") {
              expect(breaker.retryAfterMs()).toBeGreaterThanOrEqual(2_500);
              expect(breaker.retryAfterMs()).toBeLessThanOrEqual(60_000);
            }
          }
        }
      }),
    );
  });
});

describe("fullJitter", () => {
  it("stays within [0, min(cap, base·2^attempt)] and reaches both ends", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (n, r) => {
        const d = fullJitter(n, 5, 300, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(Math.min(300, 5 * 2 ** n));
      }),
    );
    expect(fullJitter(2, 5, 300, () => 0)).toBe(0);
    expect(fullJitter(2, 5, 300, () => 0.999999)).toBe(20);
    expect(fullJitter(10, 5, 300, () => 0.999999)).toBe(300);
  });
});
