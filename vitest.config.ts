import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
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
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
        test: {
          name: "workers",
          include: ["workers/**/*.test.ts", "durable-objects/**/*.test.ts", "test/workers/**/*.test.ts"],
        },
      },
    ],
  },
});
