#!/usr/bin/env node
/**
 * Fills `web/dist/` (wrangler.toml `[assets]`, git-ignored) with what `/docs` loads from our own
 * origin: the standalone browser bundle of the pinned `@scalar/api-reference` (package.json pins
 * it exactly, package-lock.json its integrity), served by Workers static assets as
 * `/docs/scalar/api-reference.js`.
 *
 * Runs as the root package's `postinstall`, so `npm install` leaves the directory ready for
 * `npm run dev`, `npm run build:check`, the tests and the benchmarks (wrangler refuses to start
 * when `assets.directory` is missing). Plain .mjs without dependencies: it runs before anything
 * else is built. Idempotent; run it again with `npm run web:assets` after deleting `web/dist/`.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "web", "dist");
const PACKAGE = "@scalar/api-reference";
/** The bundle's URL path is its path under OUT. */
export const SCALAR_ASSET = "docs/scalar/api-reference.js";

function packageDir() {
  // The package's exports do not list dist/browser/ or package.json: resolve its main, then walk up.
  let dir = dirname(createRequire(join(ROOT, "package.json")).resolve(PACKAGE));
  while (
    !existsSync(join(dir, "package.json")) ||
    JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name !== PACKAGE
  ) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`${PACKAGE}: package.json not found above its main module`);
    dir = up;
  }
  return dir;
}

function copyIfChanged(from, to) {
  if (existsSync(to) && statSync(to).size === statSync(from).size && readFileSync(to).equals(readFileSync(from)))
    return false;
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  return true;
}

const dir = packageDir();
const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
const bundle = join(dir, "dist", "browser", "standalone.js");
if (!existsSync(bundle))
  throw new Error(`${PACKAGE}@${version}: ${bundle} is missing (did the package move its standalone build?)`);
const changed = copyIfChanged(bundle, join(OUT, SCALAR_ASSET));
// Which release the bundle is, for whoever looks at the directory (not served: .assetsignore).
writeFileSync(join(OUT, "VERSIONS"), `${PACKAGE}@${version} dist/browser/standalone.js -> ${SCALAR_ASSET}\n`);
writeFileSync(join(OUT, ".assetsignore"), "VERSIONS\n");
// Static assets bypass the Worker (and its security headers): every file served from here gets its
// own. The terminal and the console (Vite builds, `npm run web:build`) load nothing but their own
// hashed files, so their policy admits no other origin and no inline script (docs/web.md).
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");
const common = ["  X-Content-Type-Options: nosniff", "  Cross-Origin-Resource-Policy: same-origin"];
const page = [
  `  Content-Security-Policy: ${PAGE_CSP}`,
  "  Referrer-Policy: no-referrer",
  "  X-Frame-Options: DENY",
  "  Cache-Control: no-cache",
  ...common,
];
writeFileSync(
  join(OUT, "_headers"),
  [
    "/docs/scalar/*",
    ...common,
    "  Cache-Control: public, max-age=300, must-revalidate",
    // Vite names every bundle by its content hash: cache it for good.
    "/assets/*",
    ...common,
    "  Cache-Control: public, max-age=31536000, immutable",
    ...["/", "/index.html", "/console", "/console/", "/console/index.html"].flatMap((path) => [path, ...page]),
    "",
  ].join("\n"),
);
console.log(`web-assets: ${PACKAGE}@${version} ${changed ? "copied to" : "already in"} web/dist/${SCALAR_ASSET}`);
