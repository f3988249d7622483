/**
 * `bench:feed`'s subscribers: WebSockets that count every update of level2 and trades,
 * check each stream's sequence, and record the delay from a message's `time` (the
 * book's commit, or the anchor's send) to its receipt, on one machine clock.
 */
import { FeedSocket, type Frame, type Message } from "../../test/client/index.ts";
import { globalWebSocket } from "../../test/client/node.ts";
import { CLIENT_HEADERS, sleep } from "../runtime.ts";

interface StreamState {
  last: number | undefined;
  gaps: number;
}

/** Where subscribers report what they received. */
export class Sink {
  latencies: number[] = [];
  delivered = 0;
  /** Frames received while recording (a frame carries one message or a batch). */
  frames = 0;
  recording = false;
  /** A frame as received (for the anchor's template), once one carried an update. */
  sample: string | undefined;

  record(ms: number): void {
    this.delivered++;
    if (this.recording) this.latencies.push(ms);
  }
}

export class Subscriber {
  readonly socket: FeedSocket;
  readonly streams: Record<"level2" | "trades", StreamState> = {
    level2: { last: undefined, gaps: 0 },
    trades: { last: undefined, gaps: 0 },
  };
  resyncs = 0;
  errors: string[] = [];
  private sinceAck = 0;
  readonly ready: Promise<void>;

  /** `url`: a feed URL with `?subscribe=…`, or the anchor's (ready at once, no snapshots there). */
  constructor(url: string, sink: Sink, anchor = false) {
    let readyResolve: () => void = () => {};
    let readyReject: (e: Error) => void = () => {};
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    this.socket = new FeedSocket({
      onFrame: (messages, at, text) => {
        if (sink.recording) sink.frames++;
        if (sink.sample === undefined && messages.some((m) => m.type === "update")) sink.sample = text;
        for (const m of messages) this.receive(m, at, sink, readyResolve, anchor);
      },
    });
    this.socket.connect(globalWebSocket(url, { headers: CLIENT_HEADERS })).then(
      () => {
        if (anchor) readyResolve();
      },
      () => readyReject(new Error("socket error")),
    );
    void this.socket.closed.then(({ code, reason }) => {
      if (code !== 1000 && code !== 1005) this.errors.push(`closed ${code} ${reason}`);
      readyReject(new Error(`closed ${code} ${reason}`));
    });
  }

  close(): Promise<void> {
    return this.socket.close(1000);
  }

  private receive(m: Message, at: number, sink: Sink, readyResolve: () => void, anchor: boolean): void {
    // Acknowledge now and then, as a client that keeps up should (the runtime answers "ping").
    if (++this.sinceAck >= 200) {
      this.sinceAck = 0;
      this.socket.ping();
    }
    if (m.type === "heartbeat") {
      this.socket.ping();
      return;
    }
    if (m.type === "resync") this.resyncs++;
    if (anchor) {
      if (m.type === "update") sink.record(at - m.time);
      return;
    }
    if (m.type !== "snapshot" && m.type !== "update") return;
    const s = m.channel === "level2" || m.channel === "trades" ? this.streams[m.channel] : undefined;
    if (!s) return;
    if (m.type === "snapshot") {
      s.last = m.seq;
      if (this.streams.level2.last !== undefined && this.streams.trades.last !== undefined) readyResolve();
      return;
    }
    if (s.last === undefined || m.first_seq !== s.last + 1) s.gaps++;
    s.last = m.seq;
    sink.record(at - m.time);
  }
}

/** Opens `count` subscribers, 50 at a time, each ready once it holds its snapshots. */
export async function openSubscribers(url: string, count: number, sink: Sink, anchor = false): Promise<Subscriber[]> {
  const subs: Subscriber[] = [];
  for (let i = 0; i < count; i += 50) {
    const wave = Array.from({ length: Math.min(50, count - i) }, () => new Subscriber(url, sink, anchor));
    await Promise.all(wave.map((s) => s.ready));
    subs.push(...wave);
  }
  return subs;
}

/** Waits until every subscriber is at the highest seq any of them saw, on both streams. */
export async function settle(subs: Subscriber[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    let done = true;
    for (const ch of ["level2", "trades"] as const) {
      const top = Math.max(...subs.map((s) => s.streams[ch].last ?? -1));
      if (subs.some((s) => s.streams[ch].last !== top)) done = false;
    }
    if (done) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

/** A received frame made a template for the anchor: every message's `time` becomes the placeholder. */
export function anchorTemplate(frame: string): string {
  const parsed: Frame = JSON.parse(frame);
  const messages = parsed.type === "batch" ? parsed.messages : [parsed];
  for (const m of messages) Object.assign(m, { time: "__TIME__" });
  return JSON.stringify(parsed);
}
