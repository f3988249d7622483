/**
 * A profile's attribution (attribute.ts) as CPU µs per order: by component (the
 * edge's middleware each, every object's JavaScript and SQLite, the queue consumer,
 * the runtime), by SQLite table and by SQL statement, as tables and as JSON.
 */
import { fmtNum, table } from "../stats.ts";
import type { Attribution, StatementStats } from "./attribute.ts";

export interface ProfileReport {
  /** Orders (or other operations) the profiled window completed. */
  operations: number;
  /**
   * CPU per operation, µs: workerd's own CPU time (every thread, user and kernel) when it
   * was measured, else the profile's busy time. Components divide this total by their share.
   */
  cpu_us_per_op: number;
  /** The profile's busy (non-idle) time per operation, µs: CPU plus time the thread waited for a core. */
  busy_us_per_op: number;
  /** Share of the window the isolate was busy. */
  busy_share: number;
  /** µs per operation by component: `area` or `area: part`. */
  components: Record<string, number>;
  /** µs per operation inside SQLite, by table. */
  sqlite_by_table: Record<string, number>;
  /** µs per operation of each area's busiest parts (modules, libraries), for reading the hot spots. */
  parts: Record<string, Record<string, number>>;
  /** Per statement: µs, calls, rows read and written, per operation; most expensive first. */
  statements: Array<{
    text: string;
    table: string;
    us: number;
    calls: number;
    rows_read: number;
    rows_written: number;
  }>;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Parts listed on their own line per area; the rest of an area's time is summed as "other". */
const EDGE_PARTS = ["auth", "rate limit", "validation", "logging", "framework (hono)", "route: orders"];

export function buildReport(
  attribution: Attribution,
  statements: readonly StatementStats[],
  operations: number,
  cpuUs?: number,
): ProfileReport {
  // Each sample's share of the busy time, applied to the CPU really spent.
  const scale = cpuUs !== undefined && attribution.busyUs > 0 ? cpuUs / attribution.busyUs : 1;
  const per = (us: number) => (operations > 0 ? (us * scale) / operations : Number.NaN);
  const components: Record<string, number> = {};
  const areas = [...attribution.areas].sort((a, b) => sum(b[1]) - sum(a[1]));
  for (const [area, parts] of areas) {
    if (area === "edge") {
      let rest = 0;
      for (const [part, us] of parts) {
        if (EDGE_PARTS.includes(part) || part === "SQLite") components[`edge: ${part}`] = round(per(us));
        else rest += us;
      }
      if (rest > 0) components["edge: other (middleware, routes, helpers)"] = round(per(rest));
    } else if (area === "runtime") {
      for (const [part, us] of parts) components[part] = round(per(us));
    } else {
      const sqlite = parts.get("SQLite") ?? 0;
      components[`${area}: JavaScript`] = round(per(sum(parts) - sqlite));
      if (sqlite > 0) components[`${area}: SQLite`] = round(per(sqlite));
    }
  }
  const partsByArea: ProfileReport["parts"] = {};
  for (const [area, parts] of areas) {
    partsByArea[area] = Object.fromEntries(
      [...parts]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([part, us]) => [part, round(per(us))]),
    );
  }
  const bySlot = new Map(statements.map((s) => [s.slot, s]));
  const shared = statements.filter((s) => s.slot === Math.max(...statements.map((x) => x.slot)));
  const sqliteByTable: Record<string, number> = {};
  const rows: ProfileReport["statements"] = [];
  for (const [slot, us] of attribution.sqlBySlot) {
    const stmt = slot < 0 ? undefined : bySlot.get(slot);
    const tableName = stmt
      ? shared.length > 1 && shared.includes(stmt)
        ? "(several: the profiler ran out of call sites)"
        : stmt.table
      : slot === -1
        ? "(transactionSync: savepoint and release)"
        : "(statements outside the profiler)";
    sqliteByTable[tableName] = round((sqliteByTable[tableName] ?? 0) + per(us));
  }
  for (const s of statements) {
    if (s.calls === 0) continue;
    const us = attribution.sqlBySlot.get(s.slot) ?? 0;
    rows.push({
      text: s.text,
      table: s.table,
      us: round(per(us)),
      calls: round(per(s.calls), 3),
      rows_read: round(per(s.rowsRead), 2),
      rows_written: round(per(s.rowsWritten), 2),
    });
  }
  rows.sort((a, b) => b.us - a.us || b.calls - a.calls);
  const total = attribution.busyUs + attribution.idleUs;
  return {
    operations,
    cpu_us_per_op: round(per(attribution.busyUs)),
    busy_us_per_op: round(operations > 0 ? attribution.busyUs / operations : Number.NaN),
    busy_share: total > 0 ? round(attribution.busyUs / total, 3) : 0,
    components,
    parts: partsByArea,
    sqlite_by_table: Object.fromEntries(Object.entries(sqliteByTable).sort((a, b) => b[1] - a[1])),
    statements: rows,
  };
}

/** The report as text tables (for people; `--json` prints the object). */
export function formatReport(r: ProfileReport, unit = "order"): string {
  const lines: string[] = [];
  lines.push(
    `CPU per ${unit}: ${fmtNum(r.cpu_us_per_op, 0)} µs over ${r.operations} ${unit}s (workerd's CPU time; the profile saw the isolate busy ${fmtNum(100 * r.busy_share, 0)} % of the window, ${fmtNum(r.busy_us_per_op, 0)} µs per ${unit})`,
  );
  const comp: string[][] = [["component", `µs/${unit}`, "share"]];
  for (const [name, us] of Object.entries(r.components).sort((a, b) => b[1] - a[1])) {
    comp.push([name, fmtNum(us, 1), `${fmtNum((100 * us) / r.cpu_us_per_op, 1)} %`]);
  }
  lines.push("", indent(table(comp)));
  const parts: string[][] = [["busiest parts, by area", `µs/${unit}`]];
  for (const [area, list] of Object.entries(r.parts)) {
    for (const [part, us] of Object.entries(list).slice(0, 8))
      if (us >= 10) parts.push([`${area}: ${part}`, fmtNum(us, 1)]);
  }
  lines.push("", indent(table(parts)));
  const tables: string[][] = [["SQLite by table", `µs/${unit}`]];
  for (const [name, us] of Object.entries(r.sqlite_by_table)) tables.push([name, fmtNum(us, 1)]);
  lines.push("", indent(table(tables)));
  const stmts: string[][] = [["statement", `µs/${unit}`, "calls", "rows read", "rows written"]];
  for (const s of r.statements.slice(0, 40)) {
    stmts.push([
      s.text.length > 90 ? `${s.text.slice(0, 87)}...` : s.text,
      fmtNum(s.us, 1),
      fmtNum(s.calls, 2),
      fmtNum(s.rows_read, 1),
      fmtNum(s.rows_written, 1),
    ]);
  }
  lines.push("", indent(table(stmts)));
  return lines.join("\n");
}

function sum(m: Map<string, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}
