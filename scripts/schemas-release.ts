/**
 * `npm run schemas:release`: when a release is cut, makes the registry's schemas the new
 * baseline of `npm run schemas:check` (shared/events/released.json, tagged with
 * package.json's `version`). Refuses when the registry breaks compatibility with the
 * snapshot it replaces, unless `--force` (a deliberate break, e.g. retiring a version no
 * producer or stored event uses: say so in the release notes).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkCompatibility } from "../shared/events/compat.ts";
import { publishedSchemas } from "../shared/events/json-schema.ts";
import { RELEASED_PATH } from "../shared/events/released.ts";
import { biomeFormat, ROOT, readReleased } from "./schemas-files.ts";

const force = process.argv.includes("--force");
const current = publishedSchemas();
const previous = readReleased();
const breaks = previous ? checkCompatibility(previous.schemas, current) : [];
if (breaks.length > 0 && !force) {
  for (const b of breaks) console.error(`${b.schema} v${b.version}${b.path ? ` ${b.path}` : ""}: ${b.problem}`);
  console.error("schemas:release: refused (the registry breaks the released schemas); --force to release anyway");
  process.exit(1);
}
const release = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const path = join(ROOT, RELEASED_PATH);
writeFileSync(path, `${JSON.stringify({ release, schemas: current }, null, 2)}\n`);
biomeFormat([path]);
console.log(`${RELEASED_PATH}: ${current.length} schemas of release ${release}`);
