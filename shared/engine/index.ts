/**
 * The matching engine: pure TypeScript, integers only, deterministic.
 * Durable Objects wrap it; nothing here imports a runtime API.
 */
export { MatchingEngine } from "./engine.ts";
export type * from "./types.ts";
