/**
 * `npm run web:preview`: the terminal and the console against a throwaway venue,
 * for working on the pages without `npm run dev`'s database: builds web/ (`web:build`), starts the
 * Worker and its objects in workerd with static assets (bench/runtime.ts), seeds the demo accounts
 * (alice, bob) and prints their keys. Ctrl-C stops it and deletes its state.
 */
import { execFileSync } from "node:child_process";
import { startServer, stopServer } from "../bench/runtime.ts";
import { seedDemo } from "./seed-demo.ts";

execFileSync("npm", ["run", "--silent", "web:build"], { stdio: "inherit" });
const server = await startServer({
  runtime: "miniflare",
  label: "web-preview",
  assets: true,
  // The browser sends no CF-Connecting-IP: it is loopback, where the demo sign-in works.
  vars: { CLIENT_IP_SOURCE: "local" },
});
const keys = await seedDemo({ base: server.base, token: "dev-operator-token", log: () => {} });
console.log(`web-preview: terminal ${server.base}/  console ${server.base}/console  docs ${server.base}/docs`);
for (const key of keys) console.log(`  ${key.account}: ${key.key_id} ${key.secret}`);
console.log("  operator token: dev-operator-token");
const stop = () => {
  stopServer();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
