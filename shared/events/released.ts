/**
 * The released snapshot (`shared/events/released.json`): the JSON Schemas of the last
 * release, which `npm run schemas:check` holds the registry to, and `npm run
 * schemas:release` rewrites when a release is cut.
 */
import { z } from "zod";
import type { PublishedSchema } from "./json-schema.ts";

/** Where the snapshot lives, from the repository root. */
export const RELEASED_PATH = "shared/events/released.json";

const SnapshotSchema = z.object({
  release: z.string().min(1),
  schemas: z.array(
    z.object({
      schema: z.string().min(1),
      version: z.number().int().positive(),
      type: z.string().min(1),
      stream: z.string().min(1),
      json_schema: z.record(z.string(), z.unknown()),
    }),
  ),
});

export interface ReleasedSnapshot {
  /** The release these schemas shipped in (package.json `version`). */
  release: string;
  schemas: PublishedSchema[];
}

/** Parses the snapshot file's text; throws naming what is wrong. */
export function parseReleased(text: string): ReleasedSnapshot {
  const parsed = SnapshotSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${RELEASED_PATH} is not a schema snapshot: ${parsed.error.message}`);
  return parsed.data;
}
