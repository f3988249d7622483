/**
 * The one place the Postgres driver (`@neondatabase/serverless`) is configured.
 *
 * Production (Neon): `DATABASE_URL` is the Neon connection string and
 * `NEON_WS_PROXY` is unset; the driver opens `wss://<host>/v2` to Neon's proxy.
 *
 * Locally and in tests: `NEON_WS_PROXY` names the WebSocket-to-TCP bridge
 * (`scripts/neon-ws-bridge.ts`, e.g. `127.0.0.1:54330/v2`) in front of a plain
 * Postgres (PGlite for `npm run dev`, a Debian cluster in CI). The driver then
 * opens `ws://127.0.0.1:54330/v2?address=<host>:<port>` (plain `ws:`, the bridge
 * is loopback only), does not pipeline the password (local servers use trust
 * auth, not cleartext passwords) and speaks plain Postgres inside the socket.
 *
 * Workers: create a pool or client inside the request (or queue batch) that
 * uses it and end it before the handler returns (or in `ctx.waitUntil`);
 * WebSockets cannot outlive the request that opened them. `withClient` does that.
 *
 * Numeric columns come back as strings (the driver's default), so amounts
 * round-trip exactly; keep them strings or use `shared/decimal.ts`.
 */
import { Client, neonConfig, Pool, type PoolConfig } from "@neondatabase/serverless";

export interface DbEnv {
  /** `postgres://user:password@host:port/db[?sslmode=require]`; unset = no Postgres configured. */
  DATABASE_URL?: string;
  /** `host:port/path` of a Neon-compatible WebSocket proxy (local bridge); unset on Neon. */
  NEON_WS_PROXY?: string;
}

/** True when a Postgres is configured for this environment. */
export function hasDatabase(env: DbEnv): env is DbEnv & { DATABASE_URL: string } {
  return typeof env.DATABASE_URL === "string" && env.DATABASE_URL.length > 0;
}

function databaseUrl(env: DbEnv): string {
  if (!hasDatabase(env)) throw new Error("DATABASE_URL is not set: no Postgres configured for this environment");
  return env.DATABASE_URL;
}

/**
 * Applies `NEON_WS_PROXY` to the driver's global configuration (an isolate has
 * one `env`, so one setting). Unset: Neon's defaults stay untouched.
 */
export function configureNeon(env: DbEnv): void {
  const proxy = env.NEON_WS_PROXY?.trim();
  if (!proxy) return;
  // The driver appends `?address=<host>:<port>` and puts the scheme in front.
  neonConfig.wsProxy = proxy.replace(/^wss?:\/\//, "");
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
  neonConfig.forceDisablePgSSL = true;
}

/**
 * A pool for this environment; `end()` it when the request or batch is done.
 * Errors of idle connections (the server or proxy going away) are logged, not
 * thrown: an `error` event without a listener would be an uncaught exception.
 */
export function poolFor(env: DbEnv, options: Omit<PoolConfig, "connectionString"> = {}): Pool {
  configureNeon(env);
  const pool = new Pool({ connectionString: databaseUrl(env), ...options });
  pool.on("error", (err: Error) => {
    if (!(pool as { ending?: boolean }).ending) console.warn(`postgres: idle connection failed: ${err.message}`);
  });
  return pool;
}

/**
 * A single (unconnected) client for this environment; `connect()` then `end()`
 * it. Failures reach the caller through the rejected query or `connect()`; the
 * `error` event (also raised when the socket closes after `end()`) is absorbed.
 */
export function clientFor(env: DbEnv): Client {
  configureNeon(env);
  const client = new Client(databaseUrl(env));
  client.on("error", () => {});
  return client;
}

/** Connects a client, runs `fn`, and always ends the connection. */
export async function withClient<T>(env: DbEnv, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = clientFor(env);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK on a throw) on its own connection. */
export function transaction<T>(env: DbEnv, fn: (client: Client) => Promise<T>): Promise<T> {
  return withClient(env, async (client) => {
    await client.query("BEGIN");
    try {
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    }
  });
}
