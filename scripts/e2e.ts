/**
 * `npm run test:e2e`: the local stack as `npm run dev` runs it, driven end to end
 * through its public interfaces only (test/e2e/journey.ts), then stopped.
 *
 * 1. Postgres, fresh: a throwaway real cluster from the system packages when they
 *    are installed (`PG_BIN`, Debian `postgresql`; always in CI), else the embedded
 *    PGlite of `npm run dev` in a temporary data directory on a free port
 *    (`E2E_POSTGRES=pglite` forces it). Migrated with dbmate, the Neon WebSocket
 *    bridge in front (scripts/postgres-server.ts, scripts/pg-local.ts).
 * 2. `wrangler dev` on 127.0.0.1:<free port> with `--var DATABASE_URL:… --var
 *    NEON_WS_PROXY:…` as `npm run dev` passes them, its state in a temporary
 *    `--persist-to` directory, its inspector on a free port.
 * 3. Waits for `GET /v1/health`, runs the journey, stops wrangler (and its workerd),
 *    the bridge and Postgres, deletes the temporary directories; exit 0 when the
 *    journey passed, 1 otherwise.
 *
 * `--stack-only` starts the stack and keeps it until Ctrl-C (to run the journey
 * by hand: `node --experimental-strip-types test/e2e/cli.ts --url … --tag 2`).
 * `E2E_VERBOSE=1` shows wrangler's output (else only its last lines, on failure).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runJourney } from "../test/e2e/journey.ts";
import { startNeonWsBridge } from "./neon-ws-bridge.ts";
import { startLocalStack } from "./pg-local.ts";
import { dbmate, findPostgresBin, REPO_ROOT, startPostgresServer } from "./postgres-server.ts";
import { freePort } from "./redis-server.ts";

const HOST = "127.0.0.1";
const OPERATOR_TOKEN = process.env.OPERATOR_TOKEN ?? "dev-operator-token";
const verbose = process.env.E2E_VERBOSE === "1";
const stackOnly = process.argv.includes("--stack-only");

const started = Date.now();
const log = (line: string): void =>
  console.log(`e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s ${line}`);

/** Stops what was started, newest first. */
const cleanups: (() => Promise<void>)[] = [];
let stopping: Promise<void> | undefined;

function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        console.error(`e2e: stopping: ${(err as Error).message}`);
      }
    }
  })();
  return stopping;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void stopAll().then(() => process.exit(130)));
}

/** A fresh, migrated Postgres with the Neon bridge in front: `--var` values for wrangler. */
async function database(tmp: string): Promise<{ databaseUrl: string; neonWsProxy: string; what: string }> {
  const bin = process.env.E2E_POSTGRES === "pglite" ? undefined : findPostgresBin();
  if (!bin) {
    if (process.env.CI && process.env.E2E_POSTGRES !== "pglite") {
      throw new Error("Postgres is required in CI: apt-get install -y postgresql (or set PG_BIN).");
    }
    const stack = await startLocalStack({ quiet: true, dataDir: join(tmp, "pglite"), port: await freePort() });
    cleanups.push(() => stack.stop());
    return { databaseUrl: stack.databaseUrl, neonWsProxy: stack.neonWsProxy, what: stack.server.version };
  }
  const pg = await startPostgresServer({ bin });
  cleanups.push(() => pg.stop());
  await dbmate(pg.url, ["up"], { quiet: true });
  const bridge = await startNeonWsBridge({ pgHost: pg.host, pgPort: pg.port });
  cleanups.push(() => bridge.close());
  return { databaseUrl: pg.url, neonWsProxy: bridge.wsProxy, what: pg.version };
}

/**
 * Runs `$1…` (wrangler) in this process group and stops the whole group (wrangler,
 * workerd, esbuild) when stdin closes: when we close it, and also when this process
 * dies without cleaning up. SIGINT first (wrangler stops workerd itself), SIGKILL
 * after 10 s. Same idea as the Postgres watchdog in scripts/postgres-server.ts.
 */
const WATCHDOG = `"$@" <&- & pid=$!
trap : INT TERM
while kill -0 "$pid" 2>/dev/null; do
  if read -r -t 1 _; then :; elif [ $? -le 128 ]; then break; fi
done
kill -INT -- -$$ 2>/dev/null
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -KILL -- -$$ 2>/dev/null`;

/** `wrangler dev` as `npm run dev` starts it, on free ports with fresh state, under the watchdog. */
async function startWrangler(
  tmp: string,
  vars: string[],
): Promise<{ base: string; child: ChildProcess; tail: () => string }> {
  const port = await freePort();
  const inspector = await freePort();
  const args = [
    "dev",
    "--ip",
    HOST,
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--persist-to",
    join(tmp, "wrangler-state"),
    "--show-interactive-dev-session=false",
    ...vars,
  ];
  const wrangler = join(REPO_ROOT, "node_modules", ".bin", "wrangler");
  const child = spawn("/bin/bash", ["-c", WATCHDOG, "wrangler-watchdog", wrangler, ...args], {
    cwd: REPO_ROOT,
    // A process group of its own: a Ctrl-C reaches us, and we stop the group in order.
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" },
  });
  let output = "";
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-20_000);
    if (verbose) process.stdout.write(d);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  cleanups.push(async () => {
    if (alive()) {
      child.stdin?.end();
      const timer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, 15_000);
      await exited;
      clearTimeout(timer);
    }
  });
  return { base: `http://${HOST}:${port}`, child, tail: () => output.split("\n").slice(-40).join("\n") };
}

async function ready(base: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error("wrangler dev exited");
    try {
      if ((await fetch(`${base}/v1/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${base}/v1/health did not answer within ${timeoutMs} ms`);
}

async function main(): Promise<number> {
  const tmp = mkdtempSync(join(tmpdir(), "p3-e2e-"));
  cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
  const db = await database(tmp);
  log(`Postgres ${db.what}, fresh, migrated; Neon bridge ${db.neonWsProxy}`);
  const vars = ["--var", `DATABASE_URL:${db.databaseUrl}`, "--var", `NEON_WS_PROXY:${db.neonWsProxy}`];
  const wrangler = await startWrangler(tmp, vars);
  try {
    await ready(wrangler.base, wrangler.child, 120_000);
  } catch (err) {
    console.error(`e2e: ${(err as Error).message}\n--- wrangler output ---\n${wrangler.tail()}`);
    return 1;
  }
  log(`wrangler dev up on ${wrangler.base} (state in ${tmp})`);
  if (stackOnly) {
    console.log(`BASE=${wrangler.base}\nCtrl-C stops it.`);
    await new Promise(() => {});
  }
  try {
    const summary = await runJourney({ base: wrangler.base, operatorToken: OPERATOR_TOKEN, log });
    log(`journey passed: ${summary}`);
    return 0;
  } catch (err) {
    console.error(`\ne2e: FAILED: ${(err as Error).stack ?? err}`);
    if (!verbose) console.error(`--- wrangler output (last lines) ---\n${wrangler.tail()}`);
    return 1;
  }
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`e2e: ${(err as Error).stack ?? err}`);
}
await stopAll();
log(`stopped everything; ${code === 0 ? "OK" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(code);
