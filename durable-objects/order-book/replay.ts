/**
 * Rebuilds feed updates from a book's event log, for `resume_from`: one
 * update per original commit (events logged at the same time), in order.
 */
import type { FeedMessage, LevelChange } from "../../shared/feed/messages.ts";
import type { InstrumentUnits } from "../../shared/instruments/units.ts";
import { feedTrade } from "./feed-publisher.ts";
import type { LoggedEvent } from "./store.ts";

export function replayUpdates(
  instrument: string,
  channel: "level2" | "trades",
  logged: readonly LoggedEvent[],
  units: InstrumentUnits,
): FeedMessage[] {
  const messages: FeedMessage[] = [];
  let run: LoggedEvent[] = [];
  const flush = () => {
    if (run.length > 0) messages.push(update(instrument, channel, run, units));
    run = [];
  };
  for (const entry of logged) {
    if (run.length > 0 && (run[0] as LoggedEvent).at !== entry.at) flush();
    run.push(entry);
  }
  flush();
  return messages;
}

function update(
  instrument: string,
  channel: "level2" | "trades",
  run: LoggedEvent[],
  units: InstrumentUnits,
): FeedMessage {
  const first = run[0] as LoggedEvent;
  const base = {
    type: "update" as const,
    instrument,
    first_seq: first.channelSeq as number,
    seq: (run[run.length - 1] as LoggedEvent).channelSeq as number,
    time: first.at,
  };
  if (channel === "level2") {
    const changes: LevelChange[] = [];
    for (const { event } of run) {
      if (event.type === "level") changes.push([event.side, units.price(event.price), units.size(event.qty)]);
    }
    return { ...base, channel, changes };
  }
  const trades = run.flatMap(({ event, at }) => (event.type === "trade" ? [feedTrade(event, at, units)] : []));
  return { ...base, channel, trades };
}
