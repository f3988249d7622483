import { describe, expect, it } from "vitest";
import { LiveConfig } from "./live-cache.ts";
import type { ConfigChanges, ConfigVersion, SectionVersions } from "./sections.ts";

function version(n: number, limit: number): ConfigVersion<"rate-limits"> {
  return {
    section: "rate-limits",
    version: n,
    author: "test",
    reason: "test",
    at: new Date(0).toISOString(),
    at_ms: 0,
    document: { ip: { limit, window: "1m" } },
  };
}

/** A store whose live version the test moves; counts the calls and can be made unreachable. */
function store() {
  const state = {
    live: undefined as ConfigVersion<"rate-limits"> | undefined,
    calls: 0,
    down: false,
    asked: [] as SectionVersions[],
  };
  const fetchChanges = async (known: SectionVersions): Promise<ConfigChanges> => {
    state.calls++;
    state.asked.push(known);
    if (state.down) throw new Error("unreachable");
    return state.live && state.live.version > known["rate-limits"] ? { "rate-limits": state.live } : {};
  };
  return { state, fetchChanges };
}

describe("LiveConfig", () => {
  it("answers from memory within the TTL, then refreshes in the background with the versions it holds", async () => {
    let now = 0;
    const { state, fetchChanges } = store();
    state.live = version(1, 10);
    const live = new LiveConfig({ fetchChanges, ttlMs: 1000, clock: () => now, warn: () => {} });
    await live.ready();
    expect(live.current("rate-limits")?.version).toBe(1);
    expect(state.calls).toBe(1);
    state.live = version(2, 5);
    now = 999;
    expect(live.current("rate-limits")?.version).toBe(1);
    expect(state.calls).toBe(1);
    now = 1000;
    // The stale read answers at once with what it has and starts one refresh.
    expect(live.current("rate-limits")?.version).toBe(1);
    await live.refresh();
    expect(live.current("rate-limits")?.document).toEqual({ ip: { limit: 5, window: "1m" } });
    expect(state.asked[1]?.["rate-limits"]).toBe(1);
  });

  it("catches up at once when a caller holds a newer version, and asks nothing when it does not", async () => {
    const now = 0;
    const { state, fetchChanges } = store();
    state.live = version(1, 10);
    // A long TTL, as an Account has: only a caller's hint makes it ask again.
    const live = new LiveConfig({ fetchChanges, ttlMs: 30_000, clock: () => now, warn: () => {} });
    await live.ready();
    expect(live.versions()["rate-limits"]).toBe(1);
    expect(live.catchUp({ "rate-limits": 1, feed: 0 })).toBeUndefined();
    expect(live.catchUp(undefined)).toBeUndefined();
    expect(state.calls).toBe(1);
    state.live = version(2, 5);
    await live.catchUp({ "rate-limits": 2 });
    expect(state.calls).toBe(2);
    expect(live.current("rate-limits")?.document).toEqual({ ip: { limit: 5, window: "1m" } });
    expect(live.catchUp({ "rate-limits": 2 })).toBeUndefined();
  });

  it("keeps the last good version while the store is unreachable, and nothing before the first", async () => {
    let now = 0;
    const { state, fetchChanges } = store();
    state.down = true;
    const live = new LiveConfig({ fetchChanges, ttlMs: 100, clock: () => now, warn: () => {} });
    await live.ready();
    expect(live.isLoaded).toBe(true);
    expect(live.current("rate-limits")).toBeUndefined();
    state.down = false;
    state.live = version(3, 7);
    now = 100;
    live.current("rate-limits");
    await live.refresh();
    expect(live.current("rate-limits")?.version).toBe(3);
    state.down = true;
    now = 200;
    live.current("rate-limits");
    await live.refresh();
    expect(live.current("rate-limits")?.version).toBe(3);
    expect(live.stats.failures).toBe(2);
  });

  it("waits at most firstLoadTimeoutMs for a store that does not answer", async () => {
    const live = new LiveConfig({ fetchChanges: () => new Promise(() => {}), firstLoadTimeoutMs: 20, warn: () => {} });
    const started = Date.now();
    await live.ready();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(live.current("feed")).toBeUndefined();
  });

  it("never goes back to an older version", async () => {
    const { state, fetchChanges } = store();
    const live = new LiveConfig({
      fetchChanges: async (known) => ({ ...(await fetchChanges(known)), ...extra }),
      warn: () => {},
    });
    let extra: ConfigChanges = {};
    state.live = version(4, 1);
    await live.refresh();
    extra = { "rate-limits": version(2, 99) };
    await live.refresh();
    expect(live.current("rate-limits")?.version).toBe(4);
  });
});
