/**
 * `npm run schemas:check` (CI): fails (exit 1) when a registered schema breaks
 * compatibility with the released snapshot (shared/events/released.json;
 * shared/events/compat.ts says what breaks), or when docs/events/ differs from the
 * registry (`npm run schemas:write` regenerates it).
 */
import { checkCompatibility } from "../shared/events/compat.ts";
import { compareDocFiles } from "../shared/events/docs-files.ts";
import { publishedSchemas } from "../shared/events/json-schema.ts";
import { RELEASED_PATH } from "../shared/events/released.ts";
import { committedDocFiles, readReleased } from "./schemas-files.ts";

const current = publishedSchemas();
const released = readReleased();
let failed = false;
if (!released) {
  console.log(`schemas:check: no ${RELEASED_PATH} yet: nothing released to be compatible with`);
} else {
  const breaks = checkCompatibility(released.schemas, current);
  for (const b of breaks) {
    console.error(
      `incompatible with release ${released.release}: ${b.schema} v${b.version}${b.path ? ` ${b.path}` : ""}: ${b.problem}`,
    );
  }
  if (breaks.length > 0) {
    failed = true;
    console.error(
      'Keep the released version as it was and register a new version for the change (docs/events.md "Evolving a schema").',
    );
  } else console.log(`schemas:check: ${current.length} schemas, compatible with release ${released.release}`);
}
const stale = compareDocFiles(committedDocFiles());
for (const s of stale) console.error(s);
if (stale.length > 0) {
  failed = true;
  console.error("Run `npm run schemas:write` and commit docs/events/.");
}
process.exit(failed ? 1 : 0);
