/**
 * docs/events/ is what the registry generates (`npm run schemas:write`), and
 * `npm run schemas:check` says so; a missing, stale or extra file is reported.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { committedDocFiles, ROOT } from "../../scripts/schemas-files.ts";
import { compareDocFiles, eventDocFiles, schemaFileName } from "../../shared/events/docs-files.ts";
import { EVENT_REGISTRY } from "../../shared/events/registry.ts";

describe("docs/events/", () => {
  it("holds exactly the registry's JSON Schemas and index", () => {
    const committed = committedDocFiles();
    expect(compareDocFiles(committed)).toEqual([]);
    expect([...committed.keys()].sort()).toEqual(
      [...EVENT_REGISTRY.entries().map((e) => schemaFileName(e)), "README.md"].sort(),
    );
  });

  it("reports a missing, a stale and an extra file", () => {
    const committed = new Map(committedDocFiles());
    committed.delete("book.level.v1.json");
    const trade = JSON.parse(committed.get("book.trade.v1.json") as string);
    trade.required = trade.required.filter((f: string) => f !== "price");
    committed.set("book.trade.v1.json", JSON.stringify(trade));
    committed.set("book.gone.v1.json", "{}");
    // Key order and formatting do not matter, content does.
    const fill = eventDocFiles().get("account.fill.v1.json") as Record<string, unknown>;
    committed.set("account.fill.v1.json", JSON.stringify(Object.fromEntries(Object.entries(fill).reverse())));
    expect(compareDocFiles(committed)).toEqual([
      "docs/events/book.level.v1.json is missing",
      "docs/events/book.trade.v1.json differs from the registry",
      "docs/events/book.gone.v1.json is not in the registry",
    ]);
  });

  it("npm run schemas:check passes on the committed tree", () => {
    const run = spawnSync("npm", ["run", "--silent", "schemas:check"], { cwd: ROOT, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/compatible with release/);
    expect(run.status).toBe(0);
  }, 30_000);
});
