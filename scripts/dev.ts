/**
 * `npm run dev`: the whole system on this machine with one command and one Ctrl-C.
 * Starts `wrangler dev` (workerd via Miniflare, state under `.wrangler/`), waits
 * until the API answers, seeds the demo accounts (idempotent) and prints their API
 * keys. Secrets exist only in the reply that created a key, so the keys the seed
 * created are kept in `.wrangler/demo-keys.json` (local state, never committed) and
 * printed again at every start. Ctrl-C stops everything it started.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { type DemoKey, seedDemo } from "./seed-demo.ts";

const HOST = "127.0.0.1";
const PORT = Number(process.env.PORT ?? 8787);
const BASE = `http://${HOST}:${PORT}`;
const KEY_FILE = ".wrangler/demo-keys.json";
const TOKEN = process.env.OPERATOR_TOKEN ?? "dev-operator-token";

const wrangler = spawn("wrangler", ["dev", "--ip", HOST, "--port", String(PORT), ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? "false" },
});

let stopping = false;
function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  wrangler.kill(signal);
}
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
wrangler.on("exit", (code) => process.exit(code ?? 0));

async function ready(timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !stopping) {
    try {
      if ((await fetch(`${BASE}/v1/health`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

function storedKeys(): DemoKey[] {
  try {
    return existsSync(KEY_FILE) ? (JSON.parse(readFileSync(KEY_FILE, "utf8")) as DemoKey[]) : [];
  } catch {
    return [];
  }
}

if (await ready(120_000)) {
  try {
    const created = await seedDemo({ base: BASE, token: TOKEN, log: () => {} });
    const keys = [...storedKeys().filter((k) => !created.some((c) => c.account === k.account)), ...created];
    if (created.length > 0) {
      mkdirSync(".wrangler", { recursive: true });
      writeFileSync(KEY_FILE, `${JSON.stringify(keys, null, 2)}\n`);
    }
    console.log(`\nPlatform3 Edge is up on ${BASE} (docs: ${BASE}/docs). Demo accounts, funded:`);
    for (const k of keys) console.log(`  ${k.account.padEnd(6)} api_key ${k.key_id}  api_secret ${k.secret}`);
    if (keys.length === 0) console.log(`  (keys were created before ${KEY_FILE} existed; see the first run's output)`);
    console.log(`Token: curl -s -X POST ${BASE}/v1/auth/token -H 'content-type: application/json' \\`);
    console.log(`         -d '{"api_key":"<api_key>","api_secret":"<api_secret>"}'\n`);
  } catch (err) {
    console.error(`dev: seeding the demo accounts failed: ${(err as Error).message}`);
  }
}
