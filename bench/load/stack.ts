/**
 * The local stack of the load run: a fresh Postgres (a real cluster from the system
 * packages when installed, else the embedded PGlite), migrated, with the Neon
 * WebSocket bridge in front; a throwaway redis-server behind the Upstash bridge and
 * the outage switch when installed; and the Worker with its objects and its Queue
 * consumer in workerd (bench/runtime.ts: Miniflare by default, `wrangler dev` with
 * `--runtime wrangler-dev`), configured for load:
 * - `RATE_LIMITS` large enough for the run's traders (the limiter itself still runs);
 * - `BENCH_ROUTES` for the no-op route the order route is compared with;
 * - `FAULT_ROUTES` with `--faults`;
 * - `EVENTS_RETRY_DELAY_SECONDS=1`: a batch refused during a Postgres outage comes back soon.
 * `vars` (optional) are added last, over these (bench:geo's regions, relays and failover).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NeonWsBridge, startNeonWsBridge } from "../../scripts/neon-ws-bridge.ts";
import { startLocalStack } from "../../scripts/pg-local.ts";
import { dbmate, findPostgresBin, startPostgresServer } from "../../scripts/postgres-server.ts";
import { findRedisServer, freePort } from "../../scripts/redis-server.ts";
import { type SwitchedRedis, startSwitchedRedis } from "../../scripts/redis-switch.ts";
import { type Runtime, startServer, stopServer } from "../runtime.ts";

/** Budgets per API key and per client IP for the run (each trader has its own IP). */
export const LOAD_RATE_LIMITS = {
  ip: { limit: 60_000, window: "1m" },
  key: { limit: 60_000, window: "1m" },
  classes: {
    order_entry: { limit: 10_000, window: "10s" },
    cancel: { limit: 10_000, window: "10s" },
    account: { limit: 60_000, window: "1m" },
    admin: { limit: 60_000, window: "1m" },
  },
  authAttempts: { limit: 1_000, window: "1m" },
  // Per account, across its keys and sockets (the Account objects enforce these): 1,000 orders/s each,
  // bursts of 60,000 (the fastest a budget may refill is one unit per ms).
  accountOrders: { limit: 60_000, window: "1m" },
  accountCancels: { limit: 60_000, window: "1m" },
};

export interface LoadStack {
  base: string;
  databaseUrl: string;
  neonWsProxy: string;
  postgres: string;
  bridge: NeonWsBridge;
  redis: SwitchedRedis | undefined;
  stop(): Promise<void>;
}

export async function startLoadStack(o: {
  runtime: Runtime;
  faults: boolean;
  verbose: boolean;
  vars?: Record<string, string>;
}): Promise<LoadStack> {
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const tmp = mkdtempSync(join(tmpdir(), "p3-load-"));
    cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
    let db: { databaseUrl: string; neonWsProxy: string; bridge: NeonWsBridge; what: string };
    const bin = process.env.LOAD_POSTGRES === "pglite" ? undefined : findPostgresBin();
    if (bin) {
      const pg = await startPostgresServer({ bin });
      cleanups.push(() => pg.stop());
      await dbmate(pg.url, ["up"], { quiet: true });
      const bridge = await startNeonWsBridge({ pgHost: pg.host, pgPort: pg.port });
      cleanups.push(() => bridge.close());
      db = { databaseUrl: pg.url, neonWsProxy: bridge.wsProxy, bridge, what: pg.version };
    } else {
      const stack = await startLocalStack({ quiet: true, dataDir: join(tmp, "pglite"), port: await freePort() });
      cleanups.push(() => stack.stop());
      db = {
        databaseUrl: stack.databaseUrl,
        neonWsProxy: stack.neonWsProxy,
        bridge: stack.bridge,
        what: stack.server.version,
      };
    }
    let redis: SwitchedRedis | undefined;
    if (findRedisServer() && process.env.LOAD_REDIS !== "off") {
      redis = await startSwitchedRedis(`load-${process.pid}`);
      const r = redis;
      cleanups.push(() => r.close());
    }
    const vars: Record<string, string> = {
      DATABASE_URL: db.databaseUrl,
      NEON_WS_PROXY: db.neonWsProxy,
      RATE_LIMITS: JSON.stringify(LOAD_RATE_LIMITS),
      BENCH_ROUTES: "true",
      EVENTS_RETRY_DELAY_SECONDS: "1",
      ...(o.faults ? { FAULT_ROUTES: "true" } : {}),
      ...(redis ? { UPSTASH_REDIS_REST_URL: redis.url, UPSTASH_REDIS_REST_TOKEN: redis.token } : {}),
      ...o.vars,
    };
    const server = await startServer({ runtime: o.runtime, verbose: o.verbose, label: "bench-load", vars });
    cleanups.push(async () => stopServer());
    return {
      base: server.base,
      databaseUrl: db.databaseUrl,
      neonWsProxy: db.neonWsProxy,
      postgres: db.what,
      bridge: db.bridge,
      redis,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
