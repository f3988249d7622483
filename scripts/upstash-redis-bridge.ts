/**
 * The Upstash REST protocol in front of a real `redis-server`, on loopback,
 * so the real `@upstash/redis` client (and `@upstash/ratelimit` over it) runs
 * locally and in tests exactly as against Upstash.
 *
 * - `POST /` with a command array (`["SET","k","v"]`) → `{"result": …}`, or
 *   `{"error": "…"}` with status 400 when Redis answers an error;
 * - `POST /pipeline` with an array of commands → `[{"result"}|{"error"}, …]`;
 * - `POST /multi-exec`: the same, in one MULTI/EXEC transaction (400 if Redis aborts it);
 * - `GET|POST /cmd/arg/…`: Upstash's path form (a POST body is the last argument);
 * - `Authorization: Bearer <token>` (or `?_token=`) on every request, else 401;
 * - `Upstash-Encoding: base64` (what @upstash/redis sends by default): every
 *   string in a result is base64 of its bytes, except the status reply `OK`;
 * - Redis unreachable: 503 `{"error": "…"}`.
 *
 * Upstash's Lua scripts declare `#!lua flags=allow-key-locking`, a flag only
 * Upstash knows; flags redis-server does not know are dropped, and EVALSHA /
 * SCRIPT LOAD / SCRIPT EXISTS keep speaking of the original script's SHA1.
 *
 * CLI: `node --experimental-strip-types scripts/upstash-redis-bridge.ts
 *   [--port 8079] [--redis-port 6379 | --spawn-redis] [--token T]`
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type RedisServer, startRedisServer } from "./redis-server.ts";
import { type Arg, RedisReplyError, type Reply, RespConnection } from "./resp.ts";

export interface BridgeOptions {
  /** Port of redis-server on 127.0.0.1. */
  redisPort: number;
  /** The bearer token clients must present. */
  token: string;
  /** Port to listen on, 127.0.0.1 (default 0: a free one). */
  port?: number;
}

export interface Bridge {
  /** `http://127.0.0.1:<port>`: the `UPSTASH_REDIS_REST_URL`. */
  url: string;
  port: number;
  /** HTTP requests served, by endpoint (`/`, `/pipeline`, `/multi-exec`, `path`, `unauthorized`). */
  stats: Record<string, number>;
  close(): Promise<void>;
}

