/**
 * `npm run schemas:write`: writes docs/events/ from the registry (shared/events/): one JSON
 * Schema per type and version and the README index, removes files of types no longer
 * registered, and formats the JSON with Biome. Commit the result with the change.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { eventDocFiles } from "../shared/events/docs-files.ts";
import { biomeFormat, committedDocFiles, EVENTS_DOCS } from "./schemas-files.ts";

const expected = eventDocFiles();
mkdirSync(EVENTS_DOCS, { recursive: true });
for (const name of committedDocFiles().keys()) {
  if (!expected.has(name)) {
    rmSync(join(EVENTS_DOCS, name));
    console.log(`removed docs/events/${name}`);
  }
}
const json: string[] = [];
for (const [name, content] of expected) {
  const path = join(EVENTS_DOCS, name);
  writeFileSync(path, typeof content === "string" ? content : `${JSON.stringify(content, null, 2)}\n`);
  if (typeof content !== "string") json.push(path);
}
biomeFormat(json);
console.log(`docs/events/: ${expected.size} files written`);
