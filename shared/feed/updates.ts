/** Cutting sequenced feed updates (one level change or trade per seq). */
import type { FeedMessage } from "./messages.ts";

/** The part of an update after `after` (one change or trade per seq), or null if it cannot be cut. */
export function trimUpdate(message: FeedMessage, after: number): FeedMessage | null {
  if (message.type !== "update") return null;
  const skip = after - message.first_seq + 1;
  const span = message.seq - message.first_seq + 1;
  if (message.channel === "level2" && message.changes.length === span) {
    return { ...message, first_seq: after + 1, changes: message.changes.slice(skip) };
  }
  if (message.channel === "trades" && message.trades.length === span) {
    return { ...message, first_seq: after + 1, trades: message.trades.slice(skip) };
  }
  return null;
}
