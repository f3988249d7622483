/**
 * The params of `subscribe` and `unsubscribe` checked: known channels, well-formed and
 * listed instruments. Answers the streams asked for, or the error to reply with.
 */
import { PUBLIC_CHANNELS } from "../../shared/feed/messages.ts";
import {
  type FeedErrorCode,
  isChannel,
  issues,
  type StreamKey,
  type StreamsParams,
  StreamsParamsSchema,
  SYMBOL_PATTERN,
  streamKey,
  USER_CHANNEL,
} from "../../shared/feed/protocol.ts";
import type { Books } from "./books.ts";

export interface RequestedStreams {
  keys: StreamKey[];
  params: StreamsParams;
  /** The private `user` channel was named too. */
  user: boolean;
}

export type StreamRequestError = { code: FeedErrorCode; message: string };

const SHAPE = "params are {channels: [...], instruments: [...], resume_from?}";

export async function requestedStreams(raw: unknown, books: Books): Promise<RequestedStreams | StreamRequestError> {
  const parsed = StreamsParamsSchema.safeParse(raw);
  if (!parsed.success) return { code: "invalid_params", message: `${SHAPE}: ${issues(parsed.error)}` };
  const params = parsed.data;
  const user = params.channels.includes(USER_CHANNEL);
  const channels = params.channels.filter((c) => c !== USER_CHANNEL);
  const badChannels = channels.filter((c) => !isChannel(c));
  if (badChannels.length > 0) {
    const known = [...PUBLIC_CHANNELS, USER_CHANNEL].join(", ");
    return { code: "unknown_channel", message: `Unknown channel ${badChannels.join(", ")}; use ${known}.` };
  }
  if (channels.length > 0 && params.instruments === undefined) {
    return { code: "invalid_params", message: `${SHAPE}: instruments: required for ${channels.join(", ")}` };
  }
  const symbols = channels.length > 0 ? [...new Set(params.instruments)] : [];
  const malformed = symbols.filter((s) => !SYMBOL_PATTERN.test(s));
  let resolved: Map<string, unknown>;
  try {
    resolved = await books.resolve(symbols.filter((s) => SYMBOL_PATTERN.test(s)));
  } catch (err) {
    return { code: "unavailable", message: `The instrument registry did not answer (${String(err)}); retry shortly.` };
  }
  const unknown = [...malformed, ...symbols.filter((s) => resolved.get(s) === null)];
  if (unknown.length > 0) {
    return {
      code: "unknown_instrument",
      message: `Unknown instrument ${unknown.join(", ")}: see GET /v1/instruments.`,
    };
  }
  const keys: StreamKey[] = [];
  for (const instrument of symbols) {
    for (const channel of new Set(channels)) {
      if (isChannel(channel)) keys.push(streamKey(channel, instrument));
    }
  }
  return { keys, params, user };
}
