/** docs/operations.md "Metrics" lists every metric of the catalogue, with its type, and no metric the catalogue lacks. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_METRICS } from "../../shared/metrics/catalogue.ts";

const doc = readFileSync(join(import.meta.dirname, "..", "..", "docs", "operations.md"), "utf8");
const section = doc.slice(doc.indexOf("\n## Metrics"));
const rows = new Map(
  [...section.matchAll(/^\| `(p3_[a-z0-9_]+)` \| ([a-z]+)/gm)].map((m) => [m[1] as string, m[2] as string]),
);

describe("the metrics documentation", () => {
  it("has a row for every metric of the catalogue, with its type", () => {
    for (const m of ALL_METRICS) expect(rows.get(m.name), m.name).toBe(m.type);
  });

  it("names no metric the catalogue does not declare", () => {
    const names = new Set(ALL_METRICS.map((m) => m.name));
    for (const name of section.matchAll(/\bp3_[a-z0-9_]+[a-z0-9]\b/g)) {
      const base = name[0].replace(/_(bucket|sum|count)$/, "");
      expect(names.has(base) || names.has(name[0]), name[0]).toBe(true);
    }
  });
});
