/**
 * `@platform3/client`: the TypeScript client of the Platform3 Edge trading API.
 * Runs in Node 22, browsers and Workers (fetch, WebSocket and Web Crypto only).
 * See sdk/README.md.
 */

export * from "./auth/index.ts";
export * from "./errors.ts";
export type { components, operations, paths } from "./generated/openapi.ts";
export * from "./rest/index.ts";
export * from "./ws/index.ts";
