/**
 * Incoming frames: the text of one frame as its messages (a `batch` holds several), and
 * each message routed by what it is. Pure: no socket state, no timers.
 */
import type { WebSocketLike } from "./socket.ts";
import type {
  BatchFrame,
  HeartbeatMessage,
  MarketMessage,
  Message,
  ReplyMessage,
  ResumedMessage,
  ResyncMessage,
  StreamErrorMessage,
  UserEvent,
  WelcomeMessage,
} from "./types.ts";

/** The messages of a frame, or undefined for text that is not a JSON object (ignored). */
export function parseFrame(text: string): Message[] | undefined {
  let frame: Message | BatchFrame;
  try {
    frame = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof frame !== "object" || frame === null) return undefined;
  return "type" in frame && frame.type === "batch" ? frame.messages : [frame as Message];
}

/** Who handles each kind of message. */
export interface MessageHandlers {
  reply(message: ReplyMessage): void;
  welcome(ws: WebSocketLike, message: WelcomeMessage): void;
  heartbeat(ws: WebSocketLike, message: HeartbeatMessage): void;
  resumed(message: ResumedMessage): void;
  resync(message: ResyncMessage): void;
  streamError(message: StreamErrorMessage): void;
  market(message: MarketMessage): void;
  user(event: UserEvent): void;
}

/** Hands one message to its handler; a message of a type this client does not know is ignored. */
export function routeMessage(ws: WebSocketLike, m: Message, to: MessageHandlers): void {
  // Replies are the only messages without a `type`.
  if ("id" in m && !("type" in m)) return to.reply(m as ReplyMessage);
  switch ((m as { type?: string }).type) {
    case "welcome":
      return to.welcome(ws, m as WelcomeMessage);
    case "heartbeat":
      return to.heartbeat(ws, m as HeartbeatMessage);
    case "resumed":
      return to.resumed(m as ResumedMessage);
    case "resync":
      return to.resync(m as ResyncMessage);
    case "error":
      return to.streamError(m as StreamErrorMessage);
    case "snapshot":
    case "update":
      if ((m as { channel?: string }).channel === "user") return to.user(m as UserEvent);
      return to.market(m as MarketMessage);
    case "order":
    case "fill":
    case "balance":
      return to.user(m as UserEvent);
    default:
      return;
  }
}
