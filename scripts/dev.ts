/**
 * `npm run dev`: the whole system on this machine with one command and one Ctrl-C.
 *
 * 0. Builds the web terminal and the operator console into web/dist/ (`npm run web:build`), which
 *    wrangler serves as static assets at `/` and `/console` (a failed build leaves the API running).
 * 1. Postgres: unless `DATABASE_URL` is set, the embedded one (scripts/pg-local.ts):
 *    PGlite with its data in `.data/pglite/` on 127.0.0.1:54329, migrated with dbmate,
 *    and the Neon WebSocket bridge in front of it. With `DATABASE_URL` set, that
 *    database is used as it is (run `npm run db:migrate` for it): on Neon directly,
 *    any other Postgres through a bridge started here (or `NEON_WS_PROXY` if set).
 * 2. `wrangler dev` (workerd via Miniflare, state under `.wrangler/`) with
 *    `--var DATABASE_URL:… --var NEON_WS_PROXY:…`, and the Upstash variables when
 *    `UPSTASH_REDIS_REST_URL` is set (else the Workers-native rate limiter).
 * 3. Waits until the API answers, seeds the demo accounts (idempotent) and prints
 *    their API keys. Secrets exist only in the reply that created a key, so the keys
 *    the seed created are kept in `.wrangler/demo-keys.json` (local state, never
 *    committed) and printed again at every start.
 *
 * Ctrl-C (or SIGTERM) stops wrangler, the bridge and the database, then exits.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { startNeonWsBridge } from "./neon-ws-bridge.ts";
import { LOCAL_DATA_DIR, startLocalStack } from "./pg-local.ts";
import { type DemoKey, seedDemo } from "./seed-demo.ts";

const HOST = "127.0.0.1";
const PORT = Number(process.env.PORT ?? 8787);
const BASE = `http://${HOST}:${PORT}`;
const KEY_FILE = ".wrangler/demo-keys.json";
const TOKEN = process.env.OPERATOR_TOKEN ?? "dev-operator-token";

/** Stops what was started, newest first. */
const cleanups: (() => Promise<void>)[] = [];
let wrangler: ChildProcess | undefined;
let stopping = false;
let setupDone: Promise<unknown> = Promise.resolve();

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (wrangler && wrangler.exitCode === null && wrangler.signalCode === null) {
    const exited = new Promise((r) => wrangler?.once("exit", r));
    wrangler.kill("SIGINT");
    const timer = setTimeout(() => wrangler?.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await setupDone.catch(() => {});
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (err) {
      console.error(`dev: stopping: ${(err as Error).message}`);
    }
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable DATABASE_URL)";
  }
}

/** `--var` arguments for Postgres, after starting whatever it needs. */
async function database(): Promise<string[]> {
  const own = process.env.DATABASE_URL;
  if (own) {
    const u = new URL(own);
    if (process.env.NEON_WS_PROXY) {
      console.log(`dev: Postgres ${redact(own)} through NEON_WS_PROXY ${process.env.NEON_WS_PROXY}`);
      return ["--var", `DATABASE_URL:${own}`, "--var", `NEON_WS_PROXY:${process.env.NEON_WS_PROXY}`];
    }
    if (u.hostname.endsWith(".neon.tech")) {
      console.log(`dev: Postgres on Neon ${redact(own)} (migrations: npm run db:migrate)`);
      return ["--var", `DATABASE_URL:${own}`];
    }
    const bridge = await startNeonWsBridge({ pgHost: u.hostname, pgPort: Number(u.port || 5432) });
    cleanups.push(() => bridge.close());
    console.log(
      `dev: Postgres ${redact(own)} through the Neon bridge ${bridge.wsProxy} (migrations: npm run db:migrate)`,
    );
    return ["--var", `DATABASE_URL:${own}`, "--var", `NEON_WS_PROXY:${bridge.wsProxy}`];
  }
  const stack = await startLocalStack();
  cleanups.push(() => stack.stop());
  console.log(
    `dev: Postgres embedded (${stack.server.version}, data in ${LOCAL_DATA_DIR}) on ${stack.databaseUrl}, Neon bridge ${stack.neonWsProxy}`,
  );
  return ["--var", `DATABASE_URL:${stack.databaseUrl}`, "--var", `NEON_WS_PROXY:${stack.neonWsProxy}`];
}

function redis(): string[] {
  const url = process.env.UPSTASH_REDIS_REST_URL;
  if (!url) return [];
  console.log(`dev: Redis ${url} (UPSTASH_REDIS_REST_URL)`);
  return [
    "--var",
    `UPSTASH_REDIS_REST_URL:${url}`,
    ...(process.env.UPSTASH_REDIS_REST_TOKEN
      ? ["--var", `UPSTASH_REDIS_REST_TOKEN:${process.env.UPSTASH_REDIS_REST_TOKEN}`]
      : []),
  ];
}

const web = spawnSync("npm", ["run", "--silent", "web:build"], { stdio: "inherit" });
if (web.status !== 0)
  console.error("dev: building web/ failed: the API runs, / and /console do not (npm run web:build)");

const setup = database();
setupDone = setup;
let vars: string[];
try {
  vars = [...(await setup), ...redis()];
} catch (err) {
  console.error(`dev: starting Postgres failed: ${(err as Error).message}`);
  await shutdown(1);
  throw err;
}
if (stopping) await new Promise(() => {}); // Ctrl-C during setup: shutdown() exits.

wrangler = spawn("wrangler", ["dev", "--ip", HOST, "--port", String(PORT), ...vars, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? "false" },
});
wrangler.on("exit", (code) => void shutdown(code ?? 0));

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
    console.log(`\nPlatform3 Edge is up on ${BASE}: terminal ${BASE}/  console ${BASE}/console  docs ${BASE}/docs`);
    console.log("Demo accounts, funded (the terminal offers them on its sign-in page):");
    for (const k of keys) console.log(`  ${k.account.padEnd(6)} api_key ${k.key_id}  api_secret ${k.secret}`);
    if (keys.length === 0) console.log(`  (keys were created before ${KEY_FILE} existed; see the first run's output)`);
    console.log(`Token: curl -s -X POST ${BASE}/v1/auth/token -H 'content-type: application/json' \\`);
    console.log(`         -d '{"api_key":"<api_key>","api_secret":"<api_secret>"}'\n`);
  } catch (err) {
    console.error(`dev: seeding the demo accounts failed: ${(err as Error).message}`);
  }
}
