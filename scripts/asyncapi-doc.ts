/**
 * `npm run asyncapi:doc`: writes the summary tables of docs/asyncapi.md (channels,
 * operations, messages, close and error codes) from the AsyncAPI document of the feed
 * (workers/api/asyncapi/), between its markers. `--check` (`npm run asyncapi:check`)
 * writes nothing and fails when the page is not what the document gives.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withTables } from "../workers/api/asyncapi/tables.ts";

const PAGE = join(import.meta.dirname, "..", "docs", "asyncapi.md");
const check = process.argv.includes("--check");

const current = readFileSync(PAGE, "utf8");
const expected = withTables(current);
if (check) {
  if (current !== expected) {
    console.error("docs/asyncapi.md is not what the AsyncAPI document gives: run npm run asyncapi:doc and commit it.");
    process.exit(1);
  }
  console.log("docs/asyncapi.md matches the AsyncAPI document.");
} else if (current === expected) {
  console.log("docs/asyncapi.md is up to date.");
} else {
  writeFileSync(PAGE, expected);
  console.log("docs/asyncapi.md: tables written.");
}
