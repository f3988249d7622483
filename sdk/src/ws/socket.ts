/** What the feed client needs of a WebSocket, and the little it does with raw frames. */

/** What the client needs of a WebSocket: the standard one (browsers, Node 22, Workers' `new WebSocket`). */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType?: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // biome-ignore lint/suspicious/noExplicitAny: standard event objects differ slightly between runtimes.
  addEventListener(type: "open" | "message" | "close" | "error", listener: (event: any) => void): void;
}

/** A WebSocket constructor: the global one, or an injected one (say, one that sets upgrade headers in Node). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** `readyState` of an open socket (`WebSocket.OPEN`, which not every runtime defines as a static). */
export const SOCKET_OPEN = 1;

/** The code the client closes a socket it gave up on with (client close codes must be 1000 or 3000–4999). */
export const CLIENT_DROP = 4000;

const decoder = new TextDecoder();

/** A frame's text: sockets give strings, or binary frames as an ArrayBuffer or a view. */
export const textOf = (data: unknown): string =>
  typeof data === "string"
    ? data
    : data instanceof ArrayBuffer
      ? decoder.decode(data)
      : ArrayBuffer.isView(data)
        ? decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
        : String(data);
