import { generateKeyPairSync } from "node:crypto";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
// ProvidedContext keys of the Postgres global setup (databaseUrl, neonWsProxy, …).
import type {} from "./test/global-setup-context.ts";
import type {} from "./test/global-setup-postgres.ts";
import type {} from "./test/global-setup-redis.ts";

/**
 * The tests stand in for Cloudflare's edge: they set `CF-Connecting-IP` as the edge would
 * (CLIENT_IP_SOURCE=cloudflare) and use an operator token and a signing key of their own,
 * not the published development ones, which are accepted only from loopback
 * (shared/auth/dev-credentials.ts; test/workers/review-auth.test.ts tests that).
 */
const testSigningKey = {
  ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }),
  kid: "test-run",
  alg: "EdDSA",
};

export default defineConfig({
  test: {
    // Request logs and warnings print only for tests that fail.
    silent: "passed-only",
    projects: [
      {
        // Pure TypeScript (matching engine, tools) in plain Node.
        test: {
          name: "engine",
          environment: "node",
          include: ["shared/**/*.test.ts", "test/node/**/*.test.ts"],
        },
      },
      {
        // The client package (sdk/) against the Worker and its objects in workerd on a loopback
        // port (bench/runtime.ts), as a trader's program would reach them: `npm run test:sdk`.
        test: {
          name: "sdk",
          environment: "node",
          include: ["test/sdk/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        // The pages in Debian's Chromium (playwright-core) against the Worker with its static assets:
        // the terminal, the console and /docs (`npm run test:browser`). One file at a time: each
        // drives a browser and a workerd of its own, on two cores.
        test: {
          name: "browser",
          environment: "node",
          include: ["test/browser/**/*.test.ts"],
          globalSetup: ["./test/global-setup-web.ts"],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Worker, Durable Objects and integration tests inside workerd (Miniflare).
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                // Test-only: small feed limits so capacity and slow-consumer paths are reachable.
                FEED_SHARDS: "2",
                CLIENT_IP_SOURCE: "cloudflare",
                JWT_SIGNING_KEYS: JSON.stringify([testSigningKey]),
                OPERATOR_TOKEN: "test-operator-token",
                FEED_MAX_SOCKETS_PER_SHARD: "5",
                // Small per-address and per-account socket caps (test/workers/review-ws.test.ts); the
                // feed test client gives every socket an address of its own unless a test names one.
                FEED_MAX_SOCKETS_PER_IP: "4",
                FEED_MAX_SOCKETS_PER_ACCOUNT: "3",
                FEED_MAX_SUBSCRIPTIONS: "10",
                FEED_SLOW_SOFT_LIMIT: "100",
                FEED_SLOW_HARD_LIMIT: "300",
                // A book unreachable for 1 s goes to failover (test/workers/failover.test.ts); its journal settles in 0.2 s.
                FAILOVER_AFTER_MS: "1000",
                FAILOVER_SETTLE_MS: "200",
                // Accounts push their metrics to the hub within a test's patience (test/workers/metrics.test.ts).
                METRICS_PUSH_INTERVAL_MS: "200",
                // The run's Postgres (test/global-setup-postgres.ts), reached through the Neon bridge.
                DATABASE_URL: inject("databaseUrl"),
                NEON_WS_PROXY: inject("neonWsProxy"),
                // The shell's HOSTILE_RUNS reaches the hostile-input suites (process.env inside workerd).
                ...(process.env.HOSTILE_RUNS ? { HOSTILE_RUNS: process.env.HOSTILE_RUNS } : {}),
              },
            },
          })),
        ],
        test: {
          name: "workers",
          // A file's first request starts the isolate, its objects and SQLite: on a loaded
          // 2-core machine that alone has taken over the default 5 s. Speed is the benchmarks' job.
          testTimeout: 15_000,
          // One throwaway Postgres (system packages, else PGlite) + the Neon bridge for the run.
          // …and one throwaway redis-server behind the Upstash bridge (test/global-setup-redis.ts; skips without it).
          globalSetup: ["./test/global-setup-postgres.ts", "./test/global-setup-redis.ts"],
          include: ["workers/**/*.test.ts", "durable-objects/**/*.test.ts", "test/workers/**/*.test.ts"],
        },
      },
    ],
  },
});
