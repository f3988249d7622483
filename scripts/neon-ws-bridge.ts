/**
 * A WebSocket-to-TCP bridge in front of a Postgres server, on loopback, so the
 * real `@neondatabase/serverless` driver reaches any Postgres (local PGlite, a
 * Debian cluster in CI) the way it reaches Neon's WebSocket proxy in production.
 *
 * The driver, with `neonConfig.wsProxy = "127.0.0.1:<port>/v2"` and
 * `useSecureWebSocket = false`, opens `ws://127.0.0.1:<port>/v2?address=<host>:<port>`
 * and then speaks the Postgres wire protocol in binary WebSocket messages. The
 * bridge pipes those bytes to one TCP connection per WebSocket, both ways, and
 * nothing else: no TLS, no protocol parsing.
 *
 * One piece of the protocol is followed: the client's message framing, to see
 * Terminate (`X`). Postgres closes the connection after it; PGlite's socket
 * server does not, and the driver's `Client.end()` waits for the server to
 * close, so after a Terminate the bridge closes both sides itself (as Neon's
 * proxy does).
 *
 * It connects only to the one Postgres it was started for: the `address` the
 * driver asks for must name that server's port (and its host, or a loopback
 * name when the server is on loopback), else the upgrade is refused with 403.
 * It listens on 127.0.0.1 only.
 *
 * CLI: `node --experimental-strip-types scripts/neon-ws-bridge.ts
 *   --pg-port 5432 [--pg-host 127.0.0.1] [--port 0]`; prints `NEON_WS_PROXY=…`.
 */
import { createServer, type IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import { connect, type Socket } from "node:net";
import { resolve } from "node:path";
import type { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { RawData, WebSocket, WebSocketServer as WebSocketServerType } from "ws";

// Loaded with Node's resolver: the Workers test project resolves packages with
// workerd's conditions, which pick `ws`'s browser stub (no server).
const { WebSocketServer } = createRequire(import.meta.url)("ws") as { WebSocketServer: typeof WebSocketServerType };

export interface NeonWsBridgeOptions {
  /** The Postgres server's TCP port. */
  pgPort: number;
  /** The Postgres server's host (default 127.0.0.1). */
  pgHost?: string;
  /** Port to listen on, 127.0.0.1 (default 0: a free one). */
  port?: number;
  /** Path the driver's `wsProxy` names (default `/v2`, as Neon's proxy). */
  path?: string;
}

export interface NeonWsBridge {
  port: number;
  /** `127.0.0.1:<port>/v2`: the value for `neonConfig.wsProxy` (the `NEON_WS_PROXY` variable). */
  wsProxy: string;
  /** Connections piped, refused, and open now. */
  stats: { opened: number; refused: number; open: number };
  /**
   * Takes the database away (false: every open connection is cut and new ones are
   * refused with 503, as an unreachable Neon endpoint would be) or brings it back.
   * For the load run's fault suite.
   */
  setAvailable(available: boolean): void;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);
/** Pause reading from Postgres while this many bytes wait to go out on the WebSocket. */
const HIGH_WATER_BYTES = 1 << 20;

function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase());
}

/** Splits `host:port` / `[v6]:port`; undefined if malformed. */
function parseAddress(address: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(address);
  if (!match?.[1] || !match[2]) return undefined;
  return { host: match[1], port: Number(match[2]) };
}

const PROTOCOL_3 = 196608;

/**
 * Follows the framing of what the client sends: untyped messages (`int32 length,
 * int32 code`: SSLRequest, GSSENCRequest, CancelRequest, the startup message)
 * until the startup message, then `byte type, int32 length` messages. Only
 * headers are kept; bodies are counted, not copied.
 */
export class ClientFrames {
  private typed = false;
  private header: number[] = [];
  private skip = 0;
  terminated = false;

