/**
 * The Worker test/sdk/runtimes.test.ts runs in workerd (Miniflare): its fetch handler runs
 * scenario.ts (through the SDK bundle `./sdk.js`) against the API on its loopback origin and
 * answers the result as JSON. `{ socket: "global" }` leaves the feed client on workerd's own
 * `new WebSocket(url)`; `{ socket: "upgrade" }` injects {@link UpgradeSocket}, the Workers idiom
 * for a client socket (`fetch` with `Upgrade: websocket`, then `accept()`), through the SDK's
 * `WebSocket` option.
 */
import type { WebSocketLike } from "../../../sdk/src/index.ts";
import { type ScenarioParams, scenario } from "./scenario.ts";

/** The part of workerd's WebSocket (`Response.webSocket`) the adapter uses. */
interface WorkerSocket {
  accept(): void;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: unknown) => void): void;
}

type Listener = (event: unknown) => void;

/** A standard-looking client WebSocket over `fetch(url, { headers: { upgrade: "websocket" } })`. */
class UpgradeSocket implements WebSocketLike {
  static opened = 0;
  readyState = 0;
  binaryType = "arraybuffer";
  private inner: WorkerSocket | undefined;
  private closeRequest: { code?: number; reason?: string } | undefined;
  private readonly listeners = new Map<string, Listener[]>();

  constructor(url: string) {
    void this.connect(url.replace(/^ws/, "http"));
  }

  send(data: string): void {
    if (!this.inner || this.readyState !== 1) throw new Error("UpgradeSocket: not open");
    this.inner.send(data);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    if (this.inner) this.inner.close(code, reason);
    else this.closeRequest = { code, reason };
  }

  addEventListener(type: "open" | "message" | "close" | "error", listener: Listener): void {
    const list = this.listeners.get(type) ?? [];
    list.push(listener);
    this.listeners.set(type, list);
  }

  private fire(type: string, event: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }

  private async connect(url: string): Promise<void> {
    try {
      const res = await fetch(url, { headers: { upgrade: "websocket" } });
      const ws = (res as unknown as { webSocket: WorkerSocket | null }).webSocket;
      if (!ws) throw new Error(`no WebSocket in the answer (HTTP ${res.status})`);
      ws.accept();
      UpgradeSocket.opened++;
      this.inner = ws;
      ws.addEventListener("message", (e) => this.fire("message", e));
      ws.addEventListener("error", (e) => this.fire("error", e));
      ws.addEventListener("close", (e) => {
        this.readyState = 3;
        this.fire("close", e);
      });
      if (this.closeRequest) {
        ws.close(this.closeRequest.code, this.closeRequest.reason);
        return;
      }
      this.readyState = 1;
      this.fire("open", {});
    } catch (err) {
      this.readyState = 3;
      this.fire("error", { error: err });
      this.fire("close", { code: 1006, reason: String(err) });
    }
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    const { params, socket } = (await request.json()) as { params: ScenarioParams; socket: "global" | "upgrade" };
    UpgradeSocket.opened = 0;
    try {
      const result = await scenario(params, socket === "upgrade" ? UpgradeSocket : undefined);
      return Response.json({ ok: true, result, upgradeSockets: UpgradeSocket.opened });
    } catch (err) {
      return Response.json({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  },
};
