import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { METRICS } from "../../shared/metrics/catalogue.ts";
import { MetricsRegistry, type MetricsSnapshot, type ScalarSample } from "../../shared/metrics/registry.ts";
import { COMPACT_EVERY, type MetricsHub } from "./index.ts";
import { hubIndexOf } from "./stub.ts";

const hub = (name: string) => env.METRICS_HUB.getByName(name);
const orders = (s: MetricsSnapshot) =>
  s.find((f) => f.name === "p3_account_orders_total")?.samples.find((x) => x.labels.status === "filled") as
    | ScalarSample
    | undefined;

/** A holder's registry with `filled` orders counted, drained. */
function drained(filled: number, breaker?: number): MetricsSnapshot {
  const r = new MetricsRegistry();
  r.counter(METRICS.accountOrders).inc({ status: "filled" }, filled);
  if (breaker !== undefined) r.gauge(METRICS.breakerState).set({ dependency: "redis" }, breaker);
  return r.drain();
}

describe("MetricsHub", () => {
  it("adds up what holders push, keeping the worst fresh max gauge", async () => {
    const stub = hub(`hub-test-${Math.random()}`);
    await stub.report("edge:a", drained(2, 0));
    await stub.report("edge:b", drained(3, 2));
    const snapshot = await stub.snapshot();
    expect(orders(snapshot)).toEqual({ labels: { status: "filled" }, value: 5 });
    expect(snapshot.find((f) => f.name === "p3_breaker_state")?.samples).toEqual([
      { labels: { dependency: "redis" }, value: 2 },
    ]);
  });

  it("keeps its totals across a restart, before and after compacting them", async () => {
    const stub = hub(`hub-test-${Math.random()}`);
    for (let i = 0; i < COMPACT_EVERY + 3; i++) await stub.report(`edge:${i}`, drained(1));
    const rows = await runInDurableObject(stub, (_hub: MetricsHub, state) => ({
      totals: state.storage.sql.exec("SELECT count(*) AS n FROM totals").one().n,
      reports: state.storage.sql.exec("SELECT count(*) AS n FROM reports").one().n,
    }));
    expect(rows).toEqual({ totals: 1, reports: 3 });
    await evictDurableObject(stub);
    expect(orders(await stub.snapshot())?.value).toBe(COMPACT_EVERY + 3);
  });

  it("refuses what is not a drained snapshot", async () => {
    const stub = hub(`hub-test-${Math.random()}`);
    // Called inside the object: a rejection over RPC would also be reported as the object's uncaught error.
    await runInDurableObject(stub, async (instance: MetricsHub) => {
      await expect(instance.report("edge:x", [{ name: "x" }] as unknown as MetricsSnapshot)).rejects.toThrow(/drained/);
      await expect(instance.report("", [])).rejects.toThrow(/source/);
    });
    expect((await stub.snapshot()).flatMap((f) => f.samples)).toEqual([]);
  });

  it("spreads sources over the shards", () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => hubIndexOf(`edge:${crypto.randomUUID()}-${i}`, 4)));
    expect([...used].sort()).toEqual([0, 1, 2, 3]);
  });
});
