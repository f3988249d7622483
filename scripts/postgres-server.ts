/**
 * Throwaway Postgres servers on loopback, for tests and CI, and the embedded
 * PGlite server `npm run dev` uses.
 *
 * - `startPostgresServer()`: a real Postgres from the system packages (Debian
 *   `postgresql`: `/usr/lib/postgresql/<version>/bin`, or `$PG_BIN`). `initdb`
 *   into a temporary directory (trust auth, fsync off), then `postgres` on
 *   127.0.0.1:<free port> as a child process; `stop()` shuts it down and deletes
 *   the directory. As root (CI containers) both run as the `postgres` user
 *   (else `nobody`), since initdb refuses root.
 * - `startPgliteServer()`: PGlite (Postgres compiled to WASM) in this process,
 *   served on the Postgres wire protocol by `@electric-sql/pglite-socket`, in
 *   memory or with its data in a directory.
 * - `startTestPostgres()`: the first when the binaries exist, else the second,
 *   so tests pass on a machine with nothing installed (`kind` says which ran).
 *
 * All of them listen on 127.0.0.1 only, user `postgres`, database `postgres`.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./redis-server.ts";

export interface PostgresServer {
  kind: "postgres" | "pglite";
  host: string;
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres?sslmode=disable` */
  url: string;
  /** e.g. `PostgreSQL 15.18 (Debian)` or `PGlite 0.5.14`. */
  version: string;
  stop(): Promise<void>;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The directory holding `initdb` and `postgres`: `$PG_BIN`, the newest Debian version, or the PATH. */
export function findPostgresBin(): string | undefined {
  const has = (dir: string): boolean => executable(join(dir, "initdb")) && executable(join(dir, "postgres"));
  if (process.env.PG_BIN) return has(process.env.PG_BIN) ? process.env.PG_BIN : undefined;
  try {
    const versions = readdirSync("/usr/lib/postgresql")
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const dir = `/usr/lib/postgresql/${v}/bin`;
      if (has(dir)) return dir;
    }
  } catch {
    // no Debian layout
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    if (has(dir)) return dir;
  }
  return undefined;
}

/** uid/gid to run Postgres as when this process is root (initdb refuses root). */
function unprivilegedUser(): { uid: number; gid: number; name: string } | undefined {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined;
  let passwd = "";
  try {
    passwd = readFileSync("/etc/passwd", "utf8");
  } catch {
    // fall through to nobody
  }
  for (const name of ["postgres", "nobody"]) {
    const line = passwd.split("\n").find((l) => l.startsWith(`${name}:`));
    const [, , uid, gid] = line?.split(":") ?? [];
    if (uid && gid) return { uid: Number(uid), gid: Number(gid), name };
  }
  return { uid: 65534, gid: 65534, name: "nobody" };
}

/** Resolves once something accepts TCP connections on host:port, or rejects after timeoutMs. */
async function waitForPort(host: string, port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ host, port });
      s.once("connect", () => {
        s.destroy();
        r(true);
      });
      s.once("error", () => r(false));
    });
    if (ok) return;
    if (!alive()) throw new Error("exited before accepting connections");
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const BASH = "/bin/bash";
/** `$1…` is the postgres command; stops it on EOF on stdin, exits with it when it exits. */
const WATCHDOG = `"$@" <&- & pid=$!
trap 'kill -INT "$pid" 2>/dev/null' INT TERM
while kill -0 "$pid" 2>/dev/null; do
  if read -r -t 1 _; then :; elif [ $? -le 128 ]; then break; fi
done
kill -INT "$pid" 2>/dev/null
wait "$pid"`;

export interface StartPostgresOptions {
  /** Directory with initdb and postgres (default `findPostgresBin()`). */
  bin?: string;
  port?: number;
  readyTimeoutMs?: number;
}

