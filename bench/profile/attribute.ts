/**
 * Where a CPU profile of the Worker's isolate spent its time, by component:
 * each sample goes to the area it ran in (the edge Worker, an object class, the
 * queue consumer: the outermost frame of ours on its stack) and to a part of it
 * (the edge's middleware, route or library; an object's module; SQLite, by
 * statement when the run had `SQL_PROFILE` on). Frames are mapped to source
 * modules with the `// path/to/module.ts` lines esbuild writes into the bundle.
 */
import type { CpuProfile, ProfileNode } from "./inspector.ts";

/** A statement of the isolate's SQL profile (`GET /v1/bench/sql`). */
export interface StatementStats {
  text: string;
  table: string;
  slot: number;
  calls: number;
  rowsRead: number;
  rowsWritten: number;
}

export interface Attribution {
  /** µs of samples by area, then part. */
  areas: Map<string, Map<string, number>>;
  /** µs inside SQLite by statement slot (-1: `transactionSync` itself, the savepoint and its release; -2: statements outside the profiler). */
  sqlBySlot: Map<number, number>;
  /** µs with the isolate idle, and busy. */
  idleUs: number;
  busyUs: number;
}

/** Bundle line (0-based) → the source module esbuild put there. */
export function moduleMap(bundle: string): (line: number) => string | undefined {
  const marks: Array<[number, string]> = [];
  bundle.split("\n").forEach((text, line) => {
    const m = /^\/\/ ((?:node_modules\/)?(?:@[^/\s]+\/)?[^\s]+\.(?:ts|js|mjs|cjs))$/.exec(text);
    if (m) marks.push([line, (m[1] as string).replace(/^node_modules\/(\.pnpm\/)?/, "")]);
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found: string | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [at, name] = marks[mid] as [number, string];
      if (at <= line) {
        found = name;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/**
 * The positions (0-based line, column) of the statement call sites of
 * durable-objects/runtime/sql-profile.ts in the bundle, in slot order.
 */
export function slotPositions(bundle: string): Array<[line: number, column: number]> {
  const lines = bundle.split("\n");
  const start = lines.indexOf("// durable-objects/runtime/sql-profile.ts");
  if (start < 0) return [];
  const positions: Array<[number, number]> = [];
  for (let line = start + 1; line < lines.length && !lines[line]?.startsWith("// "); line++) {
    const text = lines[line] as string;
    const re = /\(\w+, \w+, \w+\) => drain\d*\(/g;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) positions.push([line, m.index]);
  }
  return positions;
}

/** The area a source module belongs to, or undefined for shared code, libraries and helpers. */
function areaOfModule(module: string): string | undefined {
  if (module.startsWith("workers/api/")) return "edge";
  if (module.startsWith("workers/consumer/")) return "queue consumer";
  const object = /^durable-objects\/([^/]+)\//.exec(module)?.[1];
  switch (object) {
    case "account":
      return "Account object";
    case "order-book":
      return "OrderBook object";
    case "feed":
      return "feed shards";
    case "rate-limiter":
      // The limiter object exists for the edge's rate-limit middleware: its time is that middleware's.
      return "edge";
    case "fees":
      return "fees object";
    case "instrument-registry":
      return "instrument registry";
    default:
      return undefined;
  }
}

const LIBRARY_PARTS: Array<[RegExp, string]> = [
  [/^jose\//, "auth"],
  [/^(zod|@hono\/zod-openapi|@hono\/zod-validator)\//, "validation"],
  [/^hono\//, "framework (hono)"],
  [/^@upstash\//, "redis client"],
  [/^@neondatabase\//, "postgres client"],
  [/^durable-utils\//, "durable-utils"],
];

/** The part of `area` a frame of `module` is, or undefined when the frame says nothing. */
function partOfModule(area: string, module: string): string | undefined {
  for (const [re, part] of LIBRARY_PARTS) if (re.test(module)) return part;
  if (area === "edge") {
    const middleware = /^workers\/api\/middleware\/([^/]+)\//.exec(module)?.[1];
    if (middleware)
      return middleware === "rate-limit" ? "rate limit" : middleware === "logger" ? "logging" : middleware;
    if (module.startsWith("durable-objects/rate-limiter/")) return "rate limit";
    if (module.startsWith("workers/api/auth/") || module.startsWith("shared/auth/")) return "auth";
    if (module.startsWith("workers/api/openapi/") || module === "workers/api/validation.ts") return "validation";
    const route = /^workers\/api\/routes\/([^/]+)\.ts$/.exec(module)?.[1];
    if (route) return `route: ${route}`;
    if (module.startsWith("workers/api/redis/")) return "redis";
    if (module.startsWith("workers/api/")) return module.slice("workers/api/".length).replace(/\.ts$/, "");
  }
  if (module.startsWith("shared/")) return module.replace(/\/[^/]+\.ts$/, "").replace(/\.ts$/, "");
  const inObject = /^durable-objects\/[^/]+\/(.+)\.ts$/.exec(module)?.[1];
  if (inObject) return inObject;
  if (module.startsWith("workers/consumer/")) return module.slice("workers/consumer/".length).replace(/\.ts$/, "");
  return undefined;
}

/**
 * Attributes every sample of `profile`. `module` maps a bundle line to its source module;
 * `slots` are the statement call sites ({@link slotPositions}).
 */
export function attribute(
  profile: CpuProfile,
  module: (line: number) => string | undefined,
  slots: ReadonlyArray<readonly [number, number]>,
): Attribution {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const slotAt = new Map<string, number>();
  slots.forEach(([line, column], i) => {
    slotAt.set(`${line}:${column}`, i);
  });
  const moduleOf = (n: ProfileNode) => (n.callFrame.url ? module(n.callFrame.lineNumber) : undefined);

  // Each node's classification, computed once (many samples share a node).
  const memo = new Map<number, { area: string; part: string; slot: number | undefined }>();
  const classify = (leaf: ProfileNode) => {
    const seen = memo.get(leaf.id);
    if (seen) return seen;
    let area: string | undefined;
    let part: string | undefined;
    let slot: number | undefined;
    // Native SQLite work: a statement's call site on the stack, or the storage API itself at the leaf.
    const leafName = leaf.callFrame.url ? "" : leaf.callFrame.functionName;
    const inSql = leafName === "exec" || leafName === "toArray" || leafName === "transactionSync";
    for (let at: number | undefined = leaf.id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (!n) break;
      const f = n.callFrame;
      const mod = moduleOf(n);
      if (mod === "durable-objects/runtime/sql-profile.ts" && slot === undefined) {
        const i = slotAt.get(`${f.lineNumber}:${f.columnNumber}`);
        if (i !== undefined) slot = i;
      }
      if (mod === undefined) continue;
      const a = areaOfModule(mod);
      if (a !== undefined) area = a; // the outermost wins: keep overwriting on the way up
    }
    // The part: the leaf-most frame that names one, in the area found.
    if (area !== undefined) {
      for (let at: number | undefined = leaf.id; at !== undefined && part === undefined; at = parent.get(at)) {
        const n = byId.get(at);
        if (!n) break;
        const mod = moduleOf(n);
        if (mod !== undefined && !mod.startsWith("durable-objects/runtime/sql")) {
          part = partOfModule(area, mod);
        }
      }
    }
    const result = {
      area: area ?? "runtime",
      part: inSql || slot !== undefined ? "SQLite" : (part ?? (area ? "other" : runtimePart(leaf))),
      slot: slot ?? (inSql ? (leafName === "transactionSync" ? -1 : -2) : undefined),
    };
    memo.set(leaf.id, result);
    return result;
  };

  const areas = new Map<string, Map<string, number>>();
  const sqlBySlot = new Map<number, number>();
  let idleUs = 0;
  let busyUs = 0;
  profile.samples.forEach((nodeId, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(nodeId);
    if (!node) return;
    if (node.callFrame.functionName === "(idle)") {
      idleUs += dt;
      return;
    }
    busyUs += dt;
    const { area, part, slot } = classify(node);
    let parts = areas.get(area);
    if (!parts) {
      parts = new Map();
      areas.set(area, parts);
    }
    parts.set(part, (parts.get(part) ?? 0) + dt);
    if (slot !== undefined) sqlBySlot.set(slot, (sqlBySlot.get(slot) ?? 0) + dt);
  });
  return { areas, sqlBySlot, idleUs, busyUs };
}

/** A sample outside all of our frames: V8's pseudo-frames, or a library or builtin alone on the stack. */
function runtimePart(leaf: ProfileNode): string {
  const name = leaf.callFrame.functionName;
  if (name === "(garbage collector)") return "garbage collector";
  if (name === "(program)") return "(program): native work outside JavaScript";
  return "libraries and builtins without a frame of ours";
}
