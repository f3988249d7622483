/**
 * The object breakers' rules: which failures count, one breaker per object, a breaker
 * dropped at its object's first success, memory bounded per class, a call past its
 * deadline counting like an outage.
 */
import { describe, expect, it } from "vitest";
import { CircuitOpenError } from "../../../shared/resilience/errors.ts";
import { MAX_FAILING_PER_CLASS, ObjectBreakers } from "./breakers.ts";
import { isInfrastructureFailure, ObjectCallTimeout, objectCallTimeoutMs, withDeadline } from "./failures.ts";

const flagged = (flags: Record<string, boolean>) => Object.assign(new Error("x"), flags);
const fail = (err: unknown) => () => Promise.reject(err);

describe("isInfrastructureFailure", () => {
  it("counts the runtime's overloaded and retryable errors, errors not from the object's code, and timeouts", () => {
    expect(isInfrastructureFailure(flagged({ overloaded: true }))).toBe(true);
    expect(isInfrastructureFailure(flagged({ retryable: true, remote: true }))).toBe(true);
    expect(isInfrastructureFailure(new Error("Network connection lost."))).toBe(true);
    expect(isInfrastructureFailure(new ObjectCallTimeout("order_book X", 10))).toBe(true);
    // An object that resets as it starts (an injected outage) throws a `remote` error marked as a reset.
    expect(isInfrastructureFailure(flagged({ remote: true, durableObjectReset: true }))).toBe(true);
  });

  it("does not count an exception the object's own code threw", () => {
    expect(isInfrastructureFailure(flagged({ remote: true }))).toBe(false);
    expect(isInfrastructureFailure(flagged({ remote: true, retryable: false, overloaded: false }))).toBe(false);
  });
});

describe("ObjectBreakers", () => {
  it("opens one object's breaker after 3 failures in a row, leaving the class's others alone", async () => {
    const breakers = new ObjectBreakers({ failureThreshold: 3, coolOffMs: 60_000 });
    for (let i = 0; i < 3; i++)
      await expect(breakers.run("account", "a", fail(flagged({ overloaded: true })))).rejects.toThrow();
    expect(breakers.state("account", "a")).toBe("open");
    expect(breakers.gauge("account")).toBe(2);
    expect(breakers.gauge("order_book")).toBe(0);
    let called = false;
    await expect(
      breakers.run("account", "a", async () => {
        called = true;
      }),
    ).rejects.toBeInstanceOf(CircuitOpenError);
    expect(called).toBe(false);
    expect(await breakers.run("account", "b", async () => "ok")).toBe("ok");
  });

  it("forgets an object's failures at its first answer, and at an exception its code threw", async () => {
    const breakers = new ObjectBreakers({ failureThreshold: 3 });
    const outage = fail(flagged({ retryable: true }));
    for (let i = 0; i < 2; i++) await expect(breakers.run("order_book", "X", outage)).rejects.toThrow();
    await breakers.run("order_book", "X", async () => 1);
    for (let i = 0; i < 2; i++) await expect(breakers.run("order_book", "X", outage)).rejects.toThrow();
    await expect(breakers.run("order_book", "X", fail(flagged({ remote: true })))).rejects.toThrow();
    await expect(breakers.run("order_book", "X", outage)).rejects.toThrow();
    expect(breakers.state("order_book", "X")).toBe("closed");
  });

  it("remembers at most MAX_FAILING_PER_CLASS failing objects per class", async () => {
    const breakers = new ObjectBreakers({ failureThreshold: 1, coolOffMs: 60_000 });
    const outage = fail(flagged({ overloaded: true }));
    for (let i = 0; i <= MAX_FAILING_PER_CLASS; i++) {
      await expect(breakers.run("account", `acct-${i}`, outage)).rejects.toThrow();
    }
    // The oldest was dropped; the newest is open.
    expect(breakers.state("account", "acct-0")).toBe("closed");
    expect(breakers.state("account", `acct-${MAX_FAILING_PER_CLASS}`)).toBe("open");
  });
});

describe("deadlines", () => {
  it("a call past its deadline rejects with ObjectCallTimeout; OBJECT_CALL_TIMEOUT_MS is read leniently", async () => {
    const never = () => new Promise<never>(() => {});
    await expect(withDeadline(never, 20, "order_book X (book)")).rejects.toBeInstanceOf(ObjectCallTimeout);
    expect(await withDeadline(async () => 5, 20, "x")).toBe(5);
    expect(objectCallTimeoutMs(undefined)).toBe(30_000);
    expect(objectCallTimeoutMs("2500")).toBe(2_500);
    expect(objectCallTimeoutMs("-1")).toBe(30_000);
    expect(objectCallTimeoutMs("soon")).toBe(30_000);
  });
});
