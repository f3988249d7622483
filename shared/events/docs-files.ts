/**
 * What `docs/events/` holds, derived from the registry: one JSON Schema file per type and
 * version (`<schema>.v<version>.json`) and an index (`README.md`). `npm run schemas:write`
 * writes them (then Biome formats the JSON); `npm run schemas:check` and a test compare
 * the committed files with these, JSON by value and the index by text.
 */
import { type PublishedSchema, publishedSchemas } from "./json-schema.ts";
import type { EventRegistry } from "./registry.ts";

/** The file of one type and version under docs/events/. */
export function schemaFileName(s: Pick<PublishedSchema, "schema" | "version">): string {
  return `${s.schema}.v${s.version}.json`;
}

/** Every file docs/events/ should hold: name → content (JSON files as values, the index as text). */
export function eventDocFiles(registry?: EventRegistry): Map<string, unknown> {
  const schemas = publishedSchemas(registry);
  const files = new Map<string, unknown>();
  for (const s of schemas) files.set(schemaFileName(s), s.json_schema);
  files.set("README.md", indexPage(schemas));
  return files;
}

function indexPage(schemas: readonly PublishedSchema[]): string {
  const rows = schemas.map((s) => {
    const required = Array.isArray(s.json_schema.required) ? (s.json_schema.required as string[]) : [];
    const description = typeof s.json_schema.description === "string" ? s.json_schema.description : "";
    return `| [\`${s.schema}\`](${schemaFileName(s)}) | ${s.version} | \`${s.stream}\` | \`${s.type}\` | ${required.map((r) => `\`${r}\``).join(", ")} | ${description} |`;
  });
  return [
    "# Event schemas",
    "",
    "Generated from the registry (`shared/events/registry.ts`) by `npm run schemas:write`; do not edit by hand.",
    "`npm run schemas:check` fails when these files differ from the registry. The same list, with each",
    "JSON Schema, is served at `GET /v1/schemas`. How schemas evolve: [../events.md](../events.md).",
    "",
    "| Schema | Version | Stream | Type | Required body fields | What it is |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

/** JSON with keys sorted, so two values compare equal whatever their key order. */
export function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Differences between the committed files (`name → text`) and the registry's: missing, extra, stale. */
export function compareDocFiles(committed: ReadonlyMap<string, string>, registry?: EventRegistry): string[] {
  const expected = eventDocFiles(registry);
  const problems: string[] = [];
  for (const [name, want] of expected) {
    const have = committed.get(name);
    if (have === undefined) {
      problems.push(`docs/events/${name} is missing`);
      continue;
    }
    if (typeof want === "string") {
      if (have !== want) problems.push(`docs/events/${name} differs from the registry`);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(have);
    } catch {
      problems.push(`docs/events/${name} is not JSON`);
      continue;
    }
    if (sortedJson(parsed) !== sortedJson(want)) problems.push(`docs/events/${name} differs from the registry`);
  }
  for (const name of committed.keys()) {
    if (!expected.has(name)) problems.push(`docs/events/${name} is not in the registry`);
  }
  return problems;
}
