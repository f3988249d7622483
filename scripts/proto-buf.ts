/**
 * Runs the buf CLI of `@bufbuild/buf` (node_modules/.bin/buf) from the repository root, with
 * node_modules/.bin first on the PATH so `buf generate` finds `protoc-gen-es`
 * (buf.gen.yaml). Used by `npm run proto:check` and test/node/proto.test.ts.
 */
import { spawnSync } from "node:child_process";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The committed image of the last released definitions (`npm run proto:release` writes it). */
export const RELEASED_IMAGE = "proto/released.binpb";

/** Where `npm run proto:gen` writes the TypeScript (buf.gen.yaml `out`). */
export const GENERATED_DIR = "shared/proto/gen";

export interface BufResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `buf <args>` in `cwd` (default: the root) and returns its exit status and output. */
export function buf(args: string[], cwd: string = ROOT): BufResult {
  const bin = join(ROOT, "node_modules", ".bin");
  const result = spawnSync(join(bin, "buf"), args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` },
  });
  if (result.error) {
    throw new Error(`buf could not run (${result.error.message}): run npm install (it ships @bufbuild/buf's binary)`);
  }
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}
