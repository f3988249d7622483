import { describe, expect, it } from "vitest";
import { type LimiterBackend, type LimitRule, memoryBackend } from "./backend.ts";
import { localFront } from "./local.ts";

const rule = (subject: string, limit = 100, windowMs = 10_000): LimitRule => ({
  subject,
  name: "key:order_entry",
  limit,
  windowMs,
  cost: 1,
});

/** A backend that counts its calls, over the in-memory GCRA with a frozen clock. */
function counted(now: () => number): LimiterBackend & { calls: number; reported: number } {
  const inner = memoryBackend(now);
  const counter = {
    name: inner.name,
    calls: 0,
    reported: 0,
    async check(rules: readonly LimitRule[]) {
      counter.calls++;
      for (const r of rules) if (r.force) counter.reported += r.cost;
      return inner.check(rules);
    },
  };
  return counter;
}

/** Collects the background reports a request would keep alive, to await them. */
function background() {
  const pending: Promise<unknown>[] = [];
  return {
    context: { waitUntil: (p: Promise<unknown>) => void pending.push(p) },
    settle: async () => {
      while (pending.length > 0) await pending.shift();
    },
  };
}

describe("localFront", () => {
  it("is exact in one isolate and decides most requests without the shared limiter", async () => {
    const now = 1_000_000;
    const shared = counted(() => now);
    const front = localFront(shared, { syncEveryMs: 0.5, clock: () => now });
    const bg = background();
    let allowed = 0;
    for (let i = 0; i < 200; i++) {
      const { outcomes } = await front.check([rule("key:a")], bg.context);
      if (outcomes[0]?.allowed) allowed++;
      if (i % 10 === 0) await bg.settle();
    }
    await bg.settle();
    expect(allowed).toBe(100);
    // Local decisions up to the headroom, then the shared limiter for the last tenth and the refusals.
    expect(shared.calls).toBeLessThan(140);
    // What was admitted here reached the shared bucket: it is empty for everyone.
    const direct = await shared.check([rule("key:a")]);
    expect(direct.outcomes[0]?.allowed).toBe(false);
  });

  it("keeps two isolates sharing one limiter within 10 % of the limit", async () => {
    let now = 1_000_000;
    const shared = counted(() => now);
    const fronts = [0, 1].map(() => localFront(shared, { syncEveryMs: 5, clock: () => now }));
    const bg = background();
    let allowed = 0;
    // 400 requests in 0.4 s: the bucket (100 per 10 s) refills 4 units meanwhile.
    for (let i = 0; i < 400; i++) {
      now += 1;
      const { outcomes } = await (fronts[i % 2] as ReturnType<typeof localFront>).check([rule("key:b")], bg.context);
      if (outcomes[0]?.allowed) allowed++;
      if (i % 8 === 0) await bg.settle();
    }
    await bg.settle();
    expect(allowed).toBeGreaterThanOrEqual(100);
    expect(allowed).toBeLessThanOrEqual(114);
    // Any overshoot is debt: once the bucket refilled past it, both admit again.
    now += 10_000 * ((allowed - 100 + 2) / 100);
    for (const front of fronts)
      expect((await front.check([rule("key:b")], bg.context)).outcomes[0]?.allowed).toBe(true);
  });

  it("answers the same RateLimit figures as the shared limiter would", async () => {
    const now = 5_000_000;
    const front = localFront(
      memoryBackend(() => now),
      { clock: () => now },
    );
    const reference = memoryBackend(() => now);
    for (let i = 0; i < 5; i++) {
      const [mine] = (await front.check([rule("key:c", 10, 60_000)])).outcomes;
      const [theirs] = (await reference.check([rule("key:c", 10, 60_000)])).outcomes;
      expect(mine).toEqual(theirs);
    }
  });

  it("puts units back when the shared limiter cannot be reached, so none are lost", async () => {
    const now = 9_000_000;
    const inner = counted(() => now);
    let down = false;
    const flaky: LimiterBackend = {
      name: "memory",
      check: (rules) => (down ? Promise.reject(new Error("unreachable")) : inner.check(rules)),
    };
    const front = localFront(flaky, { syncEveryMs: 1_000, clock: () => now });
    await front.check([rule("key:d")]);
    for (let i = 0; i < 5; i++) await front.check([rule("key:d")]);
    down = true;
    // Stale local state (no report ran: no waitUntil) forces a shared check, which fails.
    const stale = localFront(flaky, { syncEveryMs: 1, clock: () => now + 10 });
    await expect(stale.check([rule("key:d")])).rejects.toThrow(/unreachable/);
    down = false;
    // The next shared check of the first front carries the five local units.
    for (let i = 0; i < 100; i++) await front.check([{ ...rule("key:d"), cost: 0 }]);
    const tooMany = await front.check([{ ...rule("key:d"), cost: 95 }]);
    expect(tooMany.outcomes[0]?.allowed).toBe(false);
    expect(inner.reported).toBe(5);
  });
});
