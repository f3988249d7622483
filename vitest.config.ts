import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

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
        // Worker, Durable Objects and integration tests inside workerd (Miniflare).
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            // Test-only: small feed limits so capacity and slow-consumer paths are reachable.
            miniflare: {
              bindings: {
                FEED_SHARDS: "2",
                FEED_MAX_SOCKETS_PER_SHARD: "5",
                FEED_MAX_SUBSCRIPTIONS: "10",
                FEED_SLOW_SOFT_LIMIT: "100",
                FEED_SLOW_HARD_LIMIT: "300",
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["workers/**/*.test.ts", "durable-objects/**/*.test.ts", "test/workers/**/*.test.ts"],
        },
      },
    ],
  },
});
