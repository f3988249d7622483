/**
 * The stream bridge: a WebSocket the edge opens to a feed shard for one stream
 * of one caller (a Connect server stream, a GraphQL subscription), read as an
 * async iterator of that stream's messages in the feed's own JSON. The shard
 * treats it as any socket (per-address and per-account caps, slow-consumer
 * limits, sequencing, resume), so every protocol gets the feed's semantics
 * from the one implementation: `snapshot` at seq S then updates after S,
 * `resumed` + the replayed log with `resume_from`, `resync` + a fresh snapshot
 * when the log no longer reaches back, `heartbeat` with the stream's last seq.
 *
 * Flow control: the shard counts the messages it sent since the socket's last
 * frame; the bridge sends the text frame `ping` (answered by the runtime,
 * without waking the shard) each time its consumer has taken what arrived, so a
 * consumer that keeps up is never conflated and one that falls behind gets the
 * feed's `conflated` snapshot, then the 4008 close, as a WebSocket client would.
 */

import type { UserMessage, UserSnapshot } from "../../../durable-objects/account/contract.ts";
import type { Session } from "../../../durable-objects/feed/contract.ts";
import { type ErrorCode, isErrorCode } from "../../../shared/errors/codes.ts";
import type { FeedMessage, PublicChannel } from "../../../shared/feed/messages.ts";
import type { HeartbeatMessage, ResumedMessage, ResyncMessage } from "../../../shared/feed/protocol.ts";
import type { Env } from "../env.ts";
import { problemException } from "../problem.ts";
import { connectToShard } from "./shards.ts";

/** Which stream: one public channel of one instrument, or the caller's `user` channel. */
export type StreamTarget =
  | { channel: PublicChannel; instrument: string; resumeFrom?: number | undefined }
  | { channel: "user" };

/** The stream's heartbeat: its own last seq (null while a snapshot is on its way). */
export interface StreamHeartbeat {
  type: "heartbeat";
  time: number;
  seq: number | null;
}

export interface UserResync {
  type: "resync";
  channel: "user";
  reason: string;
}

/** One message of a bridged stream, as the WebSocket feed sends it. */
export type StreamEvent =
  | FeedMessage
  | ResumedMessage
  | ResyncMessage
  | UserMessage
  | UserSnapshot
  | UserResync
  | StreamHeartbeat;

export interface OpenStreamOptions {
  env: Env;
  /** The caller's address: the socket counts against its per-address cap, as the caller's own socket would. */
  ip: string | undefined;
  /** The verified caller (required for `user`). */
  session?: Session | undefined;
  target: StreamTarget;
  /** Ends the stream (the request went away). */
  signal?: AbortSignal | undefined;
}

/** Ping after this many messages even while more are queued (the soft limit is far above it). */
const ACK_EVERY = 32;
/** A consumer this far behind is failed at once (the shard closes it long before, at its hard limit). */
const MAX_QUEUED = 20_000;
const SUBSCRIBE_ID = "bridge-subscribe";

/**
 * Opens the stream and waits for the shard to accept the subscription, so a refusal
 * (capacity, a limit, an unknown instrument, a missing scope) is thrown as the API's
 * problem before any message. The iterator ends with a problem when the feed ends
 * the stream (`unavailable` when the socket closed), and closes the socket when the
 * consumer stops (`return`) or the signal aborts.
 */
export async function openFeedStream(options: OpenStreamOptions): Promise<FeedStream> {
  const { env, ip, session, target } = options;
  const upgrade = new Request("https://feed.internal/v1/ws", { headers: { upgrade: "websocket" } });
  const res = await connectToShard(env, upgrade, ip, session);
  if (!res) {
    throw problemException("feed_capacity", "Every feed shard is at its socket limit: retry shortly.", {
      headers: { "retry-after": "5" },
    });
  }
  if (res.status !== 101 || !res.webSocket) throw await shardRefusal(res);
  const stream = new FeedStream(res.webSocket, target);
  options.signal?.addEventListener("abort", () => stream.close(1000, "the request ended"));
  await stream.subscribe();
  return stream;
}

export class FeedStream implements AsyncIterableIterator<StreamEvent> {
  private readonly socket: WebSocket;
  private readonly target: StreamTarget;
  private readonly key: string;
  private readonly queue: StreamEvent[] = [];
  private waiter: { resolve(r: IteratorResult<StreamEvent>): void; reject(e: unknown): void } | undefined;
  private subscribed: { resolve(): void; reject(e: unknown): void } | undefined;
  private failure: unknown;
  private ended = false;
  private unacked = 0;

  constructor(socket: WebSocket, target: StreamTarget) {
    this.socket = socket;
    this.target = target;
    this.key = target.channel === "user" ? "user" : `${target.channel}:${target.instrument}`;
    socket.accept();
    socket.addEventListener("message", (e) => this.frame(e.data));
    socket.addEventListener("close", (e) => {
      const why = e.reason ? `${e.code} ${e.reason}` : String(e.code);
      this.fail("unavailable", `The feed closed the stream (${why}): open it again${this.resumeHint()}.`);
    });
    socket.addEventListener("error", () =>
      this.fail("unavailable", "The feed's socket failed: open the stream again."),
    );
  }