/** Script flags redis-server 7 understands; others (Upstash's `allow-key-locking`) are dropped. */
const REDIS_SCRIPT_FLAGS = new Set(["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]);

/** Commands that would change or hijack a pooled connection, or that Upstash's REST API refuses. */
const REFUSED = new Set(
  "subscribe psubscribe ssubscribe unsubscribe punsubscribe sunsubscribe monitor sync psync quit select hello reset auth multi exec discard watch unwatch shutdown".split(
    " ",
  ),
);

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_IDLE_CONNECTIONS = 16;

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

type Json = string | number | null | Json[];

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  if (!options.token) throw new Error("startBridge: a token is required.");
  const expected = createHash("sha256").update(options.token).digest();
  const stats: Record<string, number> = {};
  const idle: RespConnection[] = [];
  /** SHA1 of an original script → SHA1 of the script redis-server actually has. */
  const shas = new Map<string, string>();

  const acquire = async (): Promise<RespConnection> => {
    for (let conn = idle.pop(); conn; conn = idle.pop()) if (!conn.closed) return conn;
    try {
      return await RespConnection.open(options.redisPort);
    } catch (err) {
      throw new HttpError(503, `redis unavailable: ${(err as Error).message}`);
    }
  };
  const release = (conn: RespConnection) => {
    if (!conn.closed && idle.length < MAX_IDLE_CONNECTIONS) idle.push(conn);
    else conn.close();
  };
  const run = async (commands: Arg[][]): Promise<Reply[]> => {
    const conn = await acquire();
    try {
      const replies = await conn.send(commands);
      release(conn);
      return replies;
    } catch (err) {
      conn.close();
      throw new HttpError(503, `redis unavailable: ${(err as Error).message}`);
    }
  };

  /** Makes a command acceptable to redis-server; `after` maps its reply back. */
  const prepare = (command: unknown): { args: Arg[]; after?: (reply: Reply) => Reply } => {
    if (!Array.isArray(command) || command.length === 0) {
      throw new HttpError(400, "ERR a command is a non-empty JSON array");
    }
    const args = command.map((part): string => {
      if (typeof part === "string") return part;
      if (typeof part === "number" || typeof part === "boolean") return String(part);
      return JSON.stringify(part);
    });
    const name = (args[0] as string).toLowerCase();
    if (REFUSED.has(name)) throw new HttpError(400, `ERR Command is not allowed: ${name.toUpperCase()}`);
    if ((name === "eval" || name === "eval_ro") && args[1] !== undefined) {
      args[1] = compatibleScript(args[1], shas);
    } else if ((name === "evalsha" || name === "evalsha_ro") && args[1] !== undefined) {
      args[1] = shas.get(args[1].toLowerCase()) ?? args[1];
    } else if (name === "script" && args[1]?.toLowerCase() === "load" && args[2] !== undefined) {
      const original = sha1(args[2]);
      args[2] = compatibleScript(args[2], shas);
      return { args, after: (reply) => (Buffer.isBuffer(reply) ? Buffer.from(original) : reply) };
    } else if (name === "script" && args[1]?.toLowerCase() === "exists") {
      for (let i = 2; i < args.length; i++)
        args[i] = shas.get((args[i] as string).toLowerCase()) ?? (args[i] as string);
    }
    return { args };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const header = req.headers.authorization ?? "";
    const given = header.startsWith("Bearer ") ? header.slice(7) : (url.searchParams.get("_token") ?? "");
    if (!timingSafeEqual(createHash("sha256").update(given).digest(), expected)) {
      count(stats, "unauthorized");
      return send(res, 401, { error: "Unauthorized: a valid bearer token is required" });
    }
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const body = await readBody(req);
    const endpoint = url.pathname.replace(/\/+$/, "") || "/";

    if (endpoint === "/pipeline" || endpoint === "/multi-exec") {
      if (req.method !== "POST") throw new HttpError(405, `ERR use POST ${endpoint}`);
      count(stats, endpoint);
      const commands = parseJson(body);
      if (!Array.isArray(commands) || commands.length === 0) {
        throw new HttpError(400, "ERR the body must be a non-empty array of commands");
      }
      const prepared = commands.map(prepare);
      const results = (reply: Reply, i: number) => {
        if (reply instanceof RedisReplyError) return { error: reply.message };
        const after = prepared[i]?.after;
        return { result: toJson(after ? after(reply) : reply, base64) };
      };
      if (endpoint === "/pipeline") {
        const replies = await run(prepared.map((p) => p.args));
        return send(res, 200, replies.map(results));
      }
      const replies = await run([["MULTI"], ...prepared.map((p) => p.args), ["EXEC"]]);
      const exec = replies[replies.length - 1] as Reply;
      if (exec instanceof RedisReplyError) throw new HttpError(400, exec.message);
      if (!Array.isArray(exec)) throw new HttpError(400, "ERR transaction aborted");
      return send(res, 200, exec.map(results));
    }

    let command: unknown;
    if (endpoint === "/") {
      if (req.method !== "POST") throw new HttpError(405, "ERR use POST / with a JSON command array");
      count(stats, "/");
      command = parseJson(body);
    } else {
      count(stats, "path");
      command = endpoint.slice(1).split("/").map(decodeURIComponent);
      if (req.method === "POST" && body.length > 0) (command as string[]).push(body.toString("utf8"));
    }
    const { args, after } = prepare(command);
    const [reply] = await run([args]);
    if (reply instanceof RedisReplyError) return send(res, 400, { error: reply.message });
    return send(res, 200, { result: toJson(after ? after(reply as Reply) : (reply as Reply), base64) });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (!res.headersSent) send(res, status, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolveListen());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const conn of idle.splice(0)) conn.close();
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

/** Drops script flags redis-server does not know, remembering the original script's SHA1. */
function compatibleScript(script: string, shas: Map<string, string>): string {
  const match = /^#!(\w+)([^\n]*)(\n|$)/.exec(script);
  if (!match) return script;
  const flagsPart = /\bflags=(\S*)/.exec(match[2] as string);
  if (!flagsPart) return script;
  const flags = (flagsPart[1] as string).split(",").filter(Boolean);
  const kept = flags.filter((f) => REDIS_SCRIPT_FLAGS.has(f));
  if (kept.length === flags.length) return script;
  const shebang = `#!${match[1]}${kept.length > 0 ? ` flags=${kept.join(",")}` : ""}`;
  const compatible = shebang + script.slice(match[0].length - (match[3] as string).length);
  shas.set(sha1(script), sha1(compatible));
  return compatible;
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** A RESP reply as Upstash's JSON: numbers, null, arrays, and strings (base64 when asked, except `OK`). */
function toJson(reply: Reply, base64: boolean): Json {
  if (reply === null || typeof reply === "number") return reply;
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString("base64") : reply.toString("utf8");
  if (reply instanceof RedisReplyError) return reply.message;
  if (Array.isArray(reply)) return reply.map((r) => toJson(r, base64));
  return base64 && reply.simple !== "OK" ? Buffer.from(reply.simple).toString("base64") : reply.simple;
}

function count(stats: Record<string, number>, key: string): void {
  stats[key] = (stats[key] ?? 0) + 1;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "ERR the body is not valid JSON");
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, "ERR request body too large"));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolveBody(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8079" },
      "redis-port": { type: "string", default: "6379" },
      "spawn-redis": { type: "boolean", default: false },
      token: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(
      "usage: node --experimental-strip-types scripts/upstash-redis-bridge.ts [--port 8079] [--redis-port 6379 | --spawn-redis] [--token T]",
    );
    return;
  }
  const token = values.token ?? process.env.UPSTASH_REDIS_REST_TOKEN ?? "dev-redis-token";
  let redis: RedisServer | undefined;
  if (values["spawn-redis"]) redis = await startRedisServer();
  const redisPort = redis?.port ?? Number(values["redis-port"]);
  const bridge = await startBridge({ redisPort, token, port: Number(values.port) });
  console.log(`Upstash REST bridge on ${bridge.url} -> redis-server 127.0.0.1:${redisPort}`);
  console.log(`For .dev.vars:\nUPSTASH_REDIS_REST_URL=${bridge.url}\nUPSTASH_REDIS_REST_TOKEN=${token}`);
  const stop = async () => {
    await bridge.close();
    await redis?.stop();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
