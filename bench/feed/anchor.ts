/**
 * The fan-out anchor of `bench:feed`: a plain `ws` server in a process of its own (as
 * workerd is), broadcasting the same frames to the same number of clients, measured in
 * the same run. Whatever separates our delivery from it is ours to cut.
 *
 * Run as a child process: it listens on a free loopback port, says `{port}` on IPC,
 * then for every `{frame}` message broadcasts the text to every client with the
 * current time stamped in, so clients measure send-to-receipt as they do for the feed.
 */
import { fork } from "node:child_process";
import { type AddressInfo, WebSocketServer } from "ws";

interface Command {
  /** A frame to broadcast; `"__TIME__"` is replaced by the epoch ms at send. */
  frame?: string;
  stop?: true;
}

/** Starts the anchor process; resolves with its port and a way to broadcast. */
export async function startAnchor(): Promise<{
  port: number;
  pid: number;
  broadcast(frame: string): void;
  stop(): void;
}> {
  const child = fork(import.meta.filename, ["--anchor"], {
    execArgv: ["--experimental-strip-types"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`the anchor exited (${code})`)));
  });
  const stop = () => {
    if (child.connected) child.send({ stop: true } satisfies Command);
    setTimeout(() => child.kill("SIGKILL"), 1_000).unref();
  };
  process.on("exit", () => child.kill("SIGKILL"));
  return { port, pid: child.pid as number, broadcast: (frame) => child.send({ frame } satisfies Command), stop };
}

if (process.argv.includes("--anchor")) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  wss.on("connection", (ws) => {
    ws.on("message", (data) => {
      if (String(data) === "ping") ws.send("pong");
    });
  });
  wss.on("listening", () => process.send?.({ port: (wss.address() as AddressInfo).port }));
  process.on("message", (m: Command) => {
    if (m.stop) {
      for (const ws of wss.clients) ws.terminate();
      wss.close(() => process.exit(0));
      return;
    }
    if (m.frame) {
      const text = m.frame.replaceAll('"__TIME__"', String(Date.now()));
      for (const ws of wss.clients) ws.send(text);
    }
  });
}
