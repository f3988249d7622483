/**
 * `npm run sdk:pack-check` (CI): the SDK as a user gets it. Packs sdk/ with `npm pack`
 * (its `prepack` builds dist/ with the package's own TypeScript), installs the tarball
 * into a fresh directory outside the repository, and runs the first example
 * (examples/sdk/first-order.ts, copied there) with plain Node 22 against the Worker and
 * its objects in workerd (bench/runtime.ts), with a funded trader's API key.
 * Exits 1 when any step fails.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTraders, listInstrument, RUN, SYMBOL } from "../bench/orders/setup.ts";
import { startServer, stopServer } from "../bench/runtime.ts";

const ROOT = join(import.meta.dirname, "..");
const log = (msg: string) => console.log(`sdk:pack-check: ${msg}`);
const work = mkdtempSync(join(tmpdir(), "p3-sdk-pack-"));

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

try {
  npm(["pack", "--pack-destination", work, "--silent"], join(ROOT, "sdk"));
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error("npm pack wrote no tarball");
  const listing = execFileSync("tar", ["-tzf", join(work, tarball)], { encoding: "utf8" });
  for (const file of ["package/dist/index.js", "package/dist/index.d.ts", "package/dist/ccxt/index.js"]) {
    if (!listing.includes(file)) throw new Error(`${tarball} lacks ${file}`);
  }
  if (listing.includes("package/src/")) throw new Error(`${tarball} ships its sources`);
  log(`packed ${tarball} (${listing.trim().split("\n").length} files)`);

  const app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "first-order", private: true, type: "module" }));
  npm(["install", join(work, tarball), "--no-audit", "--no-fund", "--prefer-offline", "--silent"], app);
  copyFileSync(join(ROOT, "examples/sdk/first-order.ts"), join(app, "first-order.ts"));
  log(`installed into ${app}`);

  const server = await startServer({ runtime: "miniflare", label: "sdk-pack" });
  await listInstrument(server.base, SYMBOL);
  const [trader] = await createTraders(server.base, 1, `pack-${RUN}`);
  if (!trader) throw new Error("no trader");
  const out = execFileSync(process.execPath, ["--experimental-strip-types", "--no-warnings", "first-order.ts"], {
    cwd: app,
    encoding: "utf8",
    env: { ...process.env, P3_API: server.base, P3_KEY: trader.keyId, P3_SECRET: trader.secret, P3_SYMBOL: SYMBOL },
    timeout: 60_000,
  });
  process.stdout.write(out);
  if (!out.includes("done")) throw new Error("the example did not finish");
  log("the packed SDK ran the first example");
} catch (err) {
  console.error(`sdk:pack-check: failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  stopServer();
  rmSync(work, { recursive: true, force: true });
}
