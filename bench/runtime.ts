/**
 * Runs the Worker and its Durable Objects in workerd on this machine, for the
 * end-to-end benchmarks (`bench/feed/`, `bench/orders/`, `bench/load/`), with fresh state
 * in a temp dir, and stops everything it started on exit, error or signal.
 *
 * Three ways to run the same Worker and objects (`--runtime`):
 *  - `miniflare` (default): bundle with `wrangler deploy --dry-run` and load the
 *    bundle into Miniflare with the bindings wrangler derives from wrangler.toml
 *    (unstable_getMiniflareWorkerOptions, as the vitest pool does), SQLite
 *    Durable Objects persisted in a temp dir. One workerd, no inspector, and the
 *    Worker listens on its own socket (Miniflare's `unsafeDirectSockets`), as
 *    behind Cloudflare's edge; the client sends the `cf-connecting-ip` the edge
 *    would add ({@link CLIENT_HEADERS}).
 *  - `miniflare-entry`: the same, reached through Miniflare's entry worker (a
 *    JavaScript hop in front of the Worker that every request and every
 *    WebSocket frame passes through).
 * The objects' state goes in a RAM-backed directory unless `storage: "disk"` (see
 * `ServerOptions.storage`).
 *  - `wrangler-dev`: `wrangler dev` as a developer runs it: in front of the
 *    entry worker, wrangler's ProxyWorker in a second workerd (one more
 *    loopback hop each way, for requests and frames), the V8 inspector on, and
 *    the file watcher restarting the Worker (closing every socket) whenever a
 *    source file changes.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const RUNTIMES = ["miniflare", "miniflare-entry", "wrangler-dev"] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** What Cloudflare's edge (and Miniflare's entry worker) tells the Worker about the client; rate limits key on it. */
export const CLIENT_HEADERS = { "cf-connecting-ip": "127.0.0.1" } as const;

/**
 * What every benchmark run adds to wrangler.toml's `[vars]`: it stands in for Cloudflare's
 * edge (CLIENT_IP_SOURCE=cloudflare: each trader's `cf-connecting-ip` is believed, as the
 * edge's would be), so it signs tokens with a key of its own: the published development
 * key is accepted only from loopback (shared/auth/dev-credentials.ts). The feed benchmarks
 * open their subscribers' sockets from one address ({@link CLIENT_HEADERS}), so the cap on
 * sockets per client address (FEED_MAX_SOCKETS_PER_IP, default 50) is raised out of the way.
 */
