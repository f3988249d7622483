/**
 * The compatibility check between the released schemas (released.json) and the current
 * registry, on their JSON Schemas. A released type and version must stay readable by what
 * was built against it, and the events it described must stay valid:
 *
 * - breaks: a type or version removed (or moved to another stream or type); a field
 *   removed; a field's `type` changed (nullable included); an optional field made required
 *   or a required field added; an enum value removed or a `const` changed; a bound
 *   tightened (`minimum`, `minLength` … raised, `maximum`, `maxLength` … lowered, or added);
 *   a `pattern`, `format` or `multipleOf` changed or added; extra fields refused where they
 *   were allowed; a union's branch removed or changed;
 * - fine: new types and versions; new optional fields; enum values and union branches
 *   added; bounds and patterns loosened or dropped; descriptions and titles.
 *
 * Any other keyword that differs is reported too, so what the check does not understand it
 * refuses rather than waves through.
 */
import type { JsonSchema, PublishedSchema } from "./json-schema.ts";

/** One incompatibility, at a JSON path inside a schema version. */
export interface Incompatibility {
  schema: string;
  version: number;
  /** Where in the body (`price`, `legs[]`, … ; empty: the whole type or body). */
  path: string;
  problem: string;
}

const IGNORED = new Set(["$schema", "$id", "title", "description", "default", "examples", "$comment"]);
const LOWER_BOUNDS = ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"];
const UPPER_BOUNDS = ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"];
const EXACT = ["pattern", "format", "multipleOf", "const"];
const UNIONS = ["anyOf", "oneOf", "allOf"];
const HANDLED = new Set([
  ...IGNORED,
  ...LOWER_BOUNDS,
  ...UPPER_BOUNDS,
  ...EXACT,
  ...UNIONS,
  "type",
  "enum",
  "properties",
  "required",
  "additionalProperties",
  "items",
]);

/** Every incompatibility of `current` with `released`. */
export function checkCompatibility(
  released: readonly PublishedSchema[],
  current: readonly PublishedSchema[],
): Incompatibility[] {
  const out: Incompatibility[] = [];
  const now = new Map(current.map((s) => [`${s.schema}@${s.version}`, s]));
  for (const old of released) {
    const problem = (path: string, text: string) =>
      out.push({ schema: old.schema, version: old.version, path, problem: text });
    const cur = now.get(`${old.schema}@${old.version}`);
    if (!cur) {
      problem("", "the type and version was released and is no longer registered");
      continue;
    }
    if (cur.stream !== old.stream || cur.type !== old.type) {
      problem("", `moved from ${old.stream}/${old.type} to ${cur.stream}/${cur.type}`);
    }
    compareSchema(old.json_schema, cur.json_schema, "", problem);
  }
  return out;
}

type Report = (path: string, problem: string) => void;

function asSchema(v: unknown): JsonSchema | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as JsonSchema) : undefined;
}

/** Canonical JSON (keys sorted), to compare sub-schemas and values. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => !IGNORED.has(k))
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

const types = (s: JsonSchema) =>
  (s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type]).map(String).sort();
const at = (path: string, key: string) => (path ? `${path}.${key}` : key);

function compareSchema(old: JsonSchema, cur: JsonSchema, path: string, report: Report): void {
  const oldTypes = types(old).join("|");
  const curTypes = types(cur).join("|");
  if (oldTypes !== curTypes) report(path, `retyped from ${oldTypes || "any"} to ${curTypes || "any"}`);

  if (Array.isArray(old.enum) || Array.isArray(cur.enum)) {
    if (!Array.isArray(cur.enum)) {
      // An enum dropped accepts more: fine.
    } else if (!Array.isArray(old.enum)) report(path, "restricted to an enum");
    else {
      const values = new Set(cur.enum.map(canonical));
      const removed = old.enum.filter((v) => !values.has(canonical(v)));
      if (removed.length > 0)
        report(path, `enum narrowed: ${removed.map((v) => JSON.stringify(v)).join(", ")} removed`);
    }
  }

  for (const key of LOWER_BOUNDS) {
    const [o, c] = [old[key], cur[key]];
    if (typeof c === "number" && (typeof o !== "number" || c > o)) report(path, `${key} tightened to ${c}`);
  }
  for (const key of UPPER_BOUNDS) {
    const [o, c] = [old[key], cur[key]];
    if (typeof c === "number" && (typeof o !== "number" || c < o)) report(path, `${key} tightened to ${c}`);
  }
  for (const key of EXACT) {
    if (cur[key] !== undefined && canonical(cur[key]) !== canonical(old[key])) {
      report(path, old[key] === undefined ? `${key} added` : `${key} changed`);
    }
  }

  compareObject(old, cur, path, report);

  const oldItems = asSchema(old.items);
  const curItems = asSchema(cur.items);
  if (oldItems && curItems) compareSchema(oldItems, curItems, `${path}[]`, report);
  else if (canonical(old.items) !== canonical(cur.items)) report(`${path}[]`, "items changed");

  for (const key of UNIONS) compareUnion(key, old[key], cur[key], path, report);

  const keys = new Set([...Object.keys(old), ...Object.keys(cur)]);
  for (const key of keys) {
    if (HANDLED.has(key)) continue;
    if (canonical(old[key]) !== canonical(cur[key])) report(path, `${key} changed`);
  }
}

function compareObject(old: JsonSchema, cur: JsonSchema, path: string, report: Report): void {
  const oldProps = asSchema(old.properties) ?? {};
  const curProps = asSchema(cur.properties) ?? {};
  const oldRequired = new Set(Array.isArray(old.required) ? old.required.map(String) : []);
  const curRequired = Array.isArray(cur.required) ? cur.required.map(String) : [];
  for (const [name, schema] of Object.entries(oldProps)) {
    const next = asSchema(curProps[name]);
    const sub = asSchema(schema);
    if (!next) report(at(path, name), "field removed");
    else if (sub) compareSchema(sub, next, at(path, name), report);
  }
  for (const name of curRequired) {
    if (oldRequired.has(name)) continue;
    report(at(path, name), name in oldProps ? "optional field made required" : "required field added");
  }
  if (closes(old.additionalProperties, cur.additionalProperties)) {
    report(path, "fields beyond the listed ones are no longer allowed");
  } else {
    const o = asSchema(old.additionalProperties);
    const c = asSchema(cur.additionalProperties);
    if (o && c) compareSchema(o, c, at(path, "*"), report);
  }
}

/** Whether `additionalProperties` went from allowing anything to refusing something. */
function closes(old: unknown, cur: unknown): boolean {
  const open = (v: unknown) => v === undefined || v === true || canonical(v) === "{}";
  return open(old) && !open(cur);
}

function compareUnion(key: string, old: unknown, cur: unknown, path: string, report: Report): void {
  if (old === undefined && cur === undefined) return;
  if (!Array.isArray(old) || !Array.isArray(cur)) {
    report(path, old === undefined ? `${key} added` : `${key} removed`);
    return;
  }
  if (key === "allOf" && old.length !== cur.length) {
    report(path, `allOf: ${cur.length > old.length ? "a branch added" : "a branch removed"}`);
    return;
  }
  if (old.length === cur.length) {
    old.forEach((branch, i) => {
      const [o, c] = [asSchema(branch), asSchema(cur[i])];
      if (o && c) compareSchema(o, c, `${path}(${key} ${i})`, report);
    });
    return;
  }
  const branches = new Set(cur.map(canonical));
  const missing = old.filter((b) => !branches.has(canonical(b)));
  if (missing.length > 0) report(path, `${key}: ${missing.length} branch(es) removed or changed`);
}
