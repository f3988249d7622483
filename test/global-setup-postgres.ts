/**
 * Vitest globalSetup of the `workers` project: one throwaway Postgres for the
 * run, migrated with dbmate, behind the Neon WebSocket bridge.
 *
 * A real Postgres from the system packages when installed (Debian `postgresql`;
 * always in CI, where `.ci/run` installs it), else PGlite in memory served on
 * the wire protocol, so `npm test` passes with nothing installed. The run's
 * output says which one. `DATABASE_URL` and `NEON_WS_PROXY` reach the Worker
 * as Miniflare bindings (vitest.config.ts); everything stops at the end.
 */
import type { TestProject } from "vitest/node";
import { startNeonWsBridge } from "../scripts/neon-ws-bridge.ts";
import { dbmate, startTestPostgres } from "../scripts/postgres-server.ts";
import type {} from "./global-setup-context.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const pg = await startTestPostgres();
  let bridge: Awaited<ReturnType<typeof startNeonWsBridge>> | undefined;
  try {
    await dbmate(pg.url, ["up"], { quiet: true });
    bridge = await startNeonWsBridge({ pgHost: pg.host, pgPort: pg.port });
  } catch (err) {
    await bridge?.close();
    await pg.stop();
    throw err;
  }
  const fallback = pg.kind === "pglite" ? " — FALLBACK: install postgresql to test against a real server" : "";
  console.log(
    `[postgres] ${pg.version} (${pg.kind}) on 127.0.0.1:${pg.port}, Neon bridge ${bridge.wsProxy}, migrated in ${Date.now() - started} ms${fallback}`,
  );
  project.provide("databaseUrl", pg.url);
  project.provide("neonWsProxy", bridge.wsProxy);
  project.provide("postgresKind", pg.kind);
  project.provide("postgresVersion", pg.version);
  const stopBridge = bridge;
  return async () => {
    await stopBridge.close();
    await pg.stop();
  };
}
