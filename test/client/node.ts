/**
 * Node's ways to open the feed socket, for socket.ts: the `ws` package, or Node's
 * global WebSocket (undici). Node only (index.ts does not re-export this file: the
 * workerd tests never load `ws`).
 */
import WebSocket from "ws";
import { type Connect, listen } from "./socket.ts";

export interface WsOptions {
  /** Request headers of the upgrade. */
  headers?: Record<string, string>;
  /** The `ws` package's permessage-deflate (its default: on). */
  perMessageDeflate?: boolean;
  /** Gives up (terminates) when the upgrade has not completed by then; default: never. */
  timeoutMs?: number;
}

/** Opens `url` with the `ws` package; rejects on a refused upgrade (`upgrade refused: <status>`) or an error. */
export function wsPackage(url: string, o: WsOptions = {}): Connect {
  return (events) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        ...(o.headers ? { headers: o.headers } : {}),
        ...(o.perMessageDeflate === undefined ? {} : { perMessageDeflate: o.perMessageDeflate }),
      });
      const timer =
        o.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              ws.terminate();
              reject(new Error(`no WebSocket upgrade within ${o.timeoutMs} ms`));
            }, o.timeoutMs);
      // Frames as Buffers (binary ones too): their UTF-8 text.
      ws.on("message", (data) => events.frame(data.toString()));
      ws.on("close", (code, reason) => events.close(code, reason.toString()));
      // Errors before the upgrade reject; later ones are followed by a close.
      ws.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      ws.once("unexpected-response", (req, res) => {
        clearTimeout(timer);
        reject(new Error(`upgrade refused: ${res.statusCode}`));
        req.destroy();
      });
      ws.once("open", () => {
        clearTimeout(timer);
        events.open({
          send: (data) => ws.send(data),
          close: (code, reason) => ws.close(code, reason),
          terminate: () => ws.terminate(),
        });
        resolve();
      });
    });
}

/** Opens `url` with Node's global WebSocket (undici), which takes upgrade headers as an extension. */
export function globalWebSocket(url: string, o: { headers?: Record<string, string> } = {}): Connect {
  return (events) =>
    new Promise((resolve, reject) => {
      const ws = new globalThis.WebSocket(url, o.headers ? { headers: o.headers } : undefined);
      ws.binaryType = "arraybuffer";
      const conn = listen(ws, events);
      ws.addEventListener("error", () => reject(new Error("socket error")));
      ws.addEventListener("open", () => {
        events.open(conn);
        resolve();
      });
    });
}
