/**
 * The import rules of the repository (npm run lint:deps).
 * Layers: workers/ (edge) → durable-objects/ → shared/, never back, no cycles.
 * An object is reached through its public surface only: index.ts (the class),
 * contract.ts (the types and messages of its calls), stub.ts (how to address it).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "A cycle means two modules are one concept split in two, or a layer leaks.",
      from: {},
      to: { circular: true },
    },
    {
      name: "objects-do-not-know-the-edge",
      severity: "error",
      comment: "durable-objects/ may not import workers/: move what both need to shared/.",
      from: { path: "^durable-objects/" },
      to: { path: "^workers/" },
    },
    {
      name: "shared-is-pure",
      severity: "error",
      comment: "shared/ imports neither the edge nor the objects.",
      from: { path: "^shared/" },
      to: { path: "^(workers|durable-objects)/" },
    },
    {
      name: "shared-has-no-runtime",
      severity: "error",
      comment:
        "shared/ runs anywhere (Node, workerd, browsers): no cloudflare:* modules. (Binding types such as DurableObjectNamespace are refused by tsconfig.node.json, which typechecks shared/ without the Workers types.)",
      from: { path: "^shared/", pathNot: "\\.test\\.ts$" },
      to: { path: "^cloudflare:" },
    },
    {
      name: "shared-has-no-runtime-core",
      severity: "error",
      comment: "shared/ runs anywhere: no Node built-ins.",
      from: { path: "^shared/", pathNot: "\\.test\\.ts$" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "objects-through-their-surface",
      severity: "error",
      comment: "Outside durable-objects/, import an object's index.ts, contract.ts or stub.ts only.",
      from: { path: "^(workers|shared|scripts)/", pathNot: "\\.test\\.ts$" },
      to: { path: "^durable-objects/[^/]+/", pathNot: "^durable-objects/([^/]+/(index|contract|stub)\\.ts|runtime/)" },
    },
    {
      name: "objects-meet-through-their-surface",
      severity: "error",
      comment:
        "One object imports another's index.ts, contract.ts or stub.ts only; durable-objects/runtime/ is for all.",
      from: { path: "^durable-objects/([^/]+)/", pathNot: "\\.test\\.ts$" },
      to: {
        path: "^durable-objects/[^/]+/",
        pathNot: ["^durable-objects/$1/", "^durable-objects/([^/]+/(index|contract|stub)\\.ts|runtime/)"],
      },
    },
    {
      name: "sdk-stands-alone",
      severity: "error",
      comment: "sdk/ is published on its own: it imports only its own files and its declared packages.",
      from: { path: "^sdk/" },
      to: { path: "^(workers|durable-objects|shared|scripts|bench|test)/" },
    },
    {
      name: "nothing-in-the-repo-depends-on-sdk-internals",
      severity: "error",
      comment: "The repository uses the SDK through its entry points, as a user would (its own tests aside).",
      from: { path: "^(test|bench|scripts|examples)/", pathNot: "^test/sdk/" },
      to: { path: "^sdk/src/", pathNot: "^sdk/src/(index|ccxt/index)\\.ts$" },
    },
    {
      name: "web-is-a-client",
      severity: "error",
      comment:
        "The pages are clients of the API: the SDK through its entry point, their own files and declared packages.",
      from: { path: "^web/" },
      to: { path: "^(workers|durable-objects|shared|scripts|bench|test)/|^sdk/src/(?!index\\.ts$)" },
    },
    {
      name: "production-does-not-import-tests",
      severity: "error",
      from: { path: "^(workers|durable-objects|shared)/", pathNot: "\\.test\\.ts$" },
      to: { path: "(^test/|^bench/|\\.test\\.ts$)" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|\\.wrangler|web/dist)" },
    // TypeScript 7 (the native compiler) has no JS API for dependency-cruiser: swc parses instead.
    parser: "swc",
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
