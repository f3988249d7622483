/**
 * A minimal RESP2 client over `node:net`: pipelined commands on one
 * connection, replies matched in order. Enough for the Upstash REST bridge and
 * test setup; not a general Redis client (no pub/sub, no RESP3, no cluster).
 */
import { connect, type Socket } from "node:net";

/** A Redis error reply (`-ERR …`). */
export class RedisReplyError extends Error {
  override name = "RedisReplyError";
}

/** A simple-string reply (`+OK`), kept apart from bulk strings. */
export interface SimpleString {
  simple: string;
}

/** Bulk strings arrive as bytes; nil as null. */
export type Reply = Buffer | SimpleString | number | null | RedisReplyError | Reply[];

export type Arg = string | number | Buffer;

/** Encodes one command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg), "utf8");
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/** Parses one reply at `offset`: the reply and the offset after it, or undefined if incomplete. */
export function parseReply(buf: Buffer, offset: number): [Reply, number] | undefined {
  const lineEnd = buf.indexOf("\r\n", offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[offset] as number);
  const line = buf.toString("utf8", offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case "+":
      return [{ simple: line }, next];
    case "-":
      return [new RedisReplyError(line), next];
    case ":":
      return [Number(line), next];
    case "$": {
      const len = Number(line);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return undefined;
      return [buf.subarray(next, next + len), next + len + 2];
    }
    case "*": {
      const len = Number(line);
      if (len < 0) return [null, next];
      const items: Reply[] = [];
      let at = next;
      for (let i = 0; i < len; i++) {
        const parsed = parseReply(buf, at);
        if (!parsed) return undefined;
        items.push(parsed[0]);
        at = parsed[1];
      }
      return [items, at];
    }
    default:
      throw new Error(`RESP: unexpected reply type ${JSON.stringify(type)}`);
  }
}

interface Waiter {
  resolve: (reply: Reply) => void;
  reject: (err: Error) => void;
}

export class RespConnection {
  readonly #socket: Socket;
  readonly #waiters: Waiter[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  #closed: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", (err) => this.#fail(err));
    socket.on("close", () => this.#fail(new Error("connection to redis-server closed")));
  }

  /** Connects to redis-server; rejects if nothing listens. */
  static open(port: number, host = "127.0.0.1", timeoutMs = 2000): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(new Error(`connect to ${host}:${port} timed out`)), timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeListener("error", reject);
        resolve(new RespConnection(socket));
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Sends commands in one write; resolves with their replies in order (errors are values, not rejections). */
  send(commands: readonly (readonly Arg[])[]): Promise<Reply[]> {
    if (this.#closed) return Promise.reject(this.#closed);
    const replies = commands.map(
      () => new Promise<Reply>((resolve, reject) => this.#waiters.push({ resolve, reject })),
    );
    this.#socket.write(Buffer.concat(commands.map(encodeCommand)));
    return Promise.all(replies);
  }

  /** One command; an error reply rejects. */
  async call(...args: Arg[]): Promise<Reply> {
    const [reply] = await this.send([args]);
    if (reply instanceof RedisReplyError) throw reply;
    return reply as Reply;
  }

  close(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let offset = 0;
    while (offset < this.#buffer.length) {
      let parsed: [Reply, number] | undefined;
      try {
        parsed = parseReply(this.#buffer, offset);
      } catch (err) {
        this.#socket.destroy(err as Error);
        return;
      }
      if (!parsed) break;
      offset = parsed[1];
      this.#waiters.shift()?.resolve(parsed[0]);
    }
    this.#buffer = this.#buffer.subarray(offset);
  }

  #fail(err: Error): void {
    if (!this.#closed) this.#closed = err;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(err);
  }
}
