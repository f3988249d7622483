/**
 * Starts a throwaway `redis-server` on a free loopback port, with no
 * persistence (`--save "" --appendonly no`), for tests and local runs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";
import { RespConnection } from "./resp.ts";

/** `$REDIS_SERVER`, else `redis-server` on the PATH or in the usual system directories; undefined if absent. */
export function findRedisServer(): string | undefined {
  const explicit = process.env.REDIS_SERVER;
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/sbin", "/usr/local/bin"];
  const candidates = explicit ? [explicit] : dirs.filter(Boolean).map((dir) => join(dir, "redis-server"));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (bound then released, so another process could take it first). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  port: number;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** Port to listen on (default: a free one). */
  port?: number;
  /** The binary (default `findRedisServer()`). */
  bin?: string;
  /** How long to wait for PONG, ms (default 10 000). */
  readyTimeoutMs?: number;
}

export async function startRedisServer(options: StartRedisOptions = {}): Promise<RedisServer> {
  const bin = options.bin ?? findRedisServer();
  if (!bin) {
    throw new Error(
      "redis-server not found: install it (Debian: apt-get install -y redis-server) or set REDIS_SERVER to its path.",
    );
  }
  const port = options.port ?? (await freePort());
  const child = spawn(
    bin,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  child.stderr?.on("data", (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });

  const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`redis-server exited with code ${exitCode} before it was ready:\n${output}`);
    }
    try {
      const conn = await RespConnection.open(port, "127.0.0.1", 500);
      try {
        const pong = await conn.call("PING");
        if (typeof pong === "object" && pong !== null && "simple" in pong && pong.simple === "PONG") break;
      } finally {
        conn.close();
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopChild(child, exited);
      throw new Error(`redis-server did not answer PING on port ${port}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop: () => stopChild(child, exited) };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}
