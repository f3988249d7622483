/**
 * The pages' size budget (web/budget.json): what a first visit downloads — the HTML and every
 * script and stylesheet it loads or preloads — gzip-compressed, against the page's budget. The
 * build (test/global-setup-web.ts) ran just before; source maps are served but never loaded.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const DIST = "web/dist";
const budget = JSON.parse(readFileSync("web/budget.json", "utf8")) as Record<string, { page: string; gzipKiB: number }>;

/** Same-origin assets the HTML references (script src, link href), as paths under DIST. */
function assetsOf(html: string): string[] {
  const refs = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1] ?? "");
  return [...new Set(refs)];
}

/** Static imports between chunks are loaded too: follow `from "./x.js"` / `import "./x.js"` in each. */
function withImports(files: string[]): string[] {
  const seen = new Set(files);
  const queue = [...files];
  while (queue.length > 0) {
    const file = queue.pop() ?? "";
    if (!file.endsWith(".js")) continue;
    const code = readFileSync(join(DIST, file), "utf8");
    for (const m of code.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) {
      const next = `/assets/${m[1]}`;
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return [...seen];
}

describe("the pages' download budget (web/budget.json)", () => {
  for (const [name, { page, gzipKiB }] of Object.entries(budget).filter(([key]) => !key.startsWith("$"))) {
    it(`${name}: ${page} and what it loads stay within ${gzipKiB} KiB gzipped`, () => {
      const html = readFileSync(join(DIST, page), "utf8");
      const files = withImports(assetsOf(html));
      expect(files.some((f) => f.endsWith(".js"))).toBe(true);
      const sizes = files.map((f) => ({ file: f, gzip: gzipSync(readFileSync(join(DIST, f))).length }));
      const total = gzipSync(html).length + sizes.reduce((sum, s) => sum + s.gzip, 0);
      console.log(
        `${name}: ${(total / 1024).toFixed(1)} KiB gzipped (${sizes.map((s) => `${s.file} ${(s.gzip / 1024).toFixed(1)}`).join(", ")})`,
      );
      expect(total / 1024).toBeLessThanOrEqual(gzipKiB);
    });
  }
});
