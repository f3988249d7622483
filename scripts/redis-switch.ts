/**
 * A throwaway `redis-server` behind the Upstash REST bridge (upstash-redis-bridge.ts),
 * behind a switch that takes Redis away and brings it back: the Redis of the
 * `workers` tests (test/global-setup-redis.ts) and of the load run's fault suite
 * (`npm run bench:load -- --faults`). Loopback only.
 *
 * Modes (`setMode`, or `POST /__switch/<mode>` with the bearer token):
 * - `up`: forwards (and restarts redis-server, on its port, if it was stopped);
 * - `reset`: drops every connection (an unreachable endpoint);
 * - `hang`: accepts and never answers (a deadline must fire);
 * - `redis-down`: stops redis-server itself; the bridge answers 503.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import { type RedisServer, startRedisServer } from "./redis-server.ts";
import { type Bridge, startBridge } from "./upstash-redis-bridge.ts";

export type SwitchMode = "up" | "reset" | "hang" | "redis-down";
export const SWITCH_MODES: readonly SwitchMode[] = ["up", "reset", "hang", "redis-down"];

export interface SwitchedRedis {
  /** `http://127.0.0.1:<port>`: the switch in front of the bridge (the Worker's UPSTASH_REDIS_REST_URL). */
  url: string;
  /** The bridge's bearer token (UPSTASH_REDIS_REST_TOKEN). */
  token: string;
  /** e.g. "Redis server v=7.0.15". */
  version: string;
  mode(): SwitchMode;
  setMode(mode: SwitchMode): Promise<void>;
  close(): Promise<void>;
}

export async function startSwitchedRedis(token: string): Promise<SwitchedRedis> {
  let server: RedisServer | undefined = await startRedisServer();
  const redisPort = server.port;
  let bridge: Bridge;
  try {
    bridge = await startBridge({ redisPort, token });
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
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end();
      return;
    }
    if (!SWITCH_MODES.includes(wanted as SwitchMode)) {
      res
        .writeHead(400, { "content-type": "application/json" })
        .end(JSON.stringify({ error: `mode: ${SWITCH_MODES}` }));
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
  return {
    url,
    token,
    version: await redisVersion(url, token),
    mode: () => mode,
    setMode,
    close: async () => {
      for (const res of held) res.destroy();
      gate.closeAllConnections();
      await new Promise<void>((resolve) => gate.close(() => resolve()));
      await bridge.close();
      await server?.stop();
    },
  };
}

/** "Redis server v=…" from INFO, through the switch and the bridge (proves the whole path). */
async function redisVersion(url: string, token: string): Promise<string> {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify(["INFO", "server"]),
  });
  const { result } = (await res.json()) as { result?: string };
  const version = /redis_version:([^\r\n]+)/.exec(result ?? "")?.[1];
  return version ? `Redis server v=${version}` : "Redis server (version unknown)";
}
