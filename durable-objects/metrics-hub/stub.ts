/**
 * How everything reaches a hub shard: by name, `hub-0` … `hub-<N-1>`. A holder always
 * pushes to the shard its source hashes to (so pushes spread over the shards and a
 * holder's max gauges stay in one place); a scrape reads every shard.
 */
import { fnv1a } from "../../shared/encoding.ts";
import type { MetricsHub } from "./index.ts";

/** The name of shard `index`. */
export function hubName(index: number): string {
  return `hub-${index}`;
}

/** The shard `source` pushes to: FNV-1a of its name, modulo `shards`. */
export function hubIndexOf(source: string, shards: number): number {
  return fnv1a(source) % shards;
}

export function hubStub(ns: DurableObjectNamespace<MetricsHub>, index: number): DurableObjectStub<MetricsHub> {
  return ns.getByName(hubName(index));
}

/** The stub of the shard `source` pushes to. */
export function hubForSource(
  ns: DurableObjectNamespace<MetricsHub>,
  source: string,
  shards: number,
): DurableObjectStub<MetricsHub> {
  return hubStub(ns, hubIndexOf(source, shards));
}
