import { describe, expect, it } from "vitest";
import type { MetricsSnapshot } from "../../shared/metrics/registry.ts";
import type { MetricsHub } from "../metrics-hub/index.ts";
import { AccountMetrics } from "./metrics.ts";

/** A KV and a hub namespace that record what the account pushes. */
function harness(stored: Record<string, unknown> = {}) {
  const kv = new Map<string, unknown>(Object.entries(stored));
  const pushes: MetricsSnapshot[] = [];
  const hub = {
    idFromName: (name: string) => name,
    getByName: () => ({ report: async (_source: string, drained: MetricsSnapshot) => void pushes.push(drained) }),
    get: () => ({ report: async (_source: string, drained: MetricsSnapshot) => void pushes.push(drained) }),
  } as unknown as DurableObjectNamespace<MetricsHub>;
  const storage = {
    get: <T>(key: string) => kv.get(key) as T | undefined,
    put: (key: string, value: unknown) => void kv.set(key, value),
  } as unknown as SyncKvStorage;
  return { kv, pushes, hub, storage };
}

const holdsIn = (snapshot: MetricsSnapshot | undefined) => {
  const sample = snapshot?.find((f) => f.name === "p3_account_open_holds")?.samples[0];
  return sample && "value" in sample ? sample.value : 0;
};

describe("AccountMetrics", () => {
  it("pushes only the change in open holds, even after the object was evicted and woke up", async () => {
    let holds = 3;
    const h = harness();
    const first = new AccountMetrics({ METRICS_HUB: h.hub }, h.storage, "a1", () => holds);
    first.reached("accepted", 3);
    expect(await first.flush()).toBe(true);
    expect(holdsIn(h.pushes[0])).toBe(3);
    expect(h.kv.get("metrics:pushed_open_holds")).toBe(3);

    // A new instance (the old one was evicted) with one hold more: the hub gets +1, not 4.
    holds = 4;
    const woken = new AccountMetrics({ METRICS_HUB: h.hub }, h.storage, "a1", () => holds);
    woken.reached("accepted");
    expect(await woken.flush()).toBe(true);
    expect(holdsIn(h.pushes[1])).toBe(1);
    const orders = h.pushes[1]?.find((f) => f.name === "p3_account_orders_total")?.samples[0];
    expect(orders).toMatchObject({ labels: { status: "accepted" }, value: 1 });
  });

  it("pushes on its own timer after a change, so a quiet account's last changes arrive", async () => {
    const h = harness();
    const metrics = new AccountMetrics(
      { METRICS_HUB: h.hub, METRICS_PUSH_INTERVAL_MS: "20" },
      h.storage,
      "a2",
      () => 0,
    );
    metrics.settled([{ time_ms: Date.now() - 1_500 }], Date.now());
    await new Promise((r) => setTimeout(r, 100));
    expect(h.pushes).toHaveLength(1);
    const lag = h.pushes[0]?.find((f) => f.name === "p3_account_settlement_lag_seconds")?.samples[0];
    expect(lag).toMatchObject({ count: 1 });
    expect(lag && "sum" in lag ? lag.sum : 0).toBeGreaterThanOrEqual(1.5);
  });
});
