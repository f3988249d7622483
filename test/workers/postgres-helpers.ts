/** Helpers for workers tests against the run's real Postgres (test/global-setup-postgres.ts). */
import { env } from "cloudflare:workers";
import { withClient } from "../../shared/db/neon.ts";

/** Whether the run has a Postgres (the tests that need one skip without it). */
export const hasDb = typeof env.DATABASE_URL === "string" && env.DATABASE_URL.length > 0;

/** Rows of one query, on a connection of its own through the Neon driver. */
export async function sql<R>(text: string, params: unknown[] = []): Promise<R[]> {
  return withClient(env, async (client) => (await client.query(text, params)).rows as R[]);
}

/** Polls `probe` every 100 ms until it returns a value (the pipeline trails the objects). */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
