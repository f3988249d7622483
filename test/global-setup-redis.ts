/**
 * Vitest globalSetup of the `workers` project: one throwaway `redis-server`
 * for the run, behind the Upstash REST bridge (scripts/upstash-redis-bridge.ts),
 * behind a switch the tests flip to take Redis away and bring it back.
 *
 * The switch forwards to the bridge, and answers `POST /__switch/<mode>`
 * (bearer token required) with the mode it is in:
 * - `up`: forwards (and restarts redis-server, on its port, if it was stopped);
 * - `reset`: drops every connection (an unreachable endpoint);
 * - `hang`: accepts and never answers (a deadline must fire);
 * - `redis-down`: stops redis-server itself; the bridge answers 503.
 *
 * Without redis-server (not installed, `REDIS_SERVER` unset) it provides empty
 * values and the tests that need Redis skip, saying so; CI installs it
 * (`.ci/run`). Everything stops at the end.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { TestProject } from "vitest/node";
import { findRedisServer, type RedisServer, startRedisServer } from "../scripts/redis-server.ts";
import { type Bridge, startBridge } from "../scripts/upstash-redis-bridge.ts";

declare module "vitest" {
  interface ProvidedContext {
    /** `http://127.0.0.1:<port>`: the switch in front of the bridge (the Worker's UPSTASH_REDIS_REST_URL); "" without redis-server. */
    redisUrl: string;
    /** The bridge's bearer token (UPSTASH_REDIS_REST_TOKEN). */
    redisToken: string;
    /** e.g. "Redis server v=7.0.15"; "" without redis-server. */
    redisVersion: string;
  }
}

export type SwitchMode = "up" | "reset" | "hang" | "redis-down";
const MODES: readonly SwitchMode[] = ["up", "reset", "hang", "redis-down"];
const TOKEN = "test-redis-bridge-token";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!findRedisServer()) {
    console.warn(
      "[redis] redis-server not installed: the Redis tests of the workers project skip (apt-get install -y redis-server, or set REDIS_SERVER).",
    );
    project.provide("redisUrl", "");
    project.provide("redisToken", "");
    project.provide("redisVersion", "");
    return async () => {};
  }
  let server: RedisServer | undefined = await startRedisServer();
  const redisPort = server.port;
  let bridge: Bridge;
  try {
    bridge = await startBridge({ redisPort, token: TOKEN });
  } catch (err) {
    await server.stop();
    throw err;
  }
  const bridgePort = bridge.port;
  let mode: SwitchMode = "up";
  const held = new Set<ServerResponse>();

  const setMode = async (next: SwitchMode): Promise<void> => {
    if (next === "redis-down" && server) {
      await server.stop();
      server = undefined;
    }
    if (next !== "redis-down" && !server) server = await startRedisServer({ port: redisPort });
    if (next !== "hang") {
      for (const res of held) res.destroy();
      held.clear();
    }
    mode = next;
  };

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const upstream = request(
      { host: "127.0.0.1", port: bridgePort, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  };

  const control = async (req: IncomingMessage, res: ServerResponse, wanted: string): Promise<void> => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end();
      return;
    }
    if (!MODES.includes(wanted as SwitchMode)) {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: `mode: ${MODES}` }));
      return;
    }
    await setMode(wanted as SwitchMode);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ mode }));
  };

  const gate: Server = createServer((req, res) => {
    const wanted = /^\/__switch\/([a-z-]+)$/.exec(req.url ?? "")?.[1];
    if (wanted !== undefined && req.method === "POST") {
      control(req, res, wanted).catch((err: Error) => res.writeHead(500).end(err.message));
      return;
    }
    if (mode === "reset") {
      req.socket.destroy();
      return;
    }
    if (mode === "hang") {
      held.add(res);
      res.on("close", () => held.delete(res));
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    gate.once("error", reject);
    gate.listen(0, "127.0.0.1", () => resolve());
  });
  const address = gate.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const version = await redisVersion(url);
  console.log(`[redis] ${version} on 127.0.0.1:${redisPort}, Upstash bridge ${bridge.url}, switch ${url}`);
  project.provide("redisUrl", url);
  project.provide("redisToken", TOKEN);
  project.provide("redisVersion", version);

  return async () => {
    for (const res of held) res.destroy();
    gate.closeAllConnections();
    await new Promise<void>((resolve) => gate.close(() => resolve()));
    await bridge.close();
    await server?.stop();
  };
}

/** "Redis server v=…" from INFO, through the switch and the bridge (proves the whole path). */
async function redisVersion(url: string): Promise<string> {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(["INFO", "server"]),
  });
  const { result } = (await res.json()) as { result?: string };
  const version = /redis_version:([^\r\n]+)/.exec(result ?? "")?.[1];
  return version ? `Redis server v=${version}` : "Redis server (version unknown)";
}