export async function startPostgresServer(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bin = options.bin ?? findPostgresBin();
  if (!bin) {
    throw new Error("Postgres binaries not found: apt-get install -y postgresql, or set PG_BIN to the bin directory.");
  }
  const host = "127.0.0.1";
  const port = options.port ?? (await freePort());
  const user = unprivilegedUser();
  const dir = mkdtempSync(join(tmpdir(), "p3-pg-"));
  const dataDir = join(dir, "data");
  if (user) chownSync(dir, user.uid, user.gid);
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { ...process.env, LC_ALL: "C", LANG: "C" };
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });

  const init = spawnSync(
    join(bin, "initdb"),
    [
      "-D",
      dataDir,
      "-U",
      "postgres",
      "--auth=trust",
      "--encoding=UTF8",
      "--locale=C",
      "--no-sync",
      "--no-instructions",
    ],
    { ...asUser, env, encoding: "utf8", cwd: dir },
  );
  if (init.status !== 0) {
    cleanup();
    throw new Error(`initdb failed (${init.status ?? init.signal}):\n${init.stdout}\n${init.stderr ?? init.error}`);
  }

  // Durability off: a throwaway cluster. Unix socket in the temp directory, TCP on loopback only.
  const postgresArgs = [
    "-D",
    dataDir,
    "-p",
    String(port),
    "-h",
    host,
    "-k",
    dir,
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "max_connections=200",
  ];
  // Watchdog: bash holds our stdin pipe and stops postgres (SIGINT, fast shutdown) when it
  // closes, so the cluster goes away even when this process is killed without cleaning up.
  const child: ChildProcess = existsSync(BASH)
    ? spawn(BASH, ["-c", WATCHDOG, "postgres-watchdog", join(bin, "postgres"), ...postgresArgs], {
        ...asUser,
        env,
        cwd: dir,
        stdio: ["pipe", "pipe", "pipe"],
      })
    : spawn(join(bin, "postgres"), postgresArgs, { ...asUser, env, cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;

  const stop = async (): Promise<void> => {
    if (alive()) {
      // EOF on stdin: the watchdog sends postgres SIGINT ("fast" shutdown) and waits for it.
      // Without the watchdog, or if it hangs: SIGINT, then an immediate stop after 5 s.
      child.stdin?.end();
      if (!existsSync(BASH)) child.kill("SIGINT");
      const timer = setTimeout(() => {
        spawnSync(join(bin, "pg_ctl"), ["stop", "-D", dataDir, "-m", "immediate"], { ...asUser, env });
        child.kill("SIGKILL");
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    cleanup();
  };

  try {
    await waitForPort(host, port, options.readyTimeoutMs ?? 30_000, alive);
  } catch (err) {
    await stop();
    throw new Error(`postgres did not start: ${(err as Error).message}\n${output}`);
  }
  const versionRun = spawnSync(join(bin, "postgres"), ["--version"], { encoding: "utf8" });
  const version = versionRun.stdout.trim().replace(/^postgres \(PostgreSQL\) /, "PostgreSQL ") || "PostgreSQL";
  return {
    kind: "postgres",
    host,
    port,
    url: `postgres://postgres@${host}:${port}/postgres?sslmode=disable`,
    version,
    stop,
  };
}

export interface StartPgliteOptions {
  /** Data directory; default in memory. */
  dataDir?: string;
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Concurrent connections the multiplexer accepts (default 32). */
  maxConnections?: number;
}

export async function startPgliteServer(options: StartPgliteOptions = {}): Promise<PostgresServer> {
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("@electric-sql/pglite-socket"),
  ]);
  const db = await PGlite.create(options.dataDir ?? "memory://");
  const host = "127.0.0.1";
  const port = options.port ?? (await freePort());
  const server = new PGLiteSocketServer({ db, host, port, maxConnections: options.maxConnections ?? 32 });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  const { rows } = await db.query<{ version: string }>("SELECT version() AS version");
  const version = `PGlite (${(rows[0]?.version ?? "PostgreSQL").split(" on ")[0]})`;
  let stopped = false;
  return {
    kind: "pglite",
    host,
    port,
    url: `postgres://postgres@${host}:${port}/postgres?sslmode=disable`,
    version,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
    },
  };
}

/** A real Postgres when the binaries are installed (always in CI), else PGlite in memory. */
export async function startTestPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (bin) return startPostgresServer({ bin });
  if (process.env.CI) {
    throw new Error("Postgres is required in CI: apt-get install -y postgresql (or set PG_BIN).");
  }
  return startPgliteServer();
}

/** The repository root (this file is in `scripts/`). */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Runs dbmate (the npm package's binary) with the repository's migrations and
 * no schema dump, against `url`: e.g. `dbmate(url, ["up"])`. Rejects with its
 * output when it exits non-zero.
 */
export function dbmate(url: string, args: string[], options: { quiet?: boolean } = {}): Promise<string> {
  const bin = join(REPO_ROOT, "node_modules", ".bin", "dbmate");
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      bin,
      [
        "--migrations-dir",
        join(REPO_ROOT, "migrations"),
        "--no-dump-schema",
        "--wait",
        "--wait-timeout",
        "15s",
        ...args,
      ],
      { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: url }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    const keep = (d: Buffer): void => {
      output += d.toString();
      if (!options.quiet) process.stdout.write(d);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0) resolvePromise(output);
      else reject(new Error(`dbmate ${args.join(" ")} failed (${code ?? signal}):\n${output}`));
    });
  });
}
