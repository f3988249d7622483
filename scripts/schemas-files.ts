/**
 * File access shared by the schema scripts (`schemas:write`, `schemas:check`,
 * `schemas:release`) and their tests: the committed docs/events/ files, the released
 * snapshot, and Biome to format what the scripts write.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseReleased, RELEASED_PATH, type ReleasedSnapshot } from "../shared/events/released.ts";

export const ROOT = join(import.meta.dirname, "..");
export const EVENTS_DOCS = join(ROOT, "docs", "events");

/** The committed files of docs/events/ (name → text); empty when the folder does not exist. */
export function committedDocFiles(dir = EVENTS_DOCS): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir).sort()) files.set(name, readFileSync(join(dir, name), "utf8"));
  return files;
}

/** The released snapshot, or undefined before the first release. */
export function readReleased(root = ROOT): ReleasedSnapshot | undefined {
  const path = join(root, RELEASED_PATH);
  return existsSync(path) ? parseReleased(readFileSync(path, "utf8")) : undefined;
}

/** Formats `files` with the repository's Biome, as `biome check` expects them. */
export function biomeFormat(files: readonly string[]): void {
  if (files.length === 0) return;
  const biome = join(ROOT, "node_modules", ".bin", "biome");
  const run = spawnSync(biome, ["format", "--write", ...files], { cwd: ROOT, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`biome format failed: ${run.stderr || run.stdout}`);
}
