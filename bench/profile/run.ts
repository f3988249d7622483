/**
 * One profiled window: zero the isolate's SQL statement counts, record a CPU
 * profile while `work` runs (and the CPU time workerd really spent), read the counts
 * back, and attribute the profile per operation (report.ts).
 */
import { readFileSync } from "node:fs";
import type { Server } from "../runtime.ts";
import { attribute, moduleMap, type StatementStats, slotPositions } from "./attribute.ts";
import { profileWhile } from "./inspector.ts";
import { measuredCpu } from "./process-cpu.ts";
import { buildReport, type ProfileReport } from "./report.ts";

const OPERATOR = { authorization: "Bearer dev-operator-token", "cf-connecting-ip": "127.0.0.1" };

/** What the bundle tells the attribution: source modules by line, and the SQL call sites. */
export interface BundleMap {
  module: (line: number) => string | undefined;
  slots: Array<[number, number]>;
}

export function bundleMap(server: Server): BundleMap {
  if (!server.bundle) throw new Error("profiling needs a Miniflare runtime (the bundle maps frames to modules)");
  const text = readFileSync(server.bundle, "utf8");
  return { module: moduleMap(text), slots: slotPositions(text) };
}

async function sqlStats(base: string, reset: boolean): Promise<StatementStats[]> {
  const res = await fetch(`${base}/v1/bench/sql${reset ? "/reset" : ""}`, {
    method: reset ? "POST" : "GET",
    headers: OPERATOR,
  });
  if (!res.ok) throw new Error(`bench SQL profile route answered ${res.status}: is BENCH_ROUTES on?`);
  return reset ? [] : ((await res.json()) as { statements: StatementStats[] }).statements;
}

/**
 * Profiles `work`, whose result says how many operations it completed, and returns the
 * report per operation. `file` receives the raw `.cpuprofile` when given; `sql: false`
 * skips the statement counts (for a Worker without `SQL_PROFILE`).
 */
export async function profiled<T extends { operations: number }>(
  server: Server,
  inspectorPort: number,
  map: BundleMap,
  work: () => Promise<T>,
  options: { file?: string; samplingUs?: number; sql?: boolean } = {},
): Promise<{ result: T; report: ProfileReport }> {
  const sql = options.sql ?? true;
  if (sql) await sqlStats(server.base, true);
  const { result: profiledRun, cpuUs } = await measuredCpu(() =>
    profileWhile(inspectorPort, server.worker, work, options.file, options.samplingUs),
  );
  const { result, profile } = profiledRun;
  const statements = sql ? await sqlStats(server.base, false) : [];
  const report = buildReport(attribute(profile, map.module, map.slots), statements, result.operations, cpuUs);
  return { result, report };
}