function edgeVars(): Record<string, string> {
  const jwk = { ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), kid: "bench", alg: "EdDSA" };
  return {
    CLIENT_IP_SOURCE: "cloudflare",
    JWT_SIGNING_KEYS: JSON.stringify([jwk]),
    FEED_MAX_SOCKETS_PER_IP: "1000000",
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `--runtime`'s value checked against {@link RUNTIMES}. */
export function parseRuntime(value: string | undefined): Runtime {
  const runtime = (value ?? "miniflare") as Runtime;
  if (!RUNTIMES.includes(runtime)) throw new Error(`--runtime is one of ${RUNTIMES.join(", ")}, got ${value}`);
  return runtime;
}

export interface ServerOptions {
  runtime: Runtime;
  /** The Worker's logs and wrangler's output to stderr. */
  verbose?: boolean;
  /** Prefix of the temp dir holding the bundle and the objects' state. */
  label?: string;
  /** Vars added to (or replacing) wrangler.toml's `[vars]`: `wrangler dev --var` or Miniflare bindings. */
  vars?: Record<string, string>;
  /**
   * Miniflare only: the `RATE_LIMITER` binding goes to a stand-in RateLimiter
   * (another worker in the same workerd) that answers every check "allowed"
   * with the same RPC per subject, so a load generator on one IP and a few
   * keys is not throttled while every request still pays for its limit checks.
   */
  unlimitedRateLimits?: boolean;
  /**
   * Miniflare only: serve wrangler.toml's `[assets]` (web/dist/: the `/docs` bundle) in front of the
   * Worker. Off by default: Miniflare emulates asset routing with two JavaScript workers in front of
   * the Worker (about a millisecond per request here), which Cloudflare does natively; the
   * benchmarks measure the Worker. test/browser/docs.test.ts turns it on.
   */
  assets?: boolean;
  /** Miniflare only: open workerd's V8 inspector on this port (CPU profiles of the Worker's isolate). */
  inspectorPort?: number;
  /**
   * Where the objects' SQLite files live: `ram` (default; /dev/shm where it exists) or `disk`
   * (the system temp dir). workerd's local storage fsyncs every commit on the request thread,
   * which Cloudflare's storage does not; on this VM's disk a benchmark measures the disk.
   */
  storage?: "ram" | "disk";
}

/** `--storage`'s value checked. */
export function parseStorage(value: string | undefined): "ram" | "disk" {
  if (value === undefined || value === "ram" || value === "disk") return value ?? "ram";
  throw new Error(`--storage is ram or disk, got ${value}`);
}

/** The directory benchmark state goes in: RAM-backed when asked and available. */
function stateRoot(storage: "ram" | "disk" | undefined): string {
  return storage !== "disk" && existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
}

export interface Server {
  /** `http://127.0.0.1:<port>` of the Worker. */
  base: string;
  runtime: Runtime;
  /** Miniflare: the bundle the Worker runs (`index.js`, esbuild marks each source module with a `// path` line). */
  bundle?: string;
  /** The Worker's name in workerd (its inspector target is `core:user:<worker>`). */
  worker: string;
}

let server: ChildProcess | undefined;
let stateDir: string | undefined;
let miniflare: { dispose(): Promise<void> } | undefined;
let hooked = false;

/** Stops the server (process group or Miniflare) and removes its temp dir; safe to call twice. */
export function stopServer(): void {
  if (server?.pid !== undefined && server.exitCode === null) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // already gone
    }
    const pid = server.pid;
    setTimeout(() => {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, 2000).unref();
  }
  server = undefined;
  // Miniflare kills its workerd on exit; dispose() when we get the chance.
  void miniflare?.dispose().catch(() => {});
  miniflare = undefined;
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  stateDir = undefined;
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", stopServer);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      stopServer();
      process.exit(130);
    });
  }
}

/** A free loopback port (for `wrangler dev`, the inspector). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const ROOT = join(import.meta.dirname, "..");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const WORKER_NAME = "platform3-edge";

/** Starts the Worker (one at a time per process) and waits for `/v1/health`. */
export async function startServer(options: ServerOptions): Promise<Server> {
  if (stateDir) throw new Error("startServer: a server is already running in this process; stopServer() first.");
  if (options.runtime === "wrangler-dev" && (options.unlimitedRateLimits || options.inspectorPort !== undefined)) {
    throw new Error(
      "unlimitedRateLimits and inspectorPort need Miniflare (wrangler dev cannot rebind RATE_LIMITER): use --runtime miniflare or miniflare-entry.",
    );
  }
  hookExit();
  stateDir = mkdtempSync(join(stateRoot(options.storage), `${options.label ?? "bench"}-`));
  if (options.runtime === "wrangler-dev") {
    return { base: await startWranglerDev(stateDir, options), runtime: options.runtime, worker: WORKER_NAME };
  }
  const base = await startMiniflare(stateDir, options);
  return { base, runtime: options.runtime, bundle: join(stateDir, "bundle", "index.js"), worker: WORKER_NAME };
}

/** The stand-in RateLimiter of `unlimitedRateLimits`: same RPC shape as durable-objects/rate-limiter, never denies. */
const UNLIMITED_LIMITER = `
import { DurableObject } from "cloudflare:workers";
export class RateLimiter extends DurableObject {
  check(rules) {
    return rules.map((r) => ({ name: r.name, limit: r.limit, windowMs: r.windowMs, remaining: r.limit, resetMs: 0, allowed: true }));
  }
  async ping() {
    return Date.now();
  }
}
export default { fetch: () => new Response(null, { status: 404 }) };
`;

