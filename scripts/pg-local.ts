/**
 * The embedded Postgres of `npm run dev`: PGlite (Postgres compiled to WASM)
 * with its data in `.data/pglite/` (git-ignored, kept between runs), served on
 * the Postgres wire protocol on 127.0.0.1:54329 by `@electric-sql/pglite-socket`,
 * with the Neon WebSocket bridge in front for the Worker.
 *
 * CLI (`node --experimental-strip-types scripts/pg-local.ts <command>`):
 * - `migrate` (`npm run db:migrate`): dbmate applies `migrations/` to
 *   `$DATABASE_URL` when set (e.g. Neon), else to the local database: the running
 *   one if `npm run dev` holds the port, else PGlite is opened just for this.
 * - `serve` (`npm run db:local`): the local database, migrated, and the bridge,
 *   until Ctrl-C; prints DATABASE_URL and NEON_WS_PROXY (for psql, dbmate, tools).
 */
import { mkdirSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type NeonWsBridge, startNeonWsBridge } from "./neon-ws-bridge.ts";
import { dbmate, type PostgresServer, REPO_ROOT, startPgliteServer } from "./postgres-server.ts";

export const LOCAL_PG_PORT = Number(process.env.PG_LOCAL_PORT ?? 54329);
export const LOCAL_DATA_DIR = join(REPO_ROOT, ".data", "pglite");
export const LOCAL_DATABASE_URL = `postgres://postgres@127.0.0.1:${LOCAL_PG_PORT}/postgres?sslmode=disable`;

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((r) => {
    const s = connect({ host, port });
    s.once("connect", () => {
      s.destroy();
      r(true);
    });
    s.once("error", () => r(false));
  });
}

/** PGlite on `.data/pglite/`, served on 127.0.0.1:54329 (`PG_LOCAL_PORT`). Refuses a busy port. */
export async function startLocalPostgres(options: { dataDir?: string; port?: number } = {}): Promise<PostgresServer> {
  const port = options.port ?? LOCAL_PG_PORT;
  if (await portInUse(port)) {
    throw new Error(
      `127.0.0.1:${port} is in use (another \`npm run dev\`?). Stop it, or set PG_LOCAL_PORT, or DATABASE_URL to use a Postgres of your own.`,
    );
  }
  const dataDir = options.dataDir ?? LOCAL_DATA_DIR;
  mkdirSync(dataDir, { recursive: true });
  return startPgliteServer({ dataDir, port });
}

export interface LocalStack {
  server: PostgresServer;
  bridge: NeonWsBridge;
  databaseUrl: string;
  neonWsProxy: string;
  stop(): Promise<void>;
}

/**
 * The local database, migrated, with the bridge in front. `dataDir` and `port`
 * default to `.data/pglite/` and 54329 (`npm run test:e2e` passes a temporary directory and a free port).
 */
export async function startLocalStack(
  options: { quiet?: boolean; dataDir?: string; port?: number } = {},
): Promise<LocalStack> {
  const server = await startLocalPostgres({ dataDir: options.dataDir, port: options.port });
  let bridge: NeonWsBridge | undefined;
  try {
    await dbmate(server.url, ["migrate"], { quiet: options.quiet });
    bridge = await startNeonWsBridge({ pgHost: server.host, pgPort: server.port });
  } catch (err) {
    await server.stop();
    throw err;
  }
  const b = bridge;
  return {
    server,
    bridge: b,
    databaseUrl: server.url,
    neonWsProxy: b.wsProxy,
    stop: async () => {
      await b.close();
      await server.stop();
    },
  };
}

async function migrateCommand(): Promise<void> {
  const report = (output: string): void => {
    if (!/Applied:/.test(output)) console.log("db:migrate: no pending migrations");
  };
  const url = process.env.DATABASE_URL;
  if (url) {
    console.log(`db:migrate: applying migrations/ to $DATABASE_URL (${new URL(url).host})`);
    report(await dbmate(url, ["migrate"]));
    return;
  }
  if (await portInUse(LOCAL_PG_PORT)) {
    console.log(`db:migrate: applying migrations/ to the running local database (${LOCAL_DATABASE_URL})`);
    report(await dbmate(LOCAL_DATABASE_URL, ["migrate"]));
    return;
  }
  console.log(`db:migrate: opening the local database in ${LOCAL_DATA_DIR}`);
  const server = await startLocalPostgres();
  try {
    report(await dbmate(server.url, ["migrate"]));
  } finally {
    await server.stop();
  }
}

async function serveCommand(): Promise<void> {
  const stack = await startLocalStack();
  console.log(`PGlite (${LOCAL_DATA_DIR}) on 127.0.0.1:${stack.server.port}, Neon bridge on ${stack.neonWsProxy}`);
  console.log(`DATABASE_URL=${stack.databaseUrl}`);
  console.log(`NEON_WS_PROXY=${stack.neonWsProxy}`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void stack.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  try {
    if (command === "migrate") await migrateCommand();
    else if (command === "serve") await serveCommand();
    else {
      console.error("usage: pg-local.ts migrate | serve");
      process.exit(2);
    }
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
