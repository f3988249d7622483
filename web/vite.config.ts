/**
 * The web terminal (`/`) and the operator console (`/console`), built into `web/dist/` beside the
 * vendored Scalar bundle (scripts/web-assets.mjs), which Workers static assets serve
 * (wrangler.toml `[assets]`). `npm run web:build` (also run by `npm run dev`, `deploy` and
 * `test:browser`); docs/web.md.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("."),
  base: "/",
  // The SDK's TypeScript sources (its `source` export condition), so no `sdk/dist` build is needed.
  resolve: { conditions: ["source", "module", "browser", "development|production"] },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: here("dist"),
    // A clean directory each build; `npm run web:build` then copies the Scalar bundle back in.
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: true,
    rollupOptions: { input: { terminal: here("index.html"), console: here("console/index.html") } },
  },
});