  /** Sends `subscribe` and resolves once the shard accepted it. */
  subscribe(): Promise<void> {
    const params =
      this.target.channel === "user"
        ? { channels: ["user"] }
        : {
            channels: [this.target.channel],
            instruments: [this.target.instrument],
            ...(this.target.resumeFrom !== undefined && { resume_from: this.target.resumeFrom }),
          };
    return new Promise((resolve, reject) => {
      this.subscribed = { resolve, reject };
      this.socket.send(JSON.stringify({ id: SUBSCRIBE_ID, method: "subscribe", params }));
    });
  }

  next(): Promise<IteratorResult<StreamEvent>> {
    const event = this.queue.shift();
    if (event !== undefined) {
      this.consumed();
      return Promise.resolve({ value: event, done: false });
    }
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<StreamEvent>> {
    this.close(1000, "the stream's consumer stopped");
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): FeedStream {
    return this;
  }

  /** Ends the stream and closes the socket (idempotent). */
  close(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.failure = undefined;
    try {
      this.socket.close(code, reason);
    } catch {
      // Already closed.
    }
    this.waiter?.resolve({ value: undefined, done: true });
    this.waiter = undefined;
  }

  private frame(data: unknown): void {
    if (this.ended || typeof data !== "string" || data === "pong") return;
    let json: { type?: string; id?: unknown; messages?: unknown[] };
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    if (json.type === "batch" && Array.isArray(json.messages)) {
      for (const message of json.messages) this.message(message as Record<string, unknown>);
    } else {
      this.message(json as Record<string, unknown>);
    }
  }

  private message(m: Record<string, unknown>): void {
    if (m.id === SUBSCRIBE_ID) return this.reply(m);
    switch (m.type) {
      case "heartbeat": {
        const seqs = (m as unknown as HeartbeatMessage).seqs;
        if (this.key in seqs) this.push({ type: "heartbeat", time: m.time as number, seq: seqs[this.key] ?? null });
        return;
      }
      case "error": {
        if (!this.ours(m)) return;
        const code = typeof m.code === "string" && isErrorCode(m.code) ? m.code : "unavailable";
        const reason = typeof m.reason === "string" ? { reason: m.reason } : {};
        return this.fail(code, String(m.message), reason);
      }
      case "welcome":
        return;
      default:
        if (this.ours(m)) this.push(m as unknown as StreamEvent);
    }
  }

  private ours(m: Record<string, unknown>): boolean {
    if (this.target.channel === "user") return m.channel === "user";
    return m.channel === this.target.channel && m.instrument === this.target.instrument;
  }

  private reply(m: Record<string, unknown>): void {
    const subscribed = this.subscribed;
    this.subscribed = undefined;
    if (!subscribed) return;
    const error = m.error as { code?: string; message?: string } | undefined;
    if (!error) return subscribed.resolve();
    const code = error.code && isErrorCode(error.code) ? error.code : "unavailable";
    this.close(1000, "subscription refused");
    subscribed.reject(problemException(code, error.message ?? "The feed refused the subscription."));
  }

  private push(event: StreamEvent): void {
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      this.consumed();
      waiter.resolve({ value: event, done: false });
      return;
    }
    this.queue.push(event);
    if (this.queue.length > MAX_QUEUED) {
      this.fail(
        "unavailable",
        `The stream's consumer fell ${MAX_QUEUED} messages behind: open it again${this.resumeHint()}.`,
      );
    }
  }

  /** One message taken by the consumer: acknowledge when it caught up, or every ACK_EVERY. */
  private consumed(): void {
    this.unacked += 1;
    if (this.queue.length > 0 && this.unacked < ACK_EVERY) return;
    this.unacked = 0;
    try {
      this.socket.send("ping");
    } catch {
      // Closing: the close event ends the stream.
    }
  }

  private fail(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): void {
    if (this.ended) return;
    const problem = problemException(code, message, { extensions });
    if (this.subscribed) {
      this.subscribed.reject(problem);
      this.subscribed = undefined;
    }
    this.ended = true;
    try {
      this.socket.close(1000, "stream ended");
    } catch {
      // Already closed.
    }
    // What arrived before the failure is still delivered, then the failure.
    if (this.waiter) {
      this.waiter.reject(problem);
      this.waiter = undefined;
    } else {
      this.failure = problem;
    }
  }

  private resumeHint(): string {
    return this.target.channel === "user" ? "" : " with resume_from = the last seq received";
  }
}

/** A shard's refusal of the upgrade (a problem response from connectToShard, or a plain-text 400) as a problem. */
async function shardRefusal(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    const problem = JSON.parse(text) as { code?: string; detail?: string };
    if (problem.code && isErrorCode(problem.code)) {
      const retryAfter = res.headers.get("retry-after");
      return problemException(
        problem.code,
        problem.detail ?? text,
        retryAfter ? { headers: { "retry-after": retryAfter } } : {},
      );
    }
  } catch {
    // Not JSON: below.
  }
  return problemException("unavailable", `The feed refused the stream (${res.status}): ${text.slice(0, 200)}`);
}