async function startMiniflare(dir: string, options: ServerOptions): Promise<string> {
  const direct = options.runtime === "miniflare";
  const outdir = join(dir, "bundle");
  const build = spawnSync(process.execPath, [WRANGLER, "deploy", "--dry-run", "--outdir", outdir], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`wrangler deploy --dry-run failed: ${build.stderr || build.stdout}`);
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const { Miniflare, Log, LogLevel, convertV4MiniflareOptions } = await import("miniflare");
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"));
  // The bundle is one ES module: no module rules; module names are relative to its directory.
  const { modulesRules: _rules, assets, ...worker } = workerOptions as Record<string, unknown>;
  if (options.assets) worker.assets = assets;
  const bindings = { ...(worker.bindings as Record<string, unknown>), ...edgeVars(), ...options.vars };
  const durableObjects = { ...(worker.durableObjects as Record<string, unknown>) };
  const limiterWorker = "bench-unlimited-rate-limiter";
  if (options.unlimitedRateLimits) {
    durableObjects.RATE_LIMITER = { className: "RateLimiter", scriptName: limiterWorker };
  }
  const main = {
    ...worker,
    bindings,
    durableObjects,
    rootPath: outdir,
    name: WORKER_NAME,
    modules: true,
    scriptPath: join(outdir, "index.js"),
    ...(direct ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] } : {}),
  };
  const shared = {
    host: "127.0.0.1",
    port: 0,
    resourcePersistencePath: join(dir, "state"),
    cf: false, // no request.cf download
    ...(options.inspectorPort === undefined ? {} : { inspectorPort: options.inspectorPort }),
    logRequests: false,
    log: new Log(options.verbose ? LogLevel.INFO : LogLevel.WARN),
    // The Worker's access and batch log lines: dropped unless --verbose.
    handleStructuredLogs: options.verbose
      ? (l: { message: string }) => process.stderr.write(`${l.message}\n`)
      : () => {},
  };
  const workers: Record<string, unknown>[] = [main];
  if (options.unlimitedRateLimits) {
    workers.push({
      name: limiterWorker,
      modules: true,
      script: UNLIMITED_LIMITER,
      compatibilityDate: worker.compatibilityDate,
      durableObjects: { RATE_LIMITER: { className: "RateLimiter" } },
    });
  }
  const mf = new Miniflare(
    convertV4MiniflareOptions({ ...shared, workers } as unknown as Parameters<typeof convertV4MiniflareOptions>[0]),
  );
  miniflare = mf;
  const entry = await mf.ready;
  const url = direct ? await mf.unsafeGetDirectURL(WORKER_NAME) : entry;
  const base = url.origin.replace("localhost", "127.0.0.1");
  await waitHealthy(base, options.runtime, () => undefined);
  return base;
}

async function startWranglerDev(dir: string, options: ServerOptions): Promise<string> {
  const [port, inspector] = [await freePort(), await freePort()];
  const argv = [WRANGLER, "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector)];
  argv.push(
    "--persist-to",
    dir,
    "--show-interactive-dev-session=false",
    "--log-level",
    options.verbose ? "log" : "warn",
  );
  const vars = { ...edgeVars(), ...options.vars };
  for (const [name, value] of Object.entries(vars)) argv.push("--var", `${name}:${value}`);
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
    detached: true, // its own process group, so one kill stops wrangler and workerd
    // --verbose: wrangler's and the Worker's logs go to stderr.
    stdio: ["ignore", options.verbose ? process.stderr : "ignore", "pipe"],
  });
  server = child;
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    if (options.verbose) process.stderr.write(d);
  });
  const base = `http://127.0.0.1:${port}`;
  await waitHealthy(base, options.runtime, () =>
    child.exitCode !== null ? `wrangler dev exited (${child.exitCode}): ${stderr}` : undefined,
  );
  return base;
}

async function waitHealthy(base: string, runtime: Runtime, died: () => string | undefined): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const why = died();
    if (why) throw new Error(why);
    try {
      const res = await fetch(`${base}/v1/health`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new Error(`${runtime} did not answer ${base}/v1/health within 90 s`);
}