  /** Feeds bytes sent by the client; true once a Terminate message has been seen. */
  push(chunk: Uint8Array): boolean {
    let i = 0;
    while (i < chunk.length && !this.terminated) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      this.header.push(chunk[i] as number);
      i += 1;
      const need = this.typed ? 5 : 8;
      if (this.header.length < need) continue;
      const h = Buffer.from(this.header);
      this.header = [];
      if (this.typed) {
        if (h[0] === 0x58) this.terminated = true; // 'X'
        this.skip = Math.max(0, h.readInt32BE(1) - 4);
      } else {
        if (h.readInt32BE(4) === PROTOCOL_3) this.typed = true;
        this.skip = Math.max(0, h.readInt32BE(0) - 8);
      }
    }
    return this.terminated;
  }
}

export async function startNeonWsBridge(options: NeonWsBridgeOptions): Promise<NeonWsBridge> {
  const pgHost = options.pgHost ?? "127.0.0.1";
  const pgPort = options.pgPort;
  const path = options.path ?? "/v2";
  const stats = { opened: 0, refused: 0, open: 0 };
  const sockets = new Set<Socket>();
  let available = true;

  function allowed(address: string | null): boolean {
    if (!address) return false;
    const target = parseAddress(address);
    if (!target || target.port !== pgPort) return false;
    if (target.host.toLowerCase() === pgHost.toLowerCase()) return true;
    return isLoopback(pgHost) && isLoopback(target.host);
  }

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  const server = createServer((_req, res) => {
    res.writeHead(426, { "content-type": "text/plain", connection: "close" });
    res.end("WebSocket upgrade required\n");
  });

  function refuse(socket: Duplex, status: number, reason: string): void {
    stats.refused += 1;
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  }

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://bridge");
    if (url.pathname !== path) return refuse(socket, 404, "Not Found");
    if (!allowed(url.searchParams.get("address"))) return refuse(socket, 403, "Forbidden");
    if (!available) return refuse(socket, 503, "Service Unavailable");
    wss.handleUpgrade(req, socket, head, (ws) => pipe(ws));
  });

  function pipe(ws: WebSocket): void {
    stats.opened += 1;
    stats.open += 1;
    const tcp = connect({ host: pgHost, port: pgPort });
    tcp.setNoDelay(true);
    sockets.add(tcp);
    let closed = false;
    const finish = (): void => {
      if (closed) return;
      closed = true;
      stats.open -= 1;
      sockets.delete(tcp);
      tcp.destroy();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
    };

    // Bytes the driver sends before the TCP connection is up are buffered by the socket.
    const frames = new ClientFrames();
    ws.on("message", (data: RawData) => {
      if (closed || frames.terminated) return;
      const chunks = Array.isArray(data) ? data : [Buffer.isBuffer(data) ? data : Buffer.from(data)];
      for (const chunk of chunks) {
        tcp.write(chunk);
        if (frames.push(chunk)) {
          // Terminate: no more requests on this connection; close it like Postgres would.
          tcp.end();
          ws.close(1000);
          return;
        }
      }
    });
    tcp.on("data", (chunk: Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(chunk, { binary: true }, () => {
        if (tcp.isPaused() && ws.bufferedAmount < HIGH_WATER_BYTES) tcp.resume();
      });
      if (ws.bufferedAmount >= HIGH_WATER_BYTES) tcp.pause();
    });
    ws.on("close", finish);
    ws.on("error", finish);
    tcp.on("close", finish);
    tcp.on("error", finish);
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolveListen();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    port,
    wsProxy: `127.0.0.1:${port}${path}`,
    stats,
    setAvailable: (up: boolean) => {
      available = up;
      if (up) return;
      for (const ws of wss.clients) ws.terminate();
      for (const tcp of sockets) tcp.destroy();
    },
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      for (const tcp of sockets) tcp.destroy();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      "pg-port": { type: "string" },
      "pg-host": { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "0" },
    },
  });
  if (!values["pg-port"]) {
    console.error("usage: neon-ws-bridge.ts --pg-port <port> [--pg-host 127.0.0.1] [--port 0]");
    process.exit(2);
  }
  const bridge = await startNeonWsBridge({
    pgPort: Number(values["pg-port"]),
    pgHost: values["pg-host"],
    port: Number(values.port),
  });
  console.log(`NEON_WS_PROXY=${bridge.wsProxy}`);
  const stop = (): void => {
    void bridge.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
